"""How the bot's own dialog answered a typed message, stored on the message for the reports."""

from __future__ import annotations

from bot.dialog import Outcome
from bot.flows.model import FlowSet
from bot.nlu.types import NluResult

FAQ = "faq"
ASKED_BACK = "asked_back"
UNANSWERED = "unanswered"
OTHER = "other"  # small talk, a coach offered, the intake started: answered, but not from a topic
KINDS = (FAQ, ASKED_BACK, UNANSWERED, OTHER)


def answer_kind(flows: FlowSet, nlu: NluResult | None, outcome: Outcome) -> str | None:
    """From the FAQ (a menu topic), by asking which topic was meant, or not at all; None for turns
    the classifier did not read (buttons, commands)."""
    if nlu is None:
        return None
    if outcome.asked_back:
        return ASKED_BACK
    if outcome.unanswered:
        return UNANSWERED
    flow = flows.for_intent(outcome.intent) if outcome.intent else None
    return FAQ if flow is not None and flow.menu is not None else OTHER

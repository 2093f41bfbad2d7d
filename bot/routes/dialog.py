"""The bot's own dialog: a newcomer's turn with no coach, case or active intake involved. Decide
(pure), then update state and transcript and queue the replies."""

from __future__ import annotations

from dataclasses import replace as dc_replace

from bot.db.models import ConversationState, UnansweredQuestion
from bot.dialog import ButtonIn, CommandIn, Dialog, DialogConfig, EditedIn, Event, HandoffInfo, MediaIn, State, TextIn
from bot.handoff import queue, service
from bot.incoming import Incoming
from bot.intake import form
from bot.intake import store as intake_store
from bot.messages import Msg
from bot.nlu.types import NluResult
from bot.reports.answers import answer_kind
from bot.routing import Ctx

ACTIONS = frozenset({"menu", "language", "coach", "intake"})
_WAIT = Msg("")  # stands for the wait message in the dialog's decision until it is worded


def always(ctx: Ctx) -> bool:
    return True


def event(incoming: Incoming, nlu: NluResult | None) -> Event:
    if incoming.kind == "command":
        return CommandIn(incoming.command or "", incoming.args)
    if incoming.kind == "button":
        return ButtonIn(incoming.data or "")
    if incoming.kind == "edited":
        return EditedIn()
    if nlu is not None and incoming.words is not None:
        return TextIn(incoming.words, nlu)
    if incoming.kind == "text":  # only spaces: there are no words to understand
        return TextIn(incoming.text or "", NluResult(incoming.text or "", None, "", 0.0, ()))
    return MediaIn(incoming.kind)


async def handle(ctx: Ctx) -> bool:
    turn, incoming, nlu, user = ctx.turn, ctx.incoming, ctx.nlu, ctx.sender.user
    if nlu is None and incoming.words and incoming.words.strip():
        # Rare: a Rasa server was not asked (the newcomer had a case, closed since); ask it now.
        nlu = ctx.nlu = await ctx.services.nlu.parse(incoming.words)
    session, settings, outbox = turn.session, turn.settings, turn.outbox
    state_row = await ctx.state()
    if state_row is None:
        state_row = ConversationState(user_id=user.id, pending=[])
        session.add(state_row)
    dialog = Dialog(DialogConfig(turn.flows, settings.nlu_threshold, ACTIONS), HandoffInfo(_WAIT))
    state = State(state_row.flow, state_row.node, state_row.low_confidence_streak or 0)
    happened = event(incoming, nlu)
    happened = dialog.read_followup(happened, state, ctx.services.embedded.followup)
    outcome = dialog.decide(happened, state)
    if any(reply.text is _WAIT for reply in outcome.replies):
        # The queue is counted only when the offer is shown (a statement less on most turns).
        wait = service.wait_message(turn, await queue.waiting_count(session), ctx.language)
        replies = tuple(dc_replace(r, text=wait) if r.text is _WAIT else r for r in outcome.replies)
        outcome = dc_replace(outcome, replies=replies)
    if outcome.chosen_language is not None:
        user.chosen_language = ctx.language = outcome.chosen_language
    language = user.last_language = ctx.language
    state_row.flow, state_row.node = outcome.state.flow, outcome.state.node
    state_row.low_confidence_streak = outcome.state.low_confidence_streak
    state_row.pending = []  # the conversation went on: a question asked before (/delete) is no longer open
    ctx.store(nlu=nlu, intent=outcome.intent, answer=answer_kind(turn.flows, nlu, outcome))
    if outcome.unanswered and nlu is not None and incoming.words:
        session.add(
            UnansweredQuestion(
                user_id=user.id,
                text=incoming.words[:2000],
                language=language,
                intent=nlu.intent,
                confidence=nlu.confidence,
            )
        )
    replies = outcome.replies
    if outcome.start_intake:
        started = form.start(await ctx.intake())
        await intake_store.save(session, user.id, started.state)
        replies += started.replies
    if (outcome.chosen_language is not None or isinstance(happened, MediaIn)) and (
        waiting := form.waiting_on(await ctx.intake())
    ) is not None:
        # The intake goes on (in the new language; after a photo or voice message it cannot read):
        # its question again instead of the topic menu.
        replies = (*(dc_replace(r, buttons=()) for r in replies), waiting)
    for reply in replies:
        outbox.reply(user, incoming.chat_id, language, reply)
    if outcome.handoff is not None:
        topic = outcome.handoff.topic or state_row.flow
        await service.start_case(turn, user, language, topic=topic, reason=outcome.handoff.reason)
    return True

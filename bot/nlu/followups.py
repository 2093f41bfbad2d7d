"""Held-out follow-up messages (nlu/eval/followups.yml): what a newcomer types right after an answer ("hoeveel
kost dat", "and how long does it take?"), scored through the dialog as the bot decides them, once as it does
now and once without reading follow-ups (`werkhelpdesk nlu evaluate --followups FILE`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bot.dialog import Dialog, DialogConfig, FollowupLookup, HandoffInfo, Outcome, State, TextIn
from bot.flows.model import FlowSet
from bot.messages import Msg
from bot.nlu.types import NluResult
from bot.routes.dialog import ACTIONS  # the actions the bot's own dialog offers

KINDS = ("node", "switch", "none")  # a node of the same topic, a question about another topic, neither


@dataclass(frozen=True)
class FollowupMessage:
    language: str
    topic: str  # the flow answered just before
    shown: str  # its node shown just before
    text: str
    expect: str  # a node of `topic`, "intent:<intent>", or "none" (small talk, off-topic)

    @property
    def kind(self) -> str:
        return "switch" if self.expect.startswith("intent:") else "none" if self.expect == "none" else "node"


def load_followups(path: Path) -> list[FollowupMessage]:
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        FollowupMessage(str(i["lang"]), str(i["topic"]), str(i["shown"]), str(i["text"]), str(i["expect"]))
        for i in items
    ]


def right(message: FollowupMessage, outcome: Outcome) -> bool:
    """Whether the dialog's answer (the flow and node it showed, the intent it answered) is the expected one."""
    flow, node = outcome.state.flow, outcome.state.node
    if message.kind == "node":
        return (flow, node) == (message.topic, message.expect) and not outcome.unanswered
    if message.kind == "switch":
        return outcome.intent == message.expect.removeprefix("intent:") and not outcome.asked_back
    return flow != message.topic or node == message.shown  # not led on to another answer of the topic


@dataclass(frozen=True)
class FollowupLanguage:
    language: str
    counts: dict[str, int]  # messages per kind
    right_with: dict[str, float]  # share right per kind, reading follow-ups (the bot now)
    right_without: dict[str, float]  # the same without (the dialog before follow-ups were read)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got), with follow-ups


@dataclass(frozen=True)
class FollowupReport:
    threshold: float
    languages: list[FollowupLanguage]

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def evaluate_followups(
    parse: Callable[[str], NluResult],
    followup: FollowupLookup,
    flows: FlowSet,
    messages: Sequence[FollowupMessage],
    threshold: float,
) -> FollowupReport:
    """`followup(intent, text, margin, among)`: the classifier's node of a follow-up (EmbeddedClassifier.followup)."""
    dialog = Dialog(DialogConfig(flows, threshold, ACTIONS), HandoffInfo(Msg("")))
    reports = []
    for language in sorted({m.language for m in messages}):
        rows = [m for m in messages if m.language == language]
        tally: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
        misses: list[tuple[str, str, str]] = []
        for m in rows:
            state = State(m.topic, m.shown)
            plain = TextIn(m.text, parse(m.text))
            read = dialog.read_followup(plain, state, followup)
            for with_followups, event in ((True, read), (False, plain)):
                outcome = dialog.decide(event, state)
                ok = right(m, outcome)
                tally[with_followups][m.kind] += ok
                if with_followups and not ok:
                    misses.append((m.text, f"{m.topic}: {m.expect}", f"{outcome.state.flow}.{outcome.state.node}"))
        counts = Counter(m.kind for m in rows)
        reports.append(
            FollowupLanguage(
                language,
                {k: counts[k] for k in KINDS},
                {k: tally[True][k] / counts[k] if counts[k] else 0.0 for k in KINDS},
                {k: tally[False][k] / counts[k] if counts[k] else 0.0 for k in KINDS},
                misses,
            )
        )
    return FollowupReport(threshold, reports)


def format_followups(report: FollowupReport, misses: bool = True) -> str:
    lines = [
        f"follow-up messages at threshold {report.threshold:.2f}: right now / without reading follow-ups",
        "",
        f"{'lang':<5} {'node':>18} {'switch':>18} {'none':>18}",
    ]
    for r in report.languages:
        cells = [f"{r.right_with[k]:.3f} / {r.right_without[k]:.3f} ({r.counts[k]})" for k in KINDS]
        lines.append(f"{r.language:<5} " + " ".join(f"{c:>18}" for c in cells))
    lines += [
        "",
        "node: a follow-up answered with the expected node of the topic just answered; switch: a question about",
        "another topic answered as that topic (not held in the old one); none: small talk or off-topic not",
        "answered with another node of the topic.",
    ]
    if misses:
        lines += ["", "misses (expected -> got):"]
        for r in report.languages:
            lines += [f"  [{r.language}] {text[:60]!r}: {want} -> {got}" for text, want, got in r.misses]
    return "\n".join(lines)

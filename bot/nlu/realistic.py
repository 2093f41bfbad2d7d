"""Held-out realistic messages (nlu/eval/realistic.yml): written as people write on a phone, never trained on,
and scored as the bot would handle them at its threshold (`werkhelpdesk nlu evaluate --realistic FILE`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bot.nlu.types import TOPICS, NluResult

OFFERED = 3  # topics on the buttons when the bot asks back


@dataclass(frozen=True)
class RealisticMessage:
    language: str
    text: str
    intent: str
    node: str | None = None
    second: str | None = None


def load_realistic(path: Path) -> list[RealisticMessage]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        RealisticMessage(language, str(item["text"]), str(item["intent"]), item.get("node"), item.get("second"))
        for language, items in doc.items()
        for item in items or []
    ]


def offered_topics(result: NluResult) -> list[str]:
    """The topics the dialog offers as buttons when it is unsure: the likeliest ones, in order."""
    return [intent for intent, _ in result.ranking if intent in TOPICS][:OFFERED]


# Under every topic's answer the bot shows "Sign up for guidance" and "Talk to a coach" (bot.dialog.node_reply).
_UNDER_EVERY_ANSWER = frozenset({"start_intake", "request_human"})


def below_answer(result: NluResult) -> set[str | None]:
    """The intents a confident answer offers on its buttons besides its own: the message's second question, the
    runner-up topic, and, below a topic's answer, the intake and a coach."""
    return {result.second, result.runner_up(), *(_UNDER_EVERY_ANSWER if result.intent in TOPICS else ())}


@dataclass(frozen=True)
class RealisticLanguage:
    language: str
    messages: int
    answered_right: float  # confident and the right intent
    asked_back: float  # below the threshold, the right topic among the buttons
    answered_wrong: float  # confident and wrong ("confidently wrong")
    asked_wrong: float  # below the threshold, the right topic not offered
    node_questions: int
    node_right: float  # of the messages with a node: the right intent and node, answered directly
    second_offered: float | None  # of two-question messages: the second question offered as a button
    node_overreach: float = 0.0  # of the general questions answered with the right intent: given a node
    wrong_offered: float = 0.0  # of the confidently wrong answers: the right topic on a button below (a tap away)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got)


@dataclass(frozen=True)
class RealisticReport:
    threshold: float
    languages: list[RealisticLanguage]

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def evaluate_realistic(
    parse: Callable[[str], NluResult], messages: Sequence[RealisticMessage], threshold: float
) -> RealisticReport:
    reports = []
    for language in sorted({m.language for m in messages}):
        rows = [(m, parse(m.text)) for m in messages if m.language == language]
        tally: Counter[str] = Counter()
        misses: list[tuple[str, str, str]] = []
        for m, r in rows:
            confident = r.confidence >= threshold
            right = confident and r.intent == m.intent
            if confident:
                tally["right" if right else "wrong"] += 1
                tally["wrong_offered"] += not right and m.intent in below_answer(r)
            else:
                tally["asked" if m.intent in offered_topics(r) else "asked_wrong"] += 1
            if right and m.node is not None:
                tally["node_right"] += r.node == m.node
            if right and m.node is None:
                tally["general"] += 1
                tally["overreach"] += r.node is not None
            tally["second_ok"] += m.second is not None and r.second == m.second
            if not (right and (m.node is None or r.node == m.node)):
                got = f"{r.intent}{'.' + r.node if r.node else ''} {r.confidence:.2f}"
                misses.append((m.text, f"{m.intent}{'.' + m.node if m.node else ''}", got))
        n = len(rows)
        nodes = sum(1 for m, _ in rows if m.node is not None)
        seconds = sum(1 for m, _ in rows if m.second is not None)
        reports.append(
            RealisticLanguage(
                language,
                n,
                tally["right"] / n,
                tally["asked"] / n,
                tally["wrong"] / n,
                tally["asked_wrong"] / n,
                nodes,
                tally["node_right"] / nodes if nodes else 0.0,
                tally["second_ok"] / seconds if seconds else None,
                tally["overreach"] / tally["general"] if tally["general"] else 0.0,
                tally["wrong_offered"] / tally["wrong"] if tally["wrong"] else 0.0,
                misses,
            )
        )
    return RealisticReport(threshold, reports)


def format_realistic(report: RealisticReport, misses: bool = True) -> str:
    lines = [
        f"realistic held-out messages at threshold {report.threshold:.2f}",
        "",
        f"{'lang':<5} {'messages':>8} {'right':>6} {'asked':>6} {'wrong':>6} {'asked-wrong':>12}"
        f" {'node q':>7} {'node right':>11} {'overreach':>10} {'2nd offered':>12}",
    ]
    for r in report.languages:
        second = f"{r.second_offered:.2f}" if r.second_offered is not None else "-"
        lines.append(
            f"{r.language:<5} {r.messages:>8} {r.answered_right:>6.3f} {r.asked_back:>6.3f} {r.answered_wrong:>6.3f}"
            f" {r.asked_wrong:>12.3f} {r.node_questions:>7} {r.node_right:>11.3f} {r.node_overreach:>10.3f} {second:>12}"
            f" {r.wrong_offered:>15.3f}"
        )
    lines += [
        "",
        "right: confident and the right intent; asked: below the threshold with the right topic on a button;",
        "wrong: confident and wrong; asked-wrong: asked back without the right topic; node right: the",
        "specific question answered with its node directly (share of the messages that have one); overreach:",
        "general questions (no node) answered with a node instead of the topic's opening; wrong, offered: of the",
        "wrong answers, the share with the right one on a button below (the second question, the runner-up, or",
        "under a topic's answer the intake and a coach).",
    ]
    if misses:
        lines += ["", "misses (expected -> got):"]
        for r in report.languages:
            lines += [f"  [{r.language}] {text[:70]!r}: {want} -> {got}" for text, want, got in r.misses]
    return "\n".join(lines)

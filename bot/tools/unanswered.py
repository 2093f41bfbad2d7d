"""`werkhelpdesk report unanswered`: what newcomers asked that no FAQ answered, grouped by language
and similarity, so staff see which answer is missing.

When the bot asked back and the newcomer tapped one of the offered topics (button `i:<intent>`, the
next thing they sent), the report shows that topic with the message: a training suggestion, ready to
add to nlu/data/<lang>.yml under that intent. Likewise a confident answer the newcomer corrected by tapping
the other topic offered below it (`o:<intent>`): that message, with the topic they meant. And a short
follow-up ("hoe lang duurt dat") is shown with the topic of the answer before it, without which staff cannot
tell what it asks. All are read from the transcript, so nothing extra is stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import NodeButton, OtherTopic, TopicButton, decode
from bot.db.models import Message, UnansweredQuestion, utcnow
from bot.textnorm import normalize

SIMILARITY = 0.35
IsTopic = Callable[[str], bool]  # FlowSet.is_topic: the menu's flows, staff's new topics included
AFTER_WITHIN = timedelta(minutes=30)  # an answer longer ago than this is no longer the question's context
_SLACK = timedelta(minutes=1)  # the question's row is written in the turn of its message, a moment later


@dataclass
class Group:
    language: str
    texts: list[str] = field(default_factory=list)
    picked: list[str | None] = field(default_factory=list)  # per text: the topic the newcomer chose
    after: list[str | None] = field(default_factory=list)  # per text: the topic answered just before it


@dataclass(frozen=True)
class Context:
    """Read from the newcomer's messages around an unanswered question."""

    picked: dict[int, str]  # question id -> the topic tapped right after it, when the bot asked back
    after: dict[int, str]  # question id -> the topic of the newcomer's message just before it


async def contexts(session: AsyncSession, rows: list[UnansweredQuestion], is_topic: IsTopic) -> Context:
    """The topic each unanswered question was followed by (a training suggestion) and came after."""
    if not rows:
        return Context({}, {})
    since = min(r.created_at for r in rows) - AFTER_WITHIN
    users = sorted({r.user_id for r in rows})
    incoming = list(
        await session.scalars(
            select(Message)
            .where(Message.user_id.in_(users), Message.direction == "in", Message.created_at >= since)
            .order_by(Message.user_id, Message.created_at, Message.id)
        )
    )
    by_user: dict[int, list[Message]] = {}
    for m in incoming:
        by_user.setdefault(int(m.user_id or 0), []).append(m)
    picked: dict[int, str] = {}
    after: dict[int, str] = {}
    for r in rows:
        messages = by_user.get(r.user_id, [])
        # The question's own message, then whatever the newcomer sent next; before it, what led to it.
        at = next(
            (i for i, m in enumerate(messages) if m.text == r.text and m.created_at >= r.created_at - _SLACK), None
        )
        if at is None:
            continue
        if at + 1 < len(messages):
            button = decode(messages[at + 1].text) if messages[at + 1].kind == "button" else None
            if isinstance(button, TopicButton):  # a topic offered when the bot asked back
                picked[r.id] = button.intent
        before = messages[at - 1] if at > 0 else None
        if before is not None and before.created_at >= messages[at].created_at - AFTER_WITHIN:
            topic = _topic_of(before, is_topic)
            if topic is not None:
                after[r.id] = topic
    return Context(picked, after)


def _topic_of(message: Message, is_topic: IsTopic) -> str | None:
    """The topic a newcomer's message asked about or a button opened, if it was one."""
    if message.kind == "text":
        return message.intent if message.intent and is_topic(message.intent) else None
    match decode(message.text or "") if message.kind == "button" else None:
        case TopicButton(intent) | OtherTopic(intent) if is_topic(intent):
            return intent
        case NodeButton(flow, _) if is_topic(flow):
            return flow
    return None


@dataclass(frozen=True)
class Correction:
    """A confident answer the newcomer corrected: their message, the topic answered, the topic they tapped."""

    language: str
    text: str
    answered: str
    picked: str


async def corrections(
    session: AsyncSession, *, days: int, is_topic: IsTopic, now: datetime | None = None
) -> list[Correction]:
    """Taps on the other topic below an answer in the last `days`, each with the newcomer's message it
    answered (their last typed message about a topic before the tap), oldest first."""
    since = (now or utcnow()) - timedelta(days=days)
    taps = [
        (tap, picked)
        for tap in await session.scalars(
            select(Message)
            .where(Message.direction == "in", Message.kind == "button", Message.created_at >= since)
            .where(Message.text.startswith(OtherTopic.prefix + ":"))
            .order_by(Message.id)
        )
        if isinstance(picked := decode(tap.text), OtherTopic)
    ]
    if not taps:
        return []
    # The button is only under a topic's answer: the tapper's typed messages about a topic, one query for all.
    asked: dict[int, list[Message]] = {}
    for m in await session.scalars(
        select(Message)
        .where(Message.user_id.in_(sorted({tap.user_id for tap, _ in taps if tap.user_id})), Message.direction == "in")
        .where(Message.kind == "text", Message.intent.is_not(None), Message.id < taps[-1][0].id)
        .order_by(Message.id)
    ):
        if m.intent and is_topic(m.intent):
            asked.setdefault(int(m.user_id or 0), []).append(m)
    found: list[Correction] = []
    for tap, picked in taps:
        question = next((m for m in reversed(asked.get(int(tap.user_id or 0), [])) if m.id < tap.id), None)
        if question is None or not question.text:
            continue
        if question.intent != picked.intent:  # else the tap only repeated the answer
            found.append(Correction(question.language or "?", question.text, question.intent or "?", picked.intent))
    return found


def group_similar(texts: list[str], threshold: float = SIMILARITY) -> list[list[int]]:
    """Greedy grouping by cosine similarity of character n-grams (works for any script)."""
    if not texts:
        return []
    import numpy as np  # here, not at import: the console imports this module, and the bot keeps
    from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn out of its memory

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform([normalize(t) or "?" for t in texts])
    groups: list[list[int]] = []
    centroids: list[np.ndarray[Any, Any]] = []
    for i in range(matrix.shape[0]):
        row = matrix[i].toarray()[0]
        best, best_sim = -1, threshold
        for g, centroid in enumerate(centroids):
            norm = float(np.linalg.norm(centroid)) or 1.0
            sim = float(row @ centroid) / norm
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append([i])
            centroids.append(row.copy())
        else:
            groups[best].append(i)
            centroids[best] = centroids[best] + row
    return groups


async def unanswered_groups(
    session: AsyncSession, *, days: int, is_topic: IsTopic, now: datetime | None = None
) -> list[Group]:
    since = (now or utcnow()) - timedelta(days=days)
    rows = list(
        await session.scalars(
            select(UnansweredQuestion).where(UnansweredQuestion.created_at >= since).order_by(UnansweredQuestion.id)
        )
    )
    context = await contexts(session, rows, is_topic)
    result: list[Group] = []
    for language in sorted({r.language or "?" for r in rows}):
        same = [r for r in rows if (r.language or "?") == language]
        texts = [r.text for r in same]
        for indices in group_similar(texts):
            members = [same[i] for i in indices]
            picked = [context.picked.get(m.id) for m in members]
            result.append(
                Group(language, [m.text for m in members], picked, [context.after.get(m.id) for m in members])
            )
    result.sort(key=lambda g: (-len(g.texts), g.language))
    return result


def format_groups(groups: list[Group], days: int, corrected: list[Correction] | None = None) -> str:
    total = sum(len(g.texts) for g in groups)
    lines = [f"{total} unanswered messages in the last {days} days, in {len(groups)} groups (largest first):", ""]
    for group in groups:
        lines.append(f"[{group.language}] {len(group.texts)}×")
        for text, after in list(zip(group.texts, group.after or [None] * len(group.texts), strict=True))[:3]:
            lines.append(f"    {text[:120]}" + (f"  (after an answer about {after})" if after else ""))
        if len(group.texts) > 3:
            lines.append(f"    … and {len(group.texts) - 3} more")
    suggestions = [
        (group.language, topic, text)
        for group in groups
        for text, topic in zip(group.texts, group.picked, strict=False)
        if topic is not None
    ]
    if suggestions:
        lines += ["", "Training suggestions: the newcomer chose this topic when the bot asked back", ""]
        lines += [f"[{language}] {topic}: {text[:120]}" for language, topic, text in suggestions]
    if corrected:
        lines += ["", "Training suggestions: the newcomer chose another topic after the bot's answer", ""]
        lines += [f"[{c.language}] {c.picked} (answered: {c.answered}): {c.text[:120]}" for c in corrected]
    return "\n".join(lines)

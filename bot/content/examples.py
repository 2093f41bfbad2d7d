"""Training examples staff add from unanswered questions: kept in the database (the image's nlu/ is read-only) and
published with the next revision; intents are bot/nlu/types.py's plus topics' own ones with enough examples."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Coach, NluExample, utcnow
from bot.flows.model import FlowSet
from bot.nlu.data import Example
from bot.nlu.embedded import CALIBRATION_FOLDS
from bot.nlu.types import INTENTS

MAX_EXAMPLE = 500
# A topic's own intent is learnt from this many examples on: fewer would also cut the classifier's
# calibration folds (one per example of its smallest intent) for every intent.
MIN_EXAMPLES = CALIBRATION_FOLDS


def topic_intents(flows: FlowSet) -> set[str]:
    """The intents of topics beyond the fixed ones: each such topic's own (`intents: [<its id>]`)."""
    return {intent for flow in flows.flows.values() for intent in flow.intents} - set(INTENTS)


def known_intents(flows: FlowSet) -> list[str]:
    """What a question can be filed under: the fixed intents, then the topics' own."""
    return [*INTENTS, *sorted(topic_intents(flows))]


def trainable(found: Iterable[Example], flows: FlowSet) -> list[Example]:
    """The examples the classifier learns with `flows` published: those of the fixed intents, and of a
    published topic's own intent once it has `MIN_EXAMPLES` (a topic restored away is forgotten)."""
    found = list(found)
    topics = topic_intents(flows)
    counts = Counter(e.intent for e in found if e.intent in topics)
    return [e for e in found if e.intent in INTENTS or counts[e.intent] >= MIN_EXAMPLES]


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


async def add(session: AsyncSession, coach: Coach, text: str, language: str, intent: str) -> NluExample:
    row = NluExample(text=text[:MAX_EXAMPLE], language=language, intent=intent, coach_id=coach.id, author=coach.name)
    row.created_at = utcnow()
    session.add(row)
    await session.flush()
    return row


async def pending(session: AsyncSession) -> list[NluExample]:
    return list(await session.scalars(select(NluExample).where(NluExample.revision.is_(None)).order_by(NluExample.id)))


async def published(session: AsyncSession) -> list[Example]:
    rows = await session.scalars(select(NluExample).where(NluExample.revision.is_not(None)).order_by(NluExample.id))
    return [Example(r.text, r.intent, r.language) for r in rows]


def fingerprint(found: Iterable[Example]) -> str:
    """Which examples a classifier learnt ("" for none): a replica trains again when this changes."""
    rows = sorted((e.intent, e.language, e.text) for e in found)
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16] if rows else ""


async def of_intent(session: AsyncSession, intent: str) -> list[NluExample]:
    """A topic's questions, published and waiting."""
    return list(await session.scalars(select(NluExample).where(NluExample.intent == intent).order_by(NluExample.id)))


async def drop_pending(session: AsyncSession, intent: str) -> None:
    """A draft topic thrown away: its waiting questions go with it."""
    await session.execute(delete(NluExample).where(NluExample.intent == intent, NluExample.revision.is_(None)))


async def publish_pending(session: AsyncSession, revision: int) -> int:
    """Mark the waiting examples as published with `revision`; how many."""
    result = await session.execute(
        update(NluExample).where(NluExample.revision.is_(None)).values(revision=revision).returning(NluExample.id)
    )
    return len(result.all())


async def group_in_process(texts: list[str]) -> list[list[int]]:
    """`group_similar` in a short-lived child process, so scikit-learn never loads in the bot's process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([_PACKAGE_ROOT, *filter(None, [env.get("PYTHONPATH")])])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.content.grouping",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    output, _ = await process.communicate(pickle.dumps(texts))
    if process.returncode != 0:
        raise RuntimeError(f"grouping the questions failed (exit code {process.returncode})")
    groups: list[list[int]] = pickle.loads(output)
    return groups

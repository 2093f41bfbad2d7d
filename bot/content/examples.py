"""Training examples staff add from unanswered questions: stored in the database (the image's nlu/ files
are read-only), published with the next content revision, and then trained on by every replica."""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Coach, NluExample, utcnow
from bot.nlu.data import Example

MAX_EXAMPLE = 500
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

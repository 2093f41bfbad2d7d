"""Revisions and drafts in the database. The revision with the highest number is what the bot serves."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.drafts import Edit, apply
from bot.db.models import Coach, ContentDraft, ContentRevision, utcnow

SEED, IMPORT, CONSOLE, RESTORE = "seed", "import", "console", "restore"
FROM_FILES = (SEED, IMPORT)


class PublishConflictError(RuntimeError):
    """Someone else published first: look at the new revision and publish again."""


def files_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def head(session: AsyncSession) -> ContentRevision | None:
    return await session.scalar(select(ContentRevision).order_by(ContentRevision.number.desc()).limit(1))


async def head_number(session: AsyncSession) -> int | None:
    """Cheap: what every replica asks every few seconds."""
    return await session.scalar(select(func.max(ContentRevision.number)))


async def revision(session: AsyncSession, number: int) -> ContentRevision | None:
    return await session.scalar(select(ContentRevision).where(ContentRevision.number == number))


async def revisions(session: AsyncSession, limit: int = 200) -> list[ContentRevision]:
    query = select(ContentRevision).order_by(ContentRevision.number.desc()).limit(limit)
    return list(await session.scalars(query))


async def publish(
    session: AsyncSession,
    files: dict[str, str],
    *,
    parent: int | None,
    source: str,
    author: str,
    coach: Coach | None = None,
    comment: str = "",
    changes: list[dict[str, object]] | None = None,
    from_files: str | None = None,
) -> ContentRevision:
    """A new revision after `parent` (None: the first). PublishConflictError when `parent` is no longer
    the newest (the unique number refuses the second of two publishing at once)."""
    if parent != await head_number(session):
        raise PublishConflictError
    row = ContentRevision(
        number=(parent or 0) + 1,
        created_at=utcnow(),
        coach_id=coach.id if coach else None,
        author=author[:64],
        source=source,
        comment=comment,
        files=files,
        files_hash=from_files,
        changes=changes or [],
    )
    session.add(row)
    await session.flush()
    return row


# drafts ----------------------------------------------------------------------------------------------
async def drafts(session: AsyncSession) -> list[ContentDraft]:
    return list(await session.scalars(select(ContentDraft).order_by(ContentDraft.id)))


def edits(rows: list[ContentDraft]) -> list[Edit]:
    return [Edit(r.flow, r.node, r.field, r.lang, r.value, r.author, r.updated_at, r.nl_hash) for r in rows]


async def save_draft(
    session: AsyncSession,
    coach: Coach,
    flow: str,
    node: str,
    field: str,
    lang: str,
    value: str,
    nl_hash: str | None = None,
) -> None:
    """Create or replace the draft of one field (`nl_hash`: the Dutch a translation or review was made against)."""
    row = await session.scalar(
        select(ContentDraft).where(
            ContentDraft.flow == flow, ContentDraft.node == node, ContentDraft.field == field, ContentDraft.lang == lang
        )
    )
    if row is None:
        row = ContentDraft(flow=flow, node=node, field=field, lang=lang)
        session.add(row)
    row.value, row.nl_hash, row.coach_id, row.author, row.updated_at = value, nl_hash, coach.id, coach.name, utcnow()
    await session.flush()


async def drop_draft(session: AsyncSession, flow: str, node: str, field: str, lang: str) -> None:
    await session.execute(
        delete(ContentDraft).where(
            ContentDraft.flow == flow, ContentDraft.node == node, ContentDraft.field == field, ContentDraft.lang == lang
        )
    )


@dataclass(frozen=True)
class Working:
    """The published content with the drafts on top: what publishing would make live."""

    base: ContentRevision
    files: dict[str, str]
    applied: list[Edit]
    draft_ids: list[int]


async def working(session: AsyncSession) -> Working | None:
    base = await head(session)
    if base is None:
        return None
    rows = await drafts(session)
    files, applied = apply(dict(base.files), edits(rows))
    return Working(base, files, applied, [r.id for r in rows])


async def clear_drafts(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(delete(ContentDraft).where(ContentDraft.id.in_(ids)))

"""Translations through the database cache: the same text in the same conversation is translated once.
Rows belong to the newcomer and go with /delete (erase_translations)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import insert_ignoring_duplicates
from bot.db.models import CachedTranslation, TranslationDraft
from bot.db.queries import table
from bot.translate.types import Translation, TranslationUnavailableError, Translator

log = logging.getLogger(__name__)


def cache_key(text: str, source: str, target: str) -> str:
    return hashlib.sha256(f"{source}\x00{target}\x00{text}".encode()).hexdigest()


async def cached_translate(
    sessions: async_sessionmaker[AsyncSession],
    translator: Translator | None,
    text: str,
    source: str,
    target: str,
    *,
    user_id: int,
) -> Translation:
    """`text` in `target`, from the cache or the provider (then cached for `user_id`); no connection is held while
    the provider works. Raises TranslationUnavailableError (reason "off" when TRANSLATOR=off)."""
    if source == target or not text.strip():
        return Translation(text, "none", source, target, machine=False)
    if translator is None:
        raise TranslationUnavailableError("off")
    key = cache_key(text, source, target)
    async with sessions() as session:
        row = await session.scalar(
            select(CachedTranslation).where(CachedTranslation.user_id == user_id, CachedTranslation.key == key)
        )
    if row is not None:
        return Translation(row.text, row.provider, source, target, cached=True)
    translation = await translator.translate(text, source, target)
    values = {
        "user_id": user_id,
        "key": key,
        "source": source,
        "target": target,
        "text": translation.text,
        "provider": translation.provider[:64],
    }
    try:
        async with sessions() as session, session.begin():
            dialect = session.get_bind().dialect.name
            # Two coaches asking at once both translate; the first row stays.
            await session.execute(insert_ignoring_duplicates(dialect, table(CachedTranslation)).values(values))
    except IntegrityError:
        log.info("translation not cached: the user was erased meanwhile")
    return translation


async def erase_translations(session: AsyncSession, user_id: int) -> int:
    """Delete the user's cached translations and translation drafts (the coaches' words to them, and
    their translations); bot.privacy.erase calls it. Returns how many rows went."""
    result = await session.execute(delete(CachedTranslation).where(CachedTranslation.user_id == user_id))
    drafts = await session.execute(delete(TranslationDraft).where(TranslationDraft.user_id == user_id))
    return int(result.rowcount or 0) + int(drafts.rowcount or 0)  # type: ignore[attr-defined]


async def export_translations(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """For /mydata: the machine translations kept for the user's conversation, and the coaches'
    translated replies to them (each coach's original, the translation, whether it was sent)."""
    cached = await session.scalars(
        select(CachedTranslation).where(CachedTranslation.user_id == user_id).order_by(CachedTranslation.id)
    )
    drafts = await session.scalars(
        select(TranslationDraft).where(TranslationDraft.user_id == user_id).order_by(TranslationDraft.id)
    )
    return {
        "cached": [
            {"from": c.source, "to": c.target, "translation": c.text, "at": c.created_at.isoformat()} for c in cached
        ],
        "coach_replies": [
            {
                "case": d.case_id,
                "original": d.original,
                "translation": d.translation,
                "status": d.status,
                "at": d.created_at.isoformat(),
            }
            for d in drafts
        ],
    }

"""`werkhelpdesk coach add/list/remove`: who may work the queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CASE_CLAIMED, CASE_WAITING, Case, CaseEvent, Coach, User
from bot.languages import LANGUAGES


class CoachError(ValueError):
    pass


def parse_languages(value: str) -> str:
    languages = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        raise CoachError(f"languages must be a comma-separated list of {', '.join(LANGUAGES)}")
    return ",".join(dict.fromkeys(languages))


async def add_coach(session: AsyncSession, telegram_id: int, name: str, languages: str, *, staff: bool) -> Coach:
    """Add or update a coach (also creates their user row, so messages to them go through the outbox)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise CoachError("the name must be 1 to 64 characters")
    coach = await session.scalar(select(Coach).where(Coach.telegram_id == telegram_id))
    if coach is None:
        coach = Coach(telegram_id=telegram_id, name=name, languages=parse_languages(languages), is_staff=staff)
        session.add(coach)
    else:
        coach.name, coach.languages, coach.is_staff = name, parse_languages(languages), staff
    if await session.scalar(select(User).where(User.telegram_id == telegram_id)) is None:
        session.add(User(telegram_id=telegram_id))
    return coach


async def list_coaches(session: AsyncSession) -> list[Coach]:
    return list(await session.scalars(select(Coach).order_by(Coach.name)))


async def remove_coach(session: AsyncSession, telegram_id: int) -> bool:
    coach = await session.scalar(select(Coach).where(Coach.telegram_id == telegram_id))
    if coach is None:
        return False
    claimed = await session.scalars(select(Case).where(Case.coach_id == coach.id, Case.status == CASE_CLAIMED))
    for case in claimed:
        case.status, case.coach_id = CASE_WAITING, None
        session.add(CaseEvent(case_id=case.id, action="released", detail="coach removed"))
    from bot.console.auth import end_all

    await end_all(session, coach.id)  # a removed coach loses every console session at once
    await session.delete(coach)
    return True

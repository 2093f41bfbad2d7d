"""`werkhelpdesk coach add/list/remove`: who may work the queue, and whether a handoff reaches anyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CASE_CLAIMED, CASE_WAITING, Case, CaseEvent, Coach, User
from bot.languages import LANGUAGES
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services


class CoachError(ValueError):
    pass


def parse_languages(value: str) -> str:
    languages = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        raise CoachError(f"languages must be a comma-separated list of {', '.join(LANGUAGES)}")
    return ",".join(dict.fromkeys(languages))


def parse_translator(value: str) -> str:
    """`--translator ar,ti`: the languages of FAQ translations someone may edit (empty: none)."""
    return parse_languages(value) if value.strip() else ""


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
    _UNREACHABLE.clear()  # count again
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


@dataclass(frozen=True)
class Availability:
    """Whether a handoff can reach anyone: coaches registered, and the group where cards go."""

    coaches: int
    group: bool  # COACH_CHAT_ID set (without it cards go privately to each coach)

    @property
    def reachable(self) -> bool:
        return self.coaches > 0

    def problems(self) -> list[str]:
        """For the start-up warning and /readyz."""
        found = []
        if not self.coaches:
            found.append("no coach is registered (werkhelpdesk coach add): handoffs reach nobody")
        if not self.group:
            found.append("COACH_CHAT_ID is not set: case cards go privately to each coach")
        return found


# Per database: whether the last count this process saw found coaches (none seen yet: assume so).
_UNREACHABLE: set[str] = set()


async def availability(session: AsyncSession, settings: Settings) -> Availability:
    count = await session.scalar(select(func.count()).select_from(Coach)) or 0
    if count:
        _UNREACHABLE.discard(settings.database_url)
    else:
        _UNREACHABLE.add(settings.database_url)
    return Availability(count, settings.coach_chat_id is not None)


def believed_reachable(settings: Settings) -> bool:
    """Without a query (the coach offer is worded on every turn's hot path): what this process last
    saw at start-up, on /readyz or when a case was opened; opening a case counts again."""
    return settings.database_url not in _UNREACHABLE


async def readiness(services: Services) -> dict[str, str]:
    """The /readyz field: the queue has coaches, or why a handoff would reach nobody."""
    async with services.sessions() as session:
        found = await availability(session, services.settings)
    return {"coaches": "; ".join(found.problems()) if not found.reachable else f"{found.coaches} registered"}

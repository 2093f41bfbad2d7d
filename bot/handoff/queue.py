"""The coach queue: cases in the database, every change audited, claiming atomic on every backend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, select, update
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_WAITING,
    PRIORITY_URGENT,
    Case,
    CaseEvent,
    Coach,
    Timer,
    User,
    utcnow,
)

OUTCOMES = ("answered", "referred", "intake_done", "no_response", "cancelled", "erased")
# Urgent (safeguarding) cases first, then the oldest: for /queue and for /claim without a number.
URGENT_FIRST = (when((Case.priority == PRIORITY_URGENT, 0), else_=1), Case.created_at, Case.id)


async def open_case_of(session: AsyncSession, user_id: int) -> Case | None:
    return await session.scalar(select(Case).where(Case.user_id == user_id, Case.status != CASE_CLOSED))


async def coach_by_telegram_id(session: AsyncSession, telegram_id: int) -> Coach | None:
    return await session.scalar(select(Coach).where(Coach.telegram_id == telegram_id))


def _event(
    session: AsyncSession, case: Case, action: str, coach: Coach | None = None, detail: str | None = None
) -> None:
    session.add(CaseEvent(case_id=case.id, coach_id=coach.id if coach else None, action=action, detail=detail))


async def create_case(
    session: AsyncSession, user: User, *, language: str, topic: str | None, reason: str, reannounce_after: timedelta
) -> tuple[Case, bool]:
    """The newcomer's open case, or a new one; True when it was created now."""
    existing = await open_case_of(session, user.id)
    if existing is not None:
        return existing, False
    case = Case(user_id=user.id, status=CASE_WAITING, language=language, topic=topic, reason=reason)
    session.add(case)
    await session.flush()
    _event(session, case, "created", detail=reason)
    session.add(Timer(case_id=case.id, kind="reannounce", due_at=utcnow() + reannounce_after))
    return case, True


async def waiting_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Case).where(Case.status == CASE_WAITING)) or 0


def _for_languages(languages: Sequence[str], any_after: datetime | None) -> ColumnElement[bool]:
    """Cases in these languages; with machine translation on also those waiting since `any_after`, and
    those in a language no registered coach speaks (waiting for a speaker would be waiting for nobody)."""
    spoken = Case.language.in_(list(languages))
    if any_after is None:
        return spoken
    listed = literal(",") + Coach.languages + literal(",")  # "ar,nl" -> ",ar,nl," so ",ti," matches whole codes
    speaker = exists().where(listed.like(literal("%,") + Case.language + literal(",%")))
    return spoken | (Case.created_at <= any_after) | ~speaker


def _waiting(what: Any, languages: Sequence[str] | None, any_after: datetime | None) -> Select[Any]:
    """Waiting cases (in these languages, see `_for_languages`), urgent first, then the oldest."""
    query = select(what).where(Case.status == CASE_WAITING)
    if languages:
        query = query.where(_for_languages(languages, any_after))
    return query.order_by(*URGENT_FIRST)


async def waiting_cases(
    session: AsyncSession, languages: Sequence[str] | None, limit: int = 20, *, any_after: datetime | None = None
) -> list[Case]:
    return list(await session.scalars(_waiting(Case, languages, any_after).limit(limit)))


async def claim(
    session: AsyncSession,
    coach: Coach,
    case_id: int | None,
    languages: Sequence[str] | None,
    idle_after: timedelta,
    *,
    any_after: datetime | None = None,
) -> Case | None:
    """Claim a waiting case for `coach`: that one, or the oldest in their languages. The conditional UPDATE makes it
    atomic (of two coaches one wins); on PostgreSQL SKIP LOCKED sends concurrent coaches to different cases."""
    now = utcnow()
    for _attempt in range(5):
        if case_id is not None:
            target: int | None = case_id
        else:
            candidate = _waiting(Case.id, languages, any_after).limit(1)
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                target = await session.scalar(candidate.with_for_update(skip_locked=True))
                # Every waiting case locked: perhaps only for a moment (the sender records a new card's
                # message id on the case row). Take it anyway: the conditional UPDATE waits for the lock.
                target = target if target is not None else await session.scalar(candidate)
            else:
                target = await session.scalar(candidate)
        if target is None:
            return None
        # Machine translation on: a case waits first for a coach who speaks its language.
        spoken = [_for_languages(coach.speaks(), any_after)] if any_after is not None else []
        result = await session.execute(
            update(Case)
            .where(Case.id == target, Case.status == CASE_WAITING, *spoken)
            .values(status=CASE_CLAIMED, coach_id=coach.id, claimed_at=now, last_activity_at=now)
            .returning(Case.id)
        )
        if result.scalar() is not None:
            case = await session.get(Case, target, populate_existing=True)
            assert case is not None
            coach.active_case_id = case.id
            _event(session, case, "claimed", coach)
            session.add(Timer(case_id=case.id, kind="idle_reminder", due_at=now + idle_after))
            return case
        if case_id is not None:
            return None  # someone else was first
    return None


async def release(session: AsyncSession, coach: Coach, case: Case) -> None:
    case.status, case.coach_id = CASE_WAITING, None
    if coach.active_case_id == case.id:
        coach.active_case_id = None
    _event(session, case, "released", coach)


async def transfer(session: AsyncSession, coach: Coach, case: Case, to: Coach) -> None:
    case.coach_id = to.id
    case.last_activity_at = utcnow()
    if coach.active_case_id == case.id:
        coach.active_case_id = None
    to.active_case_id = case.id
    _event(session, case, "transferred", coach, detail=f"to coach {to.id}")


async def close(session: AsyncSession, case: Case, outcome: str, coach: Coach | None = None) -> None:
    case.status, case.outcome, case.closed_at = CASE_CLOSED, outcome, utcnow()
    if coach is not None and coach.active_case_id == case.id:
        coach.active_case_id = None
    await session.execute(update(Coach).where(Coach.active_case_id == case.id).values(active_case_id=None))
    await session.execute(
        update(Timer).where(Timer.case_id == case.id, Timer.done_at.is_(None)).values(done_at=utcnow())
    )
    _event(session, case, "closed", coach, detail=outcome)


async def note(session: AsyncSession, coach: Coach, case: Case, text: str) -> None:
    _event(session, case, "note", coach, detail=text)


async def touch(session: AsyncSession, case: Case) -> None:
    case.last_activity_at = utcnow()


async def find_coach(session: AsyncSession, ref: str) -> Coach | None:
    """A coach by Telegram id or (case-insensitive) name."""
    ref = ref.strip().lstrip("@")
    if ref.isdigit():
        return await coach_by_telegram_id(session, int(ref))
    return await session.scalar(select(Coach).where(func.lower(Coach.name) == ref.lower()))


async def due_timers(session: AsyncSession, now: datetime, limit: int = 50) -> list[Timer]:
    query = select(Timer).where(Timer.done_at.is_(None), Timer.due_at <= now).order_by(Timer.due_at).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))


async def spoken_languages(session: AsyncSession) -> set[str]:
    """Every language some registered coach speaks."""
    return {lang for row in await session.scalars(select(Coach.languages)) for lang in row.split(",") if lang}

"""Claiming is atomic: many coaches claiming at once take every case exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from bot.db.models import CASE_CLAIMED, CASE_WAITING, Case, Coach, User
from bot.handoff import queue
from bot.services import Services


async def _seed(services: Services, coaches: int, cases: int) -> list[int]:
    async with services.sessions() as session, session.begin():
        await session.execute(insert(User), [{"telegram_id": 10_000 + i} for i in range(cases)])
        user_ids = list(await session.scalars(select(User.id).order_by(User.id)))
        await session.execute(
            insert(Case),
            [{"user_id": uid, "status": CASE_WAITING, "language": "ar", "reason": "asked"} for uid in user_ids],
        )
        await session.execute(
            insert(Coach),
            [{"telegram_id": 900 + i, "name": f"coach{i}", "languages": "ar,nl"} for i in range(coaches)],
        )
        return list(await session.scalars(select(Coach.id)))


async def _claim_all(services: Services, coach_id: int) -> list[int]:
    claimed: list[int] = []
    while True:
        async with services.sessions() as session, session.begin():
            coach = await session.get(Coach, coach_id)
            assert coach is not None
            case = await queue.claim(session, coach, None, ["ar"], timedelta(minutes=30))
            if case is None:
                return claimed
            claimed.append(case.id)


async def test_concurrent_coaches_claim_every_case_exactly_once(services: Services, database_url: str) -> None:
    postgres = database_url.startswith("postgresql")
    coaches, cases = (50, 1000) if postgres else (10, 100)
    coach_ids = await _seed(services, coaches, cases)
    results = await asyncio.gather(*(_claim_all(services, cid) for cid in coach_ids))
    claimed = [case_id for per_coach in results for case_id in per_coach]
    assert len(claimed) == cases
    assert len(set(claimed)) == cases
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case).where(Case.status == CASE_CLAIMED)) == cases
        owners = {row[0]: row[1] for row in await session.execute(select(Case.id, Case.coach_id))}
    for coach_id, per_coach in zip(coach_ids, results, strict=True):
        assert all(owners[case_id] == coach_id for case_id in per_coach)
    if postgres:
        assert sum(1 for r in results if r) > 1  # the work was really shared between coaches


async def test_two_coaches_race_for_one_case(services: Services) -> None:
    coach_ids = await _seed(services, 2, 1)

    async def claim_one(coach_id: int) -> int | None:
        async with services.sessions() as session, session.begin():
            coach = await session.get(Coach, coach_id)
            assert coach is not None
            case = await queue.claim(session, coach, 1, None, timedelta(minutes=30))
            return case.id if case else None

    winners = [r for r in await asyncio.gather(*(claim_one(c) for c in coach_ids)) if r is not None]
    assert winners == [1]


@pytest.mark.parametrize("bad", [0, 999_999])
async def test_claiming_a_missing_case_gives_nothing(services: Services, bad: int) -> None:
    coach_ids = await _seed(services, 1, 1)
    async with services.sessions() as session, session.begin():
        coach = await session.get(Coach, coach_ids[0])
        assert coach is not None
        assert await queue.claim(session, coach, bad, None, timedelta(minutes=30)) is None


async def test_a_case_whose_row_is_being_updated_is_still_claimed(services: Services) -> None:
    """The sender records a new card's message id on the case row in a transaction of its own; a coach
    who claims at that moment waits for it and gets the case, not "no waiting case" (PostgreSQL's SKIP
    LOCKED alone skipped it)."""
    coach_ids = await _seed(services, 1, 1)
    async with services.engine.connect() as holder:
        await holder.begin()
        await holder.execute(update(Case).where(Case.id == 1).values(group_chat_id=-100, group_message_id=4242))

        async def claim_next() -> int | None:
            async with services.sessions() as session, session.begin():
                coach = await session.get(Coach, coach_ids[0])
                assert coach is not None
                case = await queue.claim(session, coach, None, ["ar"], timedelta(minutes=30))
                return case.id if case else None

        claiming = asyncio.create_task(claim_next())
        await asyncio.sleep(0.5)  # the claim is waiting for the row now
        await holder.commit()
        assert await claiming == 1
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert (case.status, case.group_message_id) == (CASE_CLAIMED, 4242)

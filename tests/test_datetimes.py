"""Datetimes come back aware, in UTC, on SQLite and PostgreSQL alike (SQLite keeps no time zone)."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select, update

from bot.db.models import Case, User, utcnow
from bot.dialog import COACH_YES
from bot.handoff.coaches import add_coach
from bot.pipeline import Incoming, process
from bot.services import Services


async def test_stored_datetimes_come_back_aware_in_utc(services: Services) -> None:
    await process(services, Incoming(7001, 7001, "text", text="ik wil CV maken", update_id=1))
    async with services.sessions() as session:
        seen = await session.scalar(select(User.last_seen_at))
    assert seen is not None
    assert seen.tzinfo is not None
    assert seen.utcoffset() == timedelta(0)
    assert abs(utcnow() - seen) < timedelta(minutes=1)
    assert seen.astimezone(UTC) == seen


async def test_the_queue_shows_how_long_a_case_has_waited(services: Services) -> None:
    """On SQLite every case showed "0 min": its naive created_at was not compared at all."""
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ar,nl", staff=False)
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES, first_name="Amal", update_id=2))
    async with services.sessions() as session, session.begin():
        await session.execute(update(Case).values(created_at=utcnow() - timedelta(minutes=12, seconds=5)))
    result = await process(services, Incoming(501, 501, "command", command="queue", args="all", update_id=3))
    assert any("· 12 min" in out.text for out in result.outgoing), [o.text for o in result.outgoing]

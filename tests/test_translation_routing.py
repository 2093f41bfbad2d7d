"""Routing with machine translation on: a case waits TRANSLATED_HANDOFF_AFTER_MINUTES for a coach who
speaks its language, then goes to any coach (announcements, claims), decided from database times."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.db.models import Case, Timer
from bot.dialog import COACH_YES
from bot.handoff.coaches import add_coach
from bot.messages import tn_
from bot.pipeline import Incoming, process, run_timers
from bot.services import Services
from tests.libretranslate_standin import LibreTranslateStandIn


@pytest.fixture
async def standin() -> AsyncIterator[LibreTranslateStandIn]:
    async with LibreTranslateStandIn() as server:
        yield server


@pytest.fixture
def settings_overrides(standin: LibreTranslateStandIn) -> dict[str, object]:
    return {
        "office_hours": "mon-sun 00:00-23:59",
        "translator": "libretranslate",
        "translator_url": standin.url,
        "translated_handoff_after_minutes": 30,
    }


async def _age_case(services: Services, minutes: int) -> None:
    async with services.sessions() as session, session.begin():
        await session.execute(update(Case).values(created_at=datetime.now(UTC) - timedelta(minutes=minutes)))
        await session.execute(update(Timer).values(due_at=datetime.now(UTC) - timedelta(minutes=1)))


async def test_a_speaker_first_then_any_coach(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ti,nl", staff=False)
        await add_coach(session, 502, "Pieter", "nl", staff=False)
    first = await process(services, Incoming(7001, 7001, "button", data=COACH_YES, telegram_language="ti"))
    assert sorted(o.chat_id for o in first.outgoing if o.chat_id != 7001) == [501]  # the speaker only

    # Before the wait is over: the Dutch-only coach is told how long it still waits, and gets nothing.
    refused = await process(services, Incoming(502, 502, "button", data="c:claim:1"))
    expected = tn_(
        "Case #%(id)s waits %(num)d more minute for a coach who speaks %(language)s; then you can "
        "claim it and talk through machine translation.",
        "Case #%(id)s waits %(num)d more minutes for a coach who speaks %(language)s; then you can "
        "claim it and talk through machine translation.",
        30,
        id=1,
        language="ትግርኛ",
    )
    assert [o.text for o in refused.outgoing] == [services.translator.gettext("nl", expected)]
    await _age_case(services, 10)
    assert [o.chat_id for o in await run_timers(services)] == [501]  # re-announced to the speaker only

    # After it: announced to every coach, and the Dutch-only coach may claim it.
    await _age_case(services, 31)
    assert sorted(o.chat_id for o in await run_timers(services)) == [501, 502]
    claimed = await process(services, Incoming(502, 502, "button", data="c:claim:1"))
    assert 7001 in [o.chat_id for o in claimed.outgoing]  # "Coach Pieter is now with you"
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert (case.status, case.coach_id) == ("claimed", 2)


async def test_translation_off_keeps_claims_by_number(services: Services) -> None:
    services.settings.translator = "off"
    async with services.sessions() as session, session.begin():
        await add_coach(session, 502, "Pieter", "nl", staff=False)
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES, telegram_language="ti"))
    claimed = await process(services, Incoming(502, 502, "button", data="c:claim:1"))
    assert 7001 in [o.chat_id for o in claimed.outgoing]


async def test_nobody_speaks_the_language_so_nobody_to_wait_for(services: Services) -> None:
    """Translation on, 30 minutes, but no registered coach speaks Tigrinya: the Dutch-only coach may
    claim the case at once (waiting would be waiting for nobody)."""
    async with services.sessions() as session, session.begin():
        await add_coach(session, 502, "Pieter", "nl", staff=False)
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES, telegram_language="ti"))
    claimed = await process(services, Incoming(502, 502, "button", data="c:claim:1"))
    assert 7001 in [o.chat_id for o in claimed.outgoing]

"""Safeguarding outside office hours: the newcomer is told honestly that nobody is there now, and gets
the help lines again with every message while the case waits (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.db.models import utcnow
from bot.handoff.coaches import add_coach
from bot.handoff.hours import OfficeHours, format_opening
from bot.safeguarding import respond
from bot.services import Services
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import running_bot, say

CLOSED = "mon-mon 00:00-00:01"  # one minute a week: closed whenever this test runs, in practice


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"office_hours": CLOSED}


@pytest.fixture
async def services(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ar", staff=False)
    return services


async def test_outside_office_hours_nobody_is_there_and_the_help_lines_come_again(
    fake: FakeBotAPI, services: Services
) -> None:
    hours = OfficeHours.parse(CLOSED, services.settings.timezone)
    newcomer = tg.user(861, "Amal", language_code="ar")
    async with running_bot(services):
        help_lines, next_step = await say(fake, tg.text_update(newcomer, "بدي انتحر"), replies=2)
        assert help_lines["text"] == services.flows.text("safeguarding", "suicide", "ar")
        when = format_opening(hours.next_opening(utcnow()), "ar")
        closed = replace(respond.NEXT_CLOSED, params=(("when", when),))
        assert next_step["text"] == services.translator.gettext("ar", closed)
        # The coach is told even now (privately: there is no group).
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, ok=True)

        # While the case waits, every message gets care and the help lines again, never FAQ menus.
        again, honest = await say(fake, tg.text_update(newcomer, "كيف اكتب سيرة ذاتية"), replies=2)
        assert again["text"] == help_lines["text"]
        assert honest["text"] == next_step["text"]
        assert "reply_markup" not in again or not again["reply_markup"]

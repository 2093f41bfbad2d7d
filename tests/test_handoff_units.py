"""Handoff pieces without Telegram: office hours, what the newcomer is told, dialog triggers, timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from bot.db.models import Case, Timer, User
from bot.dialog import (
    COACH,
    COACH_YES,
    ButtonIn,
    CommandIn,
    Dialog,
    DialogConfig,
    HandoffInfo,
    HandoffRequest,
    State,
    TextIn,
)
from bot.flows.model import FlowSet
from bot.handoff.coaches import CoachError, add_coach, parse_languages
from bot.handoff.hours import OfficeHours, format_opening
from bot.handoff.service import Turn, wait_message
from bot.messages import Msg, t_
from bot.nlu.types import NluResult
from bot.pipeline import Incoming, process, run_timers
from bot.services import Services
from bot.settings import Settings

HOURS = OfficeHours.parse("mon-fri 09:00-17:00", "Europe/Amsterdam")
SATURDAY_NOON = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def test_office_hours() -> None:
    assert HOURS.is_open(MONDAY_NOON)
    assert not HOURS.is_open(SATURDAY_NOON)
    assert not HOURS.is_open(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 17:30 in Amsterdam
    assert HOURS.next_opening(SATURDAY_NOON) == datetime(2026, 11, 30, 9, 0, tzinfo=HOURS.zone)
    assert HOURS.next_opening(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)).day == 24  # Tuesday 07:00 -> 09:00 same day


@pytest.mark.parametrize(
    "spec",
    [
        "weekdays",
        "mon-fri 17:00-09:00",
        "xyz 09:00-17:00",
        "mon-fri 9-17",
        "mon-fri 09:00-25:00",
        "mon-fri 09:00-17:00,",
        "mon-fri 09:00-17:00, wed 16:00-18:00",  # overlaps on Wednesday
    ],
)
def test_bad_office_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="office hours"):
        OfficeHours.parse(spec, "Europe/Amsterdam")


def test_office_hours_with_a_lunch_break_a_short_friday_and_holidays() -> None:
    hours = OfficeHours.parse(
        "mon-thu 09:00-12:30, mon-thu 13:30-17:00, fri 09:00-12:00", "Europe/Amsterdam", "2026-12-24, 2026-12-25"
    )
    local = hours.zone
    assert hours.is_open(datetime(2026, 12, 1, 10, 0, tzinfo=local))  # Tuesday morning
    assert not hours.is_open(datetime(2026, 12, 1, 13, 0, tzinfo=local))  # lunch
    assert hours.next_opening(datetime(2026, 12, 1, 13, 0, tzinfo=local)) == datetime(2026, 12, 1, 13, 30, tzinfo=local)
    assert not hours.is_open(datetime(2026, 12, 4, 14, 0, tzinfo=local))  # Friday afternoon
    assert hours.next_opening(datetime(2026, 12, 4, 14, 0, tzinfo=local)) == datetime(2026, 12, 7, 9, 0, tzinfo=local)
    # Christmas Eve (Thursday) and Christmas (Friday) are closed: after Wednesday comes Monday.
    assert not hours.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=local))
    assert hours.next_opening(datetime(2026, 12, 23, 18, 0, tzinfo=local)) == datetime(2026, 12, 28, 9, 0, tzinfo=local)


@pytest.mark.parametrize("closed", ["25-12-2026", "2026-12-25 2026-12-26", "christmas"])
def test_bad_closed_days_stop_the_start(closed: str) -> None:
    with pytest.raises(ValidationError, match="closed days must be dates"):
        Settings(_env_file=None, office_closed=closed)  # type: ignore[call-arg]
    assert OfficeHours.of(Settings(_env_file=None, office_closed="2026-12-25")).closed  # type: ignore[call-arg]


@pytest.mark.parametrize("zone", ["Europe/Amstredam", "CET+1", "../etc/passwd"])
def test_an_unknown_time_zone_stops_the_start(zone: str) -> None:
    # Checked when the settings are read: otherwise every request for a coach would fail later.
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(_env_file=None, timezone=zone)  # type: ignore[call-arg]
    assert Settings(_env_file=None, timezone="Africa/Asmara").timezone == "Africa/Asmara"  # type: ignore[call-arg]


def test_next_opening_is_formatted_per_language() -> None:
    opening = HOURS.next_opening(SATURDAY_NOON)
    assert format_opening(opening, "nl") == "maandag 30 november, 09:00"
    assert format_opening(opening, "en") == "Monday 30 November, 09:00"
    assert "30" in format_opening(opening, "ar")
    assert "ሰኑይ" in format_opening(opening, "ti")
    # Each language's own separator between day and time, never the Latin comma.
    assert format_opening(opening, "ar").endswith("، 09:00")
    assert format_opening(opening, "ti").endswith(" 09:00")
    assert "," not in format_opening(opening, "ar") + format_opening(opening, "ti")


def test_coach_languages_are_validated() -> None:
    assert parse_languages("AR, nl,ar") == "ar,nl"
    with pytest.raises(CoachError):
        parse_languages("fa")


def _turn(services: Services, now: datetime) -> Turn:
    return Turn(None, None, services.settings, services.flows, now)  # type: ignore[arg-type]


async def test_wait_message_inside_and_outside_office_hours(services: Services) -> None:
    inside = wait_message(_turn(services, MONDAY_NOON), 3, "nl")
    assert inside.plural is not None
    assert inside.count == 30  # the plural form follows the minutes (3 cases x 10 minutes)
    assert "Others are waiting" in inside.msgid
    first = wait_message(_turn(services, MONDAY_NOON), 0, "nl")
    assert "Nobody is waiting" in first.msgid  # never "0 people are waiting before you"
    outside = wait_message(_turn(services, SATURDAY_NOON), 3, "ar")
    assert "not working right now" in outside.msgid
    assert dict(outside.params)["when"] == format_opening(HOURS.next_opening(SATURDAY_NOON), "ar")
    rendered = services.translator.gettext("nl", wait_message(_turn(services, SATURDAY_NOON), 3, "nl"))
    assert "maandag 30 november" in rendered


async def test_a_newcomer_asking_on_a_holiday_is_told_the_first_day_after_it(services: Services) -> None:
    settings = services.settings.model_copy(update={"office_closed": "2026-11-30, 2026-12-01"})
    turn = Turn(None, None, settings, services.flows, SATURDAY_NOON)  # type: ignore[arg-type]
    rendered = services.translator.gettext("nl", wait_message(turn, 3, "nl"))
    assert "woensdag 2 december" in rendered  # not Monday 30 November: closed


def _dialog(flows: FlowSet) -> Dialog:
    return Dialog(DialogConfig(flows, 0.35, frozenset({"menu", "language", "coach"})), HandoffInfo(t_("wait")))


def _nlu(intent: str, confidence: float) -> NluResult:
    return NluResult("x", "nl", intent, confidence, ((intent, confidence), ("cv_help", 0.1)))


async def test_dialog_handoff_triggers(services: Services) -> None:
    dialog = _dialog(services.flows)
    offer = dialog.decide(TextIn("ik wil een mens spreken", _nlu("request_human", 0.9)), State())
    assert [b.data for row in offer.replies[0].buttons for b in row] == [COACH_YES, "a:menu"]
    assert offer.handoff is None  # confirm first
    queued = dialog.decide(ButtonIn(COACH_YES), State("work_culture", "start"))
    assert queued.handoff is not None
    assert (queued.handoff.reason, queued.handoff.topic) == ("asked", "work_culture")
    # A sensitive node answers and then offers a coach; the case records why.
    sensitive = dialog.decide(ButtonIn("n:work_culture.discrimination"), State())
    assert len(sensitive.replies) == 2
    assert [b.data for row in sensitive.replies[1].buttons for b in row] == [COACH_YES, "a:menu"]
    assert dialog.decide(ButtonIn(COACH_YES), sensitive.state).handoff == HandoffRequest("sensitive", "work_culture")
    # Every answer offers a coach; so does /help.
    answer = dialog.decide(ButtonIn("n:cv_help.start"), State())
    assert answer.replies[0].buttons[-1][0].data == COACH
    assert dialog.decide(CommandIn("help"), State()).replies[0].buttons[0][0].data == COACH
    # Unsure twice in a row: the third time the coach is offered first.
    once = dialog.decide(TextIn("blub", _nlu("cv_help", 0.1)), State())
    assert all(b.data != COACH for row in once.replies[0].buttons for b in row)
    twice = dialog.decide(TextIn("blub", _nlu("cv_help", 0.1)), once.state)
    assert all(b.data != COACH for row in twice.replies[0].buttons for b in row)
    thrice = dialog.decide(TextIn("blub", _nlu("cv_help", 0.1)), twice.state)
    assert thrice.replies[0].buttons[0][0].data == COACH
    assert isinstance(thrice.replies[0].text, Msg)
    # Without a coach queue the dialog offers no coach at all.
    plain = Dialog(DialogConfig(services.flows, 0.35, frozenset({"menu", "language", "coach"})))
    assert all(b.data != COACH for row in plain.decide(CommandIn("help"), State()).replies[0].buttons for b in row)


async def test_timers_reannounce_and_remind(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ar", staff=False)
    # A newcomer asks for a coach (no coaches' group: coaches are told privately).
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES, first_name="Amal"))
    async with services.sessions() as session, session.begin():
        await session.execute(update(Timer).values(due_at=datetime.now(UTC) - timedelta(minutes=1)))
    reannounced = await run_timers(services)
    assert [o.chat_id for o in reannounced] == [501]
    assert "#1" in reannounced[0].text
    assert await run_timers(services) == []  # the next one is not due yet
    # A claimed case that stays quiet reminds its coach.
    await process(services, Incoming(501, 501, "command", command="claim", args="1"))
    async with services.sessions() as session, session.begin():
        await session.execute(update(Case).values(last_activity_at=datetime.now(UTC) - timedelta(hours=2)))
        await session.execute(update(Timer).where(Timer.kind == "idle_reminder").values(due_at=datetime.now(UTC)))
    reminders = await run_timers(services)
    assert [o.chat_id for o in reminders] == [501]
    assert "#1" in reminders[0].text
    assert "/close" in reminders[0].text
    async with services.sessions() as session:
        pending = list(await session.scalars(select(Timer).where(Timer.done_at.is_(None))))
        assert {t.kind for t in pending} == {"reannounce", "idle_reminder"}  # rescheduled, not lost
        assert await session.scalar(select(User.first_name).where(User.telegram_id == 7001)) == "Amal"

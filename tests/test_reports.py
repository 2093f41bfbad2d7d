"""Reports (issue 25): every figure of a small generated history against a count made by hand, on
SQLite and PostgreSQL; the office-hours clock; the command line."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Message, ReportDay, User
from bot.handoff.hours import OfficeHours
from bot.reports.figures import Period, Report, bucket, build, office_seconds, p90
from bot.reports.summary import parse_period
from tests.conftest import migrate_or_copy
from tests.netutil import start_werkhelpdesk
from tests.reports_data import PERIOD, at, generate

HOURS = OfficeHours.parse("mon-fri 09:00-17:00", "Europe/Amsterdam")
NOT_GREET = lambda intent: intent != "greet"  # noqa: E731 - the topics of this history


@pytest.fixture
async def sessions(database_url: str, migrated_sqlite: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await migrate_or_copy(database_url, migrated_sqlite)
    engine = create_engine(database_url)
    maker = create_sessionmaker(engine)
    async with maker() as session, session.begin():
        await generate(session)
    yield maker
    await engine.dispose()


async def report(sessions: async_sessionmaker[AsyncSession], period: Period = PERIOD) -> Report:
    async with sessions() as session:
        return await build(session, period, HOURS, is_topic=NOT_GREET)


def rows(result: Report, key: str) -> list[tuple[object, ...]]:
    return result[key].rows


async def test_messages_conversations_and_handoffs_per_day(sessions: async_sessionmaker[AsyncSession]) -> None:
    result = await report(sessions)
    # 2 March: u1 twice, u2 twice (text and button); 3 March: u1; 4 March: u3. The coach's own chat,
    # the bot's reply and the messages just outside the period are not counted.
    assert rows(result, "per_day") == [("2026-03-02", 2, 4, 2), ("2026-03-03", 1, 1, 1), ("2026-03-04", 1, 1, 1)]
    # a conversation is a newcomer on a day: nl is u1 on two days, ar is u2 and u3 on one day each
    assert rows(result, "per_language") == [("ar", 2, 3, 2), ("nl", 2, 3, 2)]
    assert rows(result, "per_topic") == [
        ("cv_help", 2, 1),
        ("diploma_recognition", 1, 1),
        ("job_application", 1, 0),
        ("-", 0, 1),
        ("start_intake", 0, 1),
    ]
    assert rows(result, "answers") == [
        ("faq", 2, 0.4),
        ("asked_back", 1, 0.2),
        ("unanswered", 1, 0.2),
        ("other", 1, 0.2),
    ]


async def test_reply_times_buckets_and_outcomes(sessions: async_sessionmaker[AsyncSession]) -> None:
    result = await report(sessions)
    # first replies: 30 min, 17 h (Monday 16:30 to Tuesday 09:30 local), 10 min; K4 never replied.
    # In office hours: 30 min, 30 + 30 min, 0 (the urgent case came and was answered before 09:00).
    # Resolution: 2 h, 19 h, 24 h.
    assert rows(result, "reply_times") == [
        ("first_reply", 4, 3, 30.0, 1020.0),
        ("first_reply_office_hours", 4, 3, 30.0, 60.0),
        ("resolution", 4, 3, 1140.0, 1440.0),
    ]
    assert rows(result, "reply_buckets") == [
        ("<1h", 2, 2),
        ("1-4h", 0, 1),
        ("4-8h", 0, 0),
        ("8-24h", 1, 0),
        (">24h", 0, 0),
    ]
    assert rows(result, "outcomes") == [
        ("answered", 1),
        ("referred", 1),
        ("intake_done", 0),
        ("no_response", 1),
        ("open", 1),
    ]
    assert rows(result, "per_coach") == [
        ("Anna", 2, 2, 525.0, 1020.0, 1, 1, 0, 0),
        ("Bilal", 1, 1, 10.0, 10.0, 0, 0, 0, 0),
        ("-", 1, 0, None, None, 0, 0, 0, 1),
    ]
    assert rows(result, "cases_per_language") == [
        ("ar", 2, 2, 515.0, 1020.0, 0, 1, 0, 0),
        ("nl", 2, 1, 30.0, 30.0, 1, 0, 0, 1),
    ]
    assert rows(result, "urgent") == [("danger", 1, 1, 10.0, 10.0)]


async def test_satisfaction_funnel_and_work_outcomes(sessions: async_sessionmaker[AsyncSession]) -> None:
    result = await report(sessions)
    assert rows(result, "satisfaction_language") == [("ar", 1, 0, 0, 1, 1.0), ("nl", 1, 1, 0, 0, 3.0)]
    assert rows(result, "satisfaction_topic") == [
        ("cv_help", 1, 1, 0, 0, 3.0),
        ("diploma_recognition", 1, 0, 0, 1, 1.0),
    ]
    # u1 agreed, finished, and Anna took their case; u2 never agreed; u3 agreed and stopped halfway
    assert rows(result, "intake_funnel") == [("started", 3), ("consented", 2), ("completed", 1), ("sent_to_coach", 1)]
    assert rows(result, "work_outcomes") == [
        (3, "ar", 0, 0, 0, 0, 1, 1),
        (3, "nl", 1, 0, 0, 0, 0, 1),
        (6, "ar", 0, 0, 1, 0, 0, 1),
    ]


async def test_one_language(sessions: async_sessionmaker[AsyncSession]) -> None:
    result = await report(sessions, Period(PERIOD.start, PERIOD.end, "ar"))
    assert rows(result, "per_day") == [("2026-03-02", 1, 2, 1), ("2026-03-03", 0, 0, 0), ("2026-03-04", 1, 1, 1)]
    assert rows(result, "per_language") == [("ar", 2, 3, 2)]
    assert rows(result, "reply_times")[0] == ("first_reply", 2, 2, 515.0, 1020.0)
    assert rows(result, "intake_funnel") == [("started", 2), ("consented", 1), ("completed", 0), ("sent_to_coach", 0)]
    assert [r[1] for r in rows(result, "work_outcomes")] == ["ar", "ar"]
    assert rows(result, "answers")[2] == ("unanswered", 1, 0.5)


async def test_no_newcomer_text_or_name_in_the_report(sessions: async_sessionmaker[AsyncSession]) -> None:
    dumped = json.dumps((await report(sessions)).as_json())
    assert "secret words" not in dumped
    for name in ("Zainab", "Yonas", "Lina"):
        assert name not in dumped
    assert "Anna" in dumped  # coaches are staff, named on purpose


def test_office_hours_clock_and_percentiles() -> None:
    friday_evening, monday = at(6, 16, 30), at(9, 8, 30)  # 17:30 Friday local, 09:30 Monday local
    assert office_seconds(friday_evening, monday, HOURS) == 30 * 60
    assert office_seconds(at(2, 7), at(2, 18), HOURS) == 8 * 3600  # a whole working day
    assert office_seconds(at(7, 10), at(8, 10), HOURS) == 0  # the weekend
    lunch = OfficeHours.parse("mon-fri 09:00-12:00, mon-fri 13:00-17:00", "Europe/Amsterdam", "2026-03-03")
    assert office_seconds(at(2, 7), at(2, 18), lunch) == 7 * 3600  # a working day without its lunch hour
    assert office_seconds(at(3, 7), at(3, 18), lunch) == 0  # a closed day
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9
    assert p90([5]) == 5
    assert [bucket(s) for s in (0, 3599, 3600, 4 * 3600, 8 * 3600, 24 * 3600)] == [
        "<1h",
        "<1h",
        "1-4h",
        "4-8h",
        "8-24h",
        ">24h",
    ]


def test_period_parsing_is_kind_about_bad_input() -> None:
    today = date(2026, 3, 31)
    assert parse_period(None, None, None, today) == Period(date(2026, 3, 2), today)
    for start, end in (("2026-03-05", "2026-03-01"), ("yesterday", None), ("2020-01-01", "2026-01-01")):
        with pytest.raises(ValueError, match=r"period|date|format|Invalid"):
            parse_period(start, end, None, today)


async def test_report_summary_command(sessions: async_sessionmaker[AsyncSession], database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    process = await start_werkhelpdesk(
        env, "report", "summary", "--from", "2026-03-02", "--to", "2026-03-04", "--json", capture_stdout=True
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    tables = json.loads(out)["tables"]
    assert tables["reply_times"][0] == {
        "measure": "first_reply",
        "cases": 4,
        "measured": 3,
        "median_minutes": 30.0,
        "p90_minutes": 1020.0,
    }
    assert tables["per_day"][0] == {"day": "2026-03-02", "conversations": 2, "messages": 4, "handoffs": 2}
    process = await start_werkhelpdesk(
        env, "report", "summary", "--from", "2026-03-02", "--to", "2026-03-04", capture_stdout=True
    )
    out, _ = await process.communicate()
    text = out.decode()
    assert text.index("## urgent") < text.index("## per_day")  # urgent first when there are any
    assert "danger" in text
    process = await start_werkhelpdesk(env, "report", "summary", "--from", "March", capture_stdout=True)
    out, err = await process.communicate()
    assert process.returncode == 2
    assert "invalid period" in err.decode()


async def test_the_daily_rollup_gives_the_same_figures(sessions: async_sessionmaker[AsyncSession]) -> None:
    first = await report(sessions)
    async with sessions() as session:
        done = await session.scalars(select(ReportDay.day).where(ReportDay.kind == "done").order_by(ReportDay.day))
        assert list(done) == ["2026-03-02", "2026-03-03", "2026-03-04"]
    async with sessions() as session, session.begin():
        await session.execute(delete(Message))  # e.g. erased later: the days already counted keep their counts
    second = await report(sessions)
    for key in ("per_day", "per_language", "per_topic", "answers"):
        assert second[key].rows == first[key].rows, key
    # a day not counted before is counted from the messages (none left now)
    wider = await report(sessions, Period(date(2026, 3, 1), PERIOD.end))
    assert rows(wider, "per_day")[0] == ("2026-03-01", 0, 0, 0)


async def test_today_is_counted_live_and_not_stored(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.telegram_id == 1002))
        session.add(Message(user_id=user_id, chat_id=1002, direction="in", kind="text", text="x", language="ar",
                            intent="cv_help", answer="faq", created_at=now))  # fmt: skip
    today = Period(now.date(), now.date())
    result = await report(sessions, today)
    assert rows(result, "per_day") == [(now.date().isoformat(), 1, 1, 0)]
    assert rows(result, "answers")[0] == ("faq", 1, 1.0)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportDay)) == 0


async def test_a_day_another_replica_is_filling_is_not_an_error(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():  # its rows are in, its marker not yet
        session.add(ReportDay(day="2026-03-02", kind="activity", language="*", intent="", answer="",
                              conversations=2, messages=4))  # fmt: skip
    result = await report(sessions)
    assert rows(result, "per_day")[0] == ("2026-03-02", 2, 4, 2)
    async with sessions() as session:
        done = await session.scalar(select(func.count()).select_from(ReportDay).where(ReportDay.kind == "done"))
        assert done == 3

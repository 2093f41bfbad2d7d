"""Newcomers' messages counted per UTC day: read from the daily rollup (report_days) for whole past
days, filling the days not counted yet in one scan; today is counted live. Any replica may fill a
day: a row already there is left as it is (INSERT … ON CONFLICT DO NOTHING)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import insert_ignoring_duplicates
from bot.db.models import Coach, Message, ReportDay, User
from bot.db.queries import table

ALL = "*"
INSERT_CHUNK = 2000


@dataclass
class DayCounts:
    """(conversations, messages) per day and per (day, language); messages per (day, language,
    intent, answer). A conversation is a newcomer writing on a day."""

    by_day: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_day_language: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    intents: dict[tuple[str, str, str, str], int] = field(default_factory=dict)

    def update(self, other: DayCounts) -> None:
        self.by_day.update(other.by_day)
        self.by_day_language.update(other.by_day_language)
        self.intents.update(other.intents)


def _day(column: Any, dialect: str) -> Any:
    """The UTC day of a timestamp, as text on SQLite and a date on PostgreSQL."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def day_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def newcomer_messages(since: Any, until: Any) -> list[ColumnElement[bool]]:
    """Newcomers' own messages (not the coaches' chats with the bot, not the coaches' group)."""
    coach_users = select(User.id).join(Coach, Coach.telegram_id == User.telegram_id)
    return [
        Message.direction == "in",
        Message.created_at >= since,
        Message.created_at < until,
        Message.user_id.is_not(None),
        Message.user_id.not_in(coach_users.scalar_subquery()),
    ]


async def count_live(session: AsyncSession, first: date, last: date, dialect: str) -> DayCounts:
    """Every language, days `first` to `last` included, from the messages themselves. PostgreSQL
    counts both groupings in one scan (GROUPING SETS), SQLite in two."""
    from bot.reports.figures import Period

    period = Period(first, last)
    where = newcomer_messages(period.since, period.until)
    day = _day(Message.created_at, dialect).label("day")
    lang = func.coalesce(Message.language, "-").label("lang")
    counts = DayCounts()
    if dialect == "postgresql":
        query = (
            select(day, lang, func.grouping(lang), func.count(distinct(Message.user_id)), func.count())
            .where(*where)
            .group_by(func.grouping_sets(tuple_(day, lang), tuple_(day)))
        )
        for d, language, only_day, users, messages in (await session.execute(query)).all():
            if only_day:
                counts.by_day[day_text(d)] = (int(users), int(messages))
            else:
                counts.by_day_language[(day_text(d), language)] = (int(users), int(messages))
    else:
        per_day = select(day, func.count(distinct(Message.user_id)), func.count()).where(*where).group_by(day)
        for d, users, messages in (await session.execute(per_day)).all():
            counts.by_day[day_text(d)] = (int(users), int(messages))
        per_lang = (
            select(day, lang, func.count(distinct(Message.user_id)), func.count()).where(*where).group_by(day, lang)
        )
        for d, language, users, messages in (await session.execute(per_lang)).all():
            counts.by_day_language[(day_text(d), language)] = (int(users), int(messages))
    intent, answer = func.coalesce(Message.intent, ""), func.coalesce(Message.answer, "")
    topics = (
        select(day, lang, intent, answer, func.count())
        .where(*where, (Message.intent.is_not(None)) | (Message.answer.is_not(None)))
        .group_by(day, lang, intent, answer)
    )
    for d, language, i, a, n in (await session.execute(topics)).all():
        counts.intents[(day_text(d), language, i, a)] = int(n)
    return counts


async def _fill(session: AsyncSession, missing: list[date], dialect: str) -> None:
    """Count the missing days (one scan from the first to the last) and store them with a marker."""
    counted = await count_live(session, min(missing), max(missing), dialect)
    wanted = {d.isoformat() for d in missing}
    rows: list[dict[str, Any]] = [
        {"day": d, "kind": "done", "language": ALL, "intent": "", "answer": "", "conversations": 0, "messages": 0}
        for d in sorted(wanted)
    ]
    for d, (users, messages) in counted.by_day.items():
        if d in wanted:
            rows.append(_row(d, "activity", ALL, "", "", users, messages))
    for (d, lang), (users, messages) in counted.by_day_language.items():
        if d in wanted:
            rows.append(_row(d, "activity", lang, "", "", users, messages))
    for (d, lang, intent, answer), messages in counted.intents.items():
        if d in wanted:
            rows.append(_row(d, "topic", lang, intent, answer, 0, messages))
    statement = insert_ignoring_duplicates(dialect, table(ReportDay))
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(statement, rows[start : start + INSERT_CHUNK])


def _row(day: str, kind: str, lang: str, intent: str, answer: str, users: int, messages: int) -> dict[str, Any]:
    return {
        "day": day,
        "kind": kind,
        "language": lang[:8],
        "intent": intent[:64],
        "answer": answer[:16],
        "conversations": users,
        "messages": messages,
    }


async def day_counts(session: AsyncSession, first: date, last: date, today: date, dialect: str) -> DayCounts:
    """The counts of `first` to `last`: past days from the rollup (filled and committed first when
    missing), today and later live."""
    counts = DayCounts()
    past_last = min(last, today - timedelta(days=1))
    if first <= past_last:
        done = set(
            await session.scalars(
                select(ReportDay.day).where(
                    ReportDay.kind == "done", ReportDay.day >= first.isoformat(), ReportDay.day <= past_last.isoformat()
                )
            )
        )
        days = [first + timedelta(days=n) for n in range((past_last - first).days + 1)]
        missing = [d for d in days if d.isoformat() not in done]
        if missing:
            await _fill(session, missing, dialect)
            await session.commit()
        stored = await session.execute(
            select(
                ReportDay.day,
                ReportDay.kind,
                ReportDay.language,
                ReportDay.intent,
                ReportDay.answer,
                ReportDay.conversations,
                ReportDay.messages,
            ).where(
                ReportDay.day >= first.isoformat(), ReportDay.day <= past_last.isoformat(), ReportDay.kind != "done"
            )
        )
        for d, kind, lang, intent, answer, users, messages in stored.all():
            if kind == "activity" and lang == ALL:
                counts.by_day[d] = (users, messages)
            elif kind == "activity":
                counts.by_day_language[(d, lang)] = (users, messages)
            else:
                counts.intents[(d, lang, intent, answer)] = messages
    if last >= today:
        counts.update(await count_live(session, max(first, today), last, dialect))
    return counts


def per_language(counts: DayCounts, language: str | None) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_, lang), (users, messages) in counts.by_day_language.items():
        if language is None or lang == language:
            totals[lang][0] += users
            totals[lang][1] += messages
    return {lang: (u, m) for lang, (u, m) in totals.items()}


def per_day(counts: DayCounts, language: str | None) -> dict[str, tuple[int, int]]:
    if language is None:
        return counts.by_day
    return {d: v for (d, lang), v in counts.by_day_language.items() if lang == language}


def intents_and_answers(counts: DayCounts, language: str | None) -> list[tuple[str | None, str | None, int]]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for (_, lang, intent, answer), n in counts.intents.items():
        if language is None or lang == language:
            totals[(intent, answer)] += n
    return [(intent or None, answer or None, n) for (intent, answer), n in totals.items()]

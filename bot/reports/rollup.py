"""Newcomers' messages counted per UTC day: read from the daily rollup (report_days) for whole past
days, filling the days not counted yet in one scan; today is counted live. Any replica may fill a
day: a row already there is left as it is (INSERT … ON CONFLICT DO NOTHING)."""

from __future__ import annotations

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
    rows = [_row(d, "done", ALL, "", "", 0, 0) for d in sorted(wanted)]
    rows += [_row(d, "activity", ALL, "", "", *pair) for d, pair in counted.by_day.items() if d in wanted]
    rows += [
        _row(d, "activity", lang, "", "", *pair) for (d, lang), pair in counted.by_day_language.items() if d in wanted
    ]
    rows += [_row(d, "topic", lang, i, a, 0, n) for (d, lang, i, a), n in counted.intents.items() if d in wanted]
    statement = insert_ignoring_duplicates(dialect, table(ReportDay))
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(statement, rows[start : start + INSERT_CHUNK])


_COLUMNS = ("day", "kind", "language", "intent", "answer", "conversations", "messages")


def _row(day: str, kind: str, lang: str, intent: str, answer: str, users: int, messages: int) -> dict[str, Any]:
    return dict(zip(_COLUMNS, (day, kind, lang[:8], intent[:64], answer[:16], users, messages), strict=True))


@dataclass
class Figures:
    """What the report shows, for one language or all: (conversations, messages) per day and per
    language, and messages per (intent, answer)."""

    per_day: dict[str, tuple[int, int]] = field(default_factory=dict)
    per_language: dict[str, tuple[int, int]] = field(default_factory=dict)
    intents: dict[tuple[str | None, str | None], int] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        self.per_day.update(other.per_day)
        for lang, (users, messages) in other.per_language.items():
            before = self.per_language.get(lang, (0, 0))
            self.per_language[lang] = (before[0] + users, before[1] + messages)
        for key, n in other.intents.items():
            self.intents[key] = self.intents.get(key, 0) + n


def _live_figures(counts: DayCounts, language: str | None) -> Figures:
    figures = Figures()
    if language is None:
        figures.per_day = dict(counts.by_day)
    for (d, lang), (users, messages) in counts.by_day_language.items():
        if language is None or lang == language:
            if language is not None:
                figures.per_day[d] = (users, messages)
            before = figures.per_language.get(lang, (0, 0))
            figures.per_language[lang] = (before[0] + users, before[1] + messages)
    for (_, lang, intent, answer), n in counts.intents.items():
        if language is None or lang == language:
            key = (intent or None, answer or None)
            figures.intents[key] = figures.intents.get(key, 0) + n
    return figures


async def figures(
    session: AsyncSession, first: date, last: date, language: str | None, today: date, dialect: str
) -> Figures:
    """`first` to `last`: past days from the rollup (filled and committed first where missing), summed
    in the database; today and later counted live."""
    result = Figures()
    past_last = min(last, today - timedelta(days=1))
    if first <= past_last:
        lo, hi = first.isoformat(), past_last.isoformat()
        done = set(
            await session.scalars(
                select(ReportDay.day).where(ReportDay.kind == "done", ReportDay.day >= lo, ReportDay.day <= hi)
            )
        )
        days = [first + timedelta(days=n) for n in range((past_last - first).days + 1)]
        missing = [d for d in days if d.isoformat() not in done]
        if missing:
            await _fill(session, missing, dialect)
            await session.commit()
        within = (ReportDay.day >= lo, ReportDay.day <= hi)
        activity = (*within, ReportDay.kind == "activity")
        days_of = ReportDay.language == (language or ALL)
        day_rows = await session.execute(
            select(ReportDay.day, ReportDay.conversations, ReportDay.messages).where(*activity, days_of)
        )
        result.per_day = {d: (int(u), int(m)) for d, u, m in day_rows.all()}
        languages = ReportDay.language == language if language else ReportDay.language != ALL
        language_rows = await session.execute(
            select(ReportDay.language, func.sum(ReportDay.conversations), func.sum(ReportDay.messages))
            .where(*activity, languages)
            .group_by(ReportDay.language)
        )
        result.per_language = {lang: (int(u or 0), int(m or 0)) for lang, u, m in language_rows.all()}
        topic = (*within, ReportDay.kind == "topic", *((ReportDay.language == language,) if language else ()))
        topic_rows = await session.execute(
            select(ReportDay.intent, ReportDay.answer, func.sum(ReportDay.messages))
            .where(*topic)
            .group_by(ReportDay.intent, ReportDay.answer)
        )
        result.intents = {(i or None, a or None): int(n or 0) for i, a, n in topic_rows.all()}
    if last >= today:
        live = await count_live(session, max(first, today), last, dialect)
        result.add(_live_figures(live, language))
    return result

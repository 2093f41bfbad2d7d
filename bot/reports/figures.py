"""The report's figures over a period (whole UTC days) and an optional language: aggregated counts
only, never a newcomer's text or name. Messages are counted in SQL (a year is a million rows); the
cases of a period are few enough to read once and measure in Python, the same on every backend."""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy import case as when_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    PRIORITY_URGENT,
    Case,
    Coach,
    Intake,
    User,
    WorkFollowup,
)
from bot.handoff.hours import OfficeHours
from bot.reports import rollup
from bot.reports.answers import KINDS as ANSWER_KINDS

OUTCOMES = ("answered", "referred", "intake_done", "no_response")
BUCKETS = ("<1h", "1-4h", "4-8h", "8-24h", ">24h")
_BUCKET_LIMITS = (3600, 4 * 3600, 8 * 3600, 24 * 3600)
WORK_ANSWERS = ("paid_work", "internship", "education", "volunteering", "not_yet")
FUNNEL = ("started", "consented", "completed", "sent_to_coach")

Cell = str | int | float | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included (UTC days), and one language or all."""

    start: date
    end: date
    language: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass
class Table:
    """One table of the report: a key (CSV file name, chart), column keys and rows of plain values."""

    key: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class Report:
    period: Period
    tables: dict[str, Table]

    def __getitem__(self, key: str) -> Table:
        return self.tables[key]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "language": self.period.language,
            "tables": {key: table.as_dicts() for key, table in self.tables.items()},
        }


# measuring -------------------------------------------------------------------------------------------
def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90 % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def bucket(seconds: float) -> str:
    """< 1 h, 1-4 h, 4-8 h, 8-24 h, > 24 h (a limit itself belongs to the longer bucket)."""
    return BUCKETS[bisect_right(_BUCKET_LIMITS, seconds)]


def office_seconds(start: datetime, end: datetime, hours: OfficeHours) -> float:
    """The part of [start, end) that falls inside office hours (a question sent on Friday evening and
    answered on Monday at 09:30 waited half an hour of office time)."""
    if end <= start:
        return 0.0
    day, last = start.astimezone(hours.zone).date(), end.astimezone(hours.zone).date()
    total = 0.0
    while day <= last:
        for opens, closes in hours.spans(day):
            total += max((min(end, closes) - max(start, opens)).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


# the report --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _CaseRow:
    id: int
    language: str
    topic: str | None
    coach_id: int | None
    outcome: str | None
    satisfaction: int | None
    priority: str
    safeguarding: str | None
    created_at: datetime
    first_reply_at: datetime | None
    closed_at: datetime | None
    wait: float | None = field(default=None, init=False)  # seconds to the first reply, computed once

    def __post_init__(self) -> None:
        if self.first_reply_at is not None:
            object.__setattr__(self, "wait", max((self.first_reply_at - self.created_at).total_seconds(), 0.0))


async def build(
    session: AsyncSession,
    period: Period,
    hours: OfficeHours,
    *,
    is_topic: Callable[[str], bool] | None = None,
    today: date | None = None,
) -> Report:
    """Every table of the report. `is_topic`: which intents are FAQ topics (the menu's flows). Whole
    past days of messages come from the daily rollup; counting a day not there yet stores it (and
    commits the session)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    cases = await _cases(session, period)
    today = today or datetime.now(UTC).date()
    counts = await rollup.figures(session, period.start, period.end, period.language, today, dialect)
    counted = [(intent, answer, n) for (intent, answer), n in counts.intents.items()]
    office = {c.id: office_seconds(c.created_at, c.first_reply_at, hours) for c in cases if c.first_reply_at}
    tables = [
        _urgent([c for c in cases if c.priority == PRIORITY_URGENT]),
        _per_day(period, counts.per_day, cases),
        _per_language(counts.per_language, cases),
        _per_topic(counted, cases, is_topic),
        _answers(counted),
        _reply_times(cases, office),
        _reply_buckets(cases, office),
        _outcomes(cases),
        await _per_coach(session, cases),
        _cases_per_language(cases),
        _satisfaction(cases, "language", lambda c: c.language),
        _satisfaction(cases, "topic", lambda c: c.topic or "-"),
        await _intake_funnel(session, period),
        await _work_outcomes(session, period),
    ]
    return Report(period, {table.key: table for table in tables})


async def _cases(session: AsyncSession, period: Period) -> list[_CaseRow]:
    columns = [getattr(Case, f.name) for f in fields(_CaseRow) if f.init]  # the row's fields are Case's columns
    query = select(*columns).where(Case.created_at >= period.since, Case.created_at < period.until)
    if period.language:
        query = query.where(Case.language == period.language)
    return [_CaseRow(*row) for row in (await session.execute(query)).all()]


K = TypeVar("K")


def _grouped(cases: Iterable[_CaseRow], key: Callable[[_CaseRow], K]) -> dict[K, list[_CaseRow]]:
    groups: dict[K, list[_CaseRow]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return groups


def _timing(seconds: Sequence[float]) -> tuple[int, float | None, float | None]:
    """How many were measured, their median and 90th percentile in minutes."""
    return len(seconds), _minutes(median(seconds)), _minutes(p90(seconds))


def _waits(cases: Iterable[_CaseRow]) -> list[float]:
    return [c.wait for c in cases if c.wait is not None]


def _urgent(cases: list[_CaseRow]) -> Table:
    """Safeguarding cases per category: how many, how many a coach answered, and how fast."""
    groups = _grouped(cases, lambda c: c.safeguarding or "-")
    rows: list[Row] = [(name, len(groups[name]), *_timing(_waits(groups[name]))) for name in sorted(groups)]
    if len(groups) > 1:
        rows.append(("all", len(cases), *_timing(_waits(cases))))
    return Table("urgent", ("category", "cases", "replied", "median_minutes", "p90_minutes"), rows)


def _per_day(period: Period, counted: dict[str, tuple[int, int]], cases: list[_CaseRow]) -> Table:
    """Conversations (newcomers who wrote that day), their messages, and handoffs to a coach."""
    handoffs = Counter(c.created_at.astimezone(UTC).date().isoformat() for c in cases)
    days = [one.isoformat() for one in period.days()]
    rows: list[Row] = [(day, *counted.get(day, (0, 0)), handoffs.get(day, 0)) for day in days]
    return Table("per_day", ("day", "conversations", "messages", "handoffs"), rows)


def _per_language(counted: dict[str, tuple[int, int]], cases: list[_CaseRow]) -> Table:
    handoffs = Counter(c.language for c in cases)
    languages = sorted(set(counted) | set(handoffs))
    rows: list[Row] = [(lang, *counted.get(lang, (0, 0)), handoffs.get(lang, 0)) for lang in languages]
    return Table("per_language", ("language", "conversations", "messages", "handoffs"), rows)


def _per_topic(
    counted: list[tuple[str | None, str | None, int]], cases: list[_CaseRow], is_topic: Callable[[str], bool] | None
) -> Table:
    """Messages the classifier gave a topic to, and handoffs by their topic."""
    messages: Counter[str] = Counter()
    for intent, _answer, n in counted:
        if intent and (is_topic is None or is_topic(intent)):
            messages[intent] += n
    handoffs = Counter(c.topic or "-" for c in cases)
    topics = sorted(set(messages) | set(handoffs), key=lambda t: (-messages.get(t, 0), t))
    return Table("per_topic", ("topic", "messages", "handoffs"), [(t, messages[t], handoffs[t]) for t in topics])


def _answers(counted: list[tuple[str | None, str | None, int]]) -> Table:
    """Typed messages the bot read itself, by how it answered (recorded since migration 0015)."""
    counts: Counter[str] = Counter()
    for _intent, answer, n in counted:
        if answer:
            counts[answer] += n
    total = sum(counts.values())
    rows: list[Row] = [(kind, counts[kind], round(counts[kind] / total, 3) if total else None) for kind in ANSWER_KINDS]
    return Table("answers", ("answer", "messages", "share"), rows)


def _reply_times(cases: list[_CaseRow], office_waits: dict[int, float]) -> Table:
    """Time to the first coach reply (overall and counting office hours only) and to closing."""
    office = [office_waits[c.id] for c in cases if c.first_reply_at is not None]
    closed = [(c.closed_at - c.created_at).total_seconds() for c in cases if c.closed_at is not None]
    measures = (("first_reply", _waits(cases)), ("first_reply_office_hours", office), ("resolution", closed))
    rows: list[Row] = [(name, len(cases), *_timing(values)) for name, values in measures]
    return Table("reply_times", ("measure", "cases", "measured", "median_minutes", "p90_minutes"), rows)


def _reply_buckets(cases: list[_CaseRow], office_waits: dict[int, float]) -> Table:
    overall = Counter(bucket(c.wait) for c in cases if c.wait is not None)
    office = Counter(bucket(office_waits[c.id]) for c in cases if c.first_reply_at is not None)
    rows: list[Row] = [(name, overall[name], office[name]) for name in BUCKETS]
    return Table("reply_buckets", ("bucket", "overall", "office_hours"), rows)


def _outcomes(cases: list[_CaseRow]) -> Table:
    counts = Counter(c.outcome for c in cases if c.outcome)
    rows: list[Row] = [(o, counts[o]) for o in (*OUTCOMES, *sorted(set(counts) - set(OUTCOMES)))]
    rows.append(("open", sum(1 for c in cases if c.outcome is None)))
    return Table("outcomes", ("outcome", "cases"), rows)


def _case_row(name: str, group: list[_CaseRow]) -> Row:
    outcomes = Counter(c.outcome for c in group)
    return (name, len(group), *_timing(_waits(group)), *(outcomes[o] for o in OUTCOMES))


_CASE_COLUMNS = ("cases", "replied", "median_minutes", "p90_minutes", *OUTCOMES)


async def _per_coach(session: AsyncSession, cases: list[_CaseRow]) -> Table:
    """Coaches are staff, named; cases that no coach took are one line."""
    names: dict[int, str] = {int(row[0]): str(row[1]) for row in await session.execute(select(Coach.id, Coach.name))}
    groups = _grouped(cases, lambda c: c.coach_id)
    coaches = sorted(groups, key=lambda c: (c is None, names.get(c or 0, "")))
    rows = [_case_row(names.get(c, "-") if c else "-", groups[c]) for c in coaches]
    return Table("per_coach", ("coach", *_CASE_COLUMNS), rows)


def _cases_per_language(cases: list[_CaseRow]) -> Table:
    groups = _grouped(cases, lambda c: c.language)
    return Table("cases_per_language", ("language", *_CASE_COLUMNS), [_case_row(g, groups[g]) for g in sorted(groups)])


def _satisfaction(cases: list[_CaseRow], by: str, key: Callable[[_CaseRow], str]) -> Table:
    """The one-tap question after a case: 3 helped, 2 a little, 1 no."""
    groups: dict[str, list[int]] = defaultdict(list)
    for case in cases:
        if case.satisfaction is not None:
            groups[key(case)].append(case.satisfaction)
    table = Table(f"satisfaction_{by}", (by, "answers", "helped", "a_little", "no", "mean"))
    for name, scores in sorted(groups.items()):
        counts = Counter(scores)
        mean = round(sum(scores) / len(scores), 2)
        table.rows.append((name, len(scores), counts[3], counts[2], counts[1], mean))
    return table


async def _intake_funnel(session: AsyncSession, period: Period) -> Table:
    """Intakes whose consent (or, before it, last step) falls in the period. "Sent to a coach": a
    completed intake whose newcomer a coach took (claimed a case of theirs)."""
    when = func.coalesce(Intake.consent_at, Intake.updated_at)
    claimed = Intake.user_id.in_(select(Case.user_id).where(Case.claimed_at.is_not(None)))
    query = select(
        func.count(),
        func.count(Intake.consent_at),
        func.count(Intake.submitted_at),
        func.sum(when_((and_(Intake.submitted_at.is_not(None), claimed), 1), else_=0)),
    ).where(when >= period.since, when < period.until)
    if period.language:
        query = query.join(User, User.id == Intake.user_id).where(
            func.coalesce(User.chosen_language, User.last_language) == period.language
        )
    steps = zip(FUNNEL, (await session.execute(query)).one(), strict=True)
    return Table("intake_funnel", ("step", "newcomers"), [(step, int(n or 0)) for step, n in steps])


async def _work_outcomes(session: AsyncSession, period: Period) -> Table:
    """Answers to the later question "did you find work?", by months since the intake and language."""
    query = (
        select(WorkFollowup.months, WorkFollowup.language, WorkFollowup.answer, func.count())
        .where(
            WorkFollowup.answer.is_not(None),
            WorkFollowup.answered_at >= period.since,
            WorkFollowup.answered_at < period.until,
        )
        .group_by(WorkFollowup.months, WorkFollowup.language, WorkFollowup.answer)
    )
    if period.language:
        query = query.where(WorkFollowup.language == period.language)
    counts = {(m, lang, a): int(n) for m, lang, a, n in (await session.execute(query)).all()}
    table = Table("work_outcomes", ("months", "language", *WORK_ANSWERS, "answers"))
    for months, lang in sorted({(m, lang) for m, lang, _a in counts}):
        row = [counts.get((months, lang, a), 0) for a in WORK_ANSWERS]
        table.rows.append((months, lang, *row, sum(row)))
    return table

"""The report as plain text for `werkhelpdesk report summary`, and the period a request asks for."""

from __future__ import annotations

from datetime import date, timedelta

from bot.reports.figures import Period, Report, Table

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2  # a longer period is refused: the page would draw thousands of days


def parse_period(start: str | None, end: str | None, language: str | None, today: date) -> Period:
    """`--from`/`--to` (YYYY-MM-DD, both included); without them the last 30 days up to today.
    Raises ValueError with a readable reason."""
    last = date.fromisoformat(end) if end else today
    first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ValueError("the period ends before it starts")
    if (last - first).days >= MAX_DAYS:
        raise ValueError(f"the period is longer than {MAX_DAYS} days")
    return Period(first, last, language or None)


def format_table(table: Table) -> str:
    rows = [table.columns, *(tuple("-" if v is None else str(v) for v in row) for row in table.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]
    lines = [f"## {table.key}"]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines if table.rows else [*lines, "(none)"])


def format_report(report: Report) -> str:
    period = report.period
    head = f"Werkhelpdesk report {period.start.isoformat()} .. {period.end.isoformat()} (UTC days)"
    if period.language:
        head += f", language {period.language}"
    tables = [t for t in report.tables.values() if t.key != "urgent" or t.rows]  # urgent first, when any
    return "\n\n".join([head, *(format_table(t) for t in tables)]) + "\n"

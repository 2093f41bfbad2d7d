"""The reports page (`/console/reports`, staff only): a period and a language, charts drawn on the
server, every table as CSV. Aggregated counts only: no newcomer's text or name is read here."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.handoff import service
from bot.handoff.hours import OfficeHours
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.reports.charts import all_charts
from bot.reports.figures import Cell, Period, Report, Table, build
from bot.reports.summary import parse_period
from bot.web.console import CONSOLE, _context, render, staff_only

PRESETS = (7, 30, 90, 365)
STAFF_ONLY = "only staff see the reports"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _today() -> date:
    return datetime.now(UTC).date()


def _period(request: web.Request) -> Period:
    """The period asked for; raises ValueError (shown kindly) for a date that is not one."""
    language = request.query.get("language", "")
    return parse_period(
        request.query.get("from") or None,
        request.query.get("to") or None,
        language if language in LANGUAGES else None,
        _today(),
    )


async def _report(request: web.Request, period: Period) -> Report:
    services = request.app[CONSOLE].services
    hours = OfficeHours.of(services.settings)
    async with services.sessions() as session:
        return await build(session, period, hours, is_topic=services.flows.is_topic)


def _labels(request: web.Request) -> Any:
    """The translated titles and labels, kept in a template so that Babel extracts them."""
    env = aiohttp_jinja2.get_env(request.app)
    return env.get_template("_report_labels.html").make_module(_context(request))


def _labeller(request: web.Request, labels: Any) -> Any:
    flows = request.app[CONSOLE].services.flows
    lang = _context(request)["ui_lang"]
    values: dict[str, str] = labels.values
    columns: dict[str, str] = labels.columns

    def label(value: str) -> str:
        if value.startswith("months:"):
            return str(labels.months(int(value.removeprefix("months:"))))
        for names in (NATIVE_NAMES, values, columns):
            if value in names:
                return names[value]
        title = service.topic_title(flows, value, lang)
        return value if title == "-" else title

    return label


async def reports_page(request: web.Request) -> web.StreamResponse:
    staff_only(request, STAFF_ONLY)
    problem = None
    try:
        period = _period(request)
    except ValueError:
        problem = "period"
        period = parse_period(None, None, None, _today())
    report = await _report(request, period)
    labels = _labels(request)
    label = _labeller(request, labels)
    today = _today()
    presets = [(days, (today - timedelta(days=days - 1)).isoformat(), today.isoformat()) for days in PRESETS]
    context = {
        "period": period,
        "report": report,
        "charts": all_charts(report, labels.titles, label),
        "label": label,
        "titles": labels.titles,
        "columns": labels.columns,
        "presets": presets,
        "problem": problem,
        "query": _query(period),
    }
    return render("reports.html", request, context, status=400 if problem else 200)


def _query(period: Period) -> str:
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    return query + (f"&language={period.language}" if period.language else "")


def csv_cell(value: Cell) -> str:
    """A cell as text a spreadsheet shows and never runs: formulas are quoted with an apostrophe."""
    if value is None or value == "-":
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; quotes what needs quoting
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


async def reports_csv(request: web.Request) -> web.StreamResponse:
    staff_only(request, STAFF_ONLY)
    key = request.match_info["table"]
    try:
        period = _period(request)
    except ValueError:
        raise web.HTTPBadRequest(text="the period is not valid: use from= and to= as YYYY-MM-DD") from None
    report = await _report(request, period)
    if key not in report.tables:
        raise web.HTTPNotFound(text="no such table")
    name = f"werkhelpdesk-{key}-{period.start.isoformat()}-{period.end.isoformat()}"
    name += f"-{period.language}.csv" if period.language else ".csv"
    return web.Response(
        body=("\ufeff" + to_csv(report[key])).encode(),  # the BOM: spreadsheets then read UTF-8 (Arabic, Tigrinya)
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/reports", reports_page)
    app.router.add_get("/console/reports/{table:[a-z_]+}.csv", reports_csv)

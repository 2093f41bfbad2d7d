"""The reports page: staff only, the figures of the generated history, CSV that spreadsheets read and
never run, kind answers to a bad period; in Chromium: switch period and language, download a CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import aiohttp
import pytest

from bot.console import auth
from bot.db.models import Case, Coach, utcnow
from bot.reports.figures import Table
from bot.services import Services
from bot.web.reports import csv_cell, to_csv
from tests.console_browser import (
    axe_problems,
    chromium,
    new_context,
    one_backend_database_url,  # noqa: F401  (its database_url: one backend)
    running_site,
    shot,
    sign_in,
)
from tests.reports_data import at, generate

PERIOD = "from=2026-03-02&to=2026-03-04"


@pytest.fixture
async def history(services: Services) -> dict[str, int]:
    async with services.sessions() as session, session.begin():
        return await generate(session)


async def _cookie(services: Services, coach_id: int) -> dict[str, str]:
    async with services.sessions() as session, session.begin():
        coach = await session.get(Coach, coach_id)
        assert coach is not None
        token, _ = await auth.open_session(session, coach, utcnow())
    return {"console_session": token}


async def test_staff_see_the_figures_others_get_403(services: Services, web_url: str, history: dict[str, int]) -> None:
    async with aiohttp.ClientSession(cookies=await _cookie(services, history["bilal"])) as http:
        for path in ("/console/reports", "/console/reports/per_day.csv"):
            async with http.get(f"{web_url}{path}?{PERIOD}") as response:
                assert response.status == 403, path
    async with (
        aiohttp.ClientSession() as http,  # signed out: the sign-in page
        http.get(f"{web_url}/console/reports", allow_redirects=False) as response,
    ):
        assert response.status == 303
    async with (
        aiohttp.ClientSession(cookies=await _cookie(services, history["anna"])) as http,
        http.get(f"{web_url}/console/reports?{PERIOD}", headers={"Accept-Language": "en"}) as response,
    ):
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        page = await response.text()
    assert page.count('src="data:image/svg+xml;base64,') == 10
    assert "<script>" not in page.split("</head>")[1]
    assert page.index('id="urgent"') < page.index('id="per_day"')  # urgent first when there are any
    assert "secret words" not in page
    for name in ("Zainab", "Yonas", "Lina"):
        assert name not in page
    per_coach = page[page.index('id="per_coach"') :]
    cell = r"<td data-label=\"[^\"]+\">"  # each figure names its column (shown at phone width)
    assert re.search(rf"<td dir=\"auto\">Anna</td>{cell}2</td>{cell}2</td>{cell}525.0</td>{cell}1020.0</td>", per_coach)


async def test_csv_every_table_escaped_and_formula_safe(
    services: Services, web_url: str, history: dict[str, int]
) -> None:
    async with services.sessions() as session, session.begin():
        # a coach whose name a spreadsheet would run as a formula
        evil = Coach(telegram_id=903, name='=HYPERLINK("http://x","y")', languages="nl")
        session.add(evil)
        await session.flush()
        session.add(Case(user_id=None, status="closed", language="nl", reason="asked", coach_id=evil.id,
                         created_at=at(4, 10), first_reply_at=at(4, 10, 2), closed_at=at(4, 11), outcome="answered"))  # fmt: skip
    async with aiohttp.ClientSession(cookies=await _cookie(services, history["anna"])) as http:
        async with http.get(f"{web_url}/console/reports/per_coach.csv?{PERIOD}") as response:
            assert response.status == 200
            assert response.content_type == "text/csv"
            assert (
                'filename="werkhelpdesk-per_coach-2026-03-02-2026-03-04.csv"' in response.headers["Content-Disposition"]
            )
            body = (await response.read()).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["coach", "cases", "replied", "median_minutes", "p90_minutes", "answered", "referred",
                           "intake_done", "no_response"]  # fmt: skip
        assert ["Anna", "2", "2", "525.0", "1020.0", "1", "1", "0", "0"] in rows
        assert ["", "1", "0", "", "", "0", "0", "0", "1"] in rows  # no coach took it
        assert ['\'=HYPERLINK("http://x","y")', "1", "1", "2.0", "2.0", "1", "0", "0", "0"] in rows
        for key in ("urgent", "per_day", "per_language", "per_topic", "answers", "reply_times", "reply_buckets",
                    "outcomes", "cases_per_language", "satisfaction_language", "satisfaction_topic",
                    "intake_funnel", "work_outcomes"):  # fmt: skip
            async with http.get(f"{web_url}/console/reports/{key}.csv?{PERIOD}&language=ar") as response:
                assert response.status == 200, key
                assert "-ar.csv" in response.headers["Content-Disposition"]
        async with http.get(f"{web_url}/console/reports/per_day.csv?{PERIOD}&language=ar") as response:
            days = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
        assert days == [["day", "conversations", "messages", "handoffs"], ["2026-03-02", "1", "2", "1"],
                        ["2026-03-03", "0", "0", "0"], ["2026-03-04", "1", "1", "1"]]  # fmt: skip
        async with http.get(f"{web_url}/console/reports/nothing.csv?{PERIOD}") as response:
            assert response.status == 404
        async with http.get(f"{web_url}/console/reports/per_day.csv?from=tomorrow") as response:
            assert response.status == 400
            assert "YYYY-MM-DD" in await response.text()
        async with http.get(f"{web_url}/console/reports?from=2026-03-09&to=2026-03-01") as response:
            assert response.status == 400
            assert 'role="alert"' in await response.text()  # and the last 30 days instead


def test_csv_cells() -> None:
    assert [csv_cell(v) for v in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "-", None, 3, 0.5, "ትግርኛ")] == [
        "'=1+1", "'+31", "'-2", "'@SUM(A1)", "'\tx", "", "", "3", "0.5", "ትግርኛ"
    ]  # fmt: skip
    table = Table("t", ("a", "b"), [('say "hi", then\nleave', 1)])
    assert to_csv(table) == 'a,b\r\n"say ""hi"", then\nleave",1\r\n'


async def test_browser_switch_period_and_language_download_csv(
    services: Services, history: dict[str, int], tmp_path: Path
) -> None:
    async with running_site(services) as site, chromium() as browser:
        context = await new_context(browser, locale="nl-NL", bypass_csp=False)
        page = await sign_in(context, await site.link_for(901))
        await page.get_by_role("link", name="Rapportages").click()
        await page.wait_for_url(re.compile(r"/console/reports"))
        await page.get_by_label("Van", exact=True).fill("2026-03-02")
        await page.get_by_label("Tot en met", exact=True).fill("2026-03-04")
        await page.get_by_role("button", name="Tonen").click()
        await page.wait_for_url(re.compile(r"from=2026-03-02&to=2026-03-04"))
        charts = page.locator("img.chart")
        assert await charts.count() == 10
        assert await charts.first.evaluate("img => img.complete && img.naturalWidth > 0")
        urgent = page.locator("#urgent")
        assert "Gevaar" in await urgent.inner_text()
        await shot(page, "reports")
        await page.get_by_label("Taal", exact=True).select_option("ar")
        await page.get_by_role("button", name="Tonen").click()
        await page.wait_for_url(re.compile(r"language=ar"))
        first_day = page.locator("#per_day tbody tr").first
        assert (await first_day.inner_text()).split() == ["2026-03-02", "1", "2", "1"]
        await page.get_by_label("Van", exact=True).fill("2026-03-03")
        await page.get_by_role("button", name="Tonen").click()
        await page.wait_for_url(re.compile(r"from=2026-03-03"))
        assert await page.locator("#per_day tbody tr").count() == 2
        assert await page.get_by_label("Taal", exact=True).input_value() == "ar"  # the language stays chosen
        async with page.expect_download() as waiting:
            await page.locator("#per_day a.csv").click()
        download = await waiting.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        assert saved.name == "werkhelpdesk-per_day-2026-03-03-2026-03-04-ar.csv"
        assert saved.read_text("utf-8-sig").splitlines() == [
            "day,conversations,messages,handoffs", "2026-03-03,0,0,0", "2026-03-04,1,1,1"
        ]  # fmt: skip
        await context.close()
        context = await new_context(browser, width=390)  # a phone: nothing wider than the screen
        page = await sign_in(context, await site.link_for(901))
        await page.goto(f"{site.url}/console/reports?{PERIOD}")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await context.close()
        context = await new_context(browser, bypass_csp=True)
        page = await sign_in(context, await site.link_for(901))
        await page.goto(f"{site.url}/console/reports?{PERIOD}")
        assert await axe_problems(page) == []
        await context.close()

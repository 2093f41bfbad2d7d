"""Browser fixtures for the coach console: the bot and its web server on free ports, the fake Bot API,
and Playwright driving Debian's Chromium (never `playwright install`: there is no network for it)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from sqlalchemy import select

from bot.console import auth
from bot.db.models import Coach, utcnow
from bot.services import Services
from bot.tg.app import WerkApplication, drain_outbox
from bot.web import create_web_app
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import serving
from tests.telegram_harness import running_bot

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ASSETS = Path(__file__).resolve().parent / "console_assets"
SHOTS = Path(os.environ.get("CONSOLE_SHOTS", "")) if os.environ.get("CONSOLE_SHOTS") else None
LINK = re.compile(r"https?://\S+/console/login/[A-Za-z0-9_-]+")


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("TEST_REQUIRE_POSTGRES"):  # CI installs it (.ci/run): missing there is a failure
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-core")
        pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium fonts-noto-core")


@dataclass
class Site:
    """The bot (long polling against the fake Bot API) and its web server with the console."""

    services: Services
    application: WerkApplication
    url: str

    async def link_for(self, telegram_id: int, *, minutes_ago: float = 0) -> str:
        """A sign-in link as `/console` makes it, issued `minutes_ago`."""
        async with self.services.sessions() as session, session.begin():
            coach = await session.scalar(select(Coach).where(Coach.telegram_id == telegram_id))
            assert coach is not None
            return await auth.issue_link(session, coach, self.url, utcnow() - timedelta(minutes=minutes_ago))


@asynccontextmanager
async def running_site(services: Services) -> AsyncIterator[Site]:
    async with (
        running_bot(services) as application,
        serving(create_web_app(services, deliver=lambda: drain_outbox(application))) as url,
    ):
        yield Site(services, application, url)


# One Chromium per test process, started by the first browser test on the session's event loop (pyproject:
# asyncio_default_test_loop_scope) and stopped at the end (conftest): a launch costs ~0.8 s of CPU.
_running: tuple[Playwright, Browser] | None = None


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """This process's Chromium; the browser contexts (cookies, pages) a test opened are closed after it."""
    global _running
    need_chromium()
    if _running is None or not _running[1].is_connected():
        playwright = await async_playwright().start()
        _running = (playwright, await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"]))
    browser = _running[1]
    try:
        yield browser
    finally:
        for context in browser.contexts:
            await context.close()


async def stop_chromium() -> None:
    global _running
    if _running is not None:
        playwright, browser = _running
        _running = None
        await browser.close()
        await playwright.stop()


async def new_context(
    browser: Browser, *, locale: str = "nl-NL", width: int = 1280, bypass_csp: bool = False
) -> BrowserContext:
    """`bypass_csp`: only to inject axe-core (the console's CSP rightly refuses inline scripts)."""
    context = await browser.new_context(locale=locale, viewport={"width": width, "height": 900}, bypass_csp=bypass_csp)
    context.set_default_timeout(10_000)
    return context


async def sign_in(context: BrowserContext, link: str) -> Page:
    """Open the sign-in link and press the button, as a coach does."""
    page = await context.new_page()
    await page.goto(link)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(re.compile(r"/console/$"))
    return page


async def axe_problems(page: Page) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations axe-core finds on the page."""
    await page.add_script_tag(path=str(ASSETS / "axe.min.js"))
    result = await page.evaluate("axe.run()")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def shot(page: Page, name: str) -> None:
    """A screenshot for docs/console (CONSOLE_SHOTS=dir) or for a look while testing."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


__all__ = ["FakeBotAPI", "Site", "axe_problems", "chromium", "new_context", "running_site", "shot", "sign_in"]


@pytest.fixture(name="database_url")
async def one_backend_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """Browser tests run on one backend (a browser is slow): PostgreSQL when there is one, else SQLite.
    A module overrides conftest's two-backend `database_url` by importing this."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        yield url  # emptied or migrated by conftest's migrate_or_copy (the settings fixture)
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"

"""An open case page's polls (issue 23: the console adds no noticeable cost to the bot): answered
from the replica's watch without a query while nothing is new, and never past its bound after the
session ended (bot/console/watch.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event, func, insert, select, update

from bot.console import auth, watch
from bot.db.models import CASE_CLAIMED, Case, CaseView, ConsoleSession, Message, User, utcnow
from bot.handoff.coaches import add_coach, remove_coach
from bot.services import Services
from bot.web import create_web_app
from bot.web.console import CONSOLE
from bot.web.security import CSRF_HEADER
from tests.netutil import serving

NEWCOMER = 7007


@dataclass
class Open:
    """A web server, a coach's signed-in browser and a claimed case with a transcript."""

    url: str
    http: aiohttp.ClientSession
    app: web.Application
    case_id: int
    user_id: int
    csrf: str
    session_hash: str
    now: list[float]  # the watch's clock
    statements: list[str]

    @property
    def watch(self) -> watch.PageWatch:
        return self.app[CONSOLE].watch

    async def page(self) -> tuple[int, int]:
        """The case page: its status and the `after` its transcript polls with."""
        async with self.http.get(f"{self.url}/console/cases/{self.case_id}", allow_redirects=False) as response:
            body = await response.text()
        found = re.search(r"transcript\?after=(\d+)", body)
        return response.status, int(found.group(1)) if found else -1

    async def poll(self, after: int) -> tuple[int, str]:
        path = f"{self.url}/console/cases/{self.case_id}/transcript?after={after}"
        async with self.http.get(path, headers={"HX-Request": "true"}) as response:
            return response.status, await response.text()


def signed_out(status: int, body: str) -> bool:
    """The poll's answer to a browser signed out: the notice in place of the transcript, no more polls."""
    return status == 200 and 'role="alert"' in body and "hx-trigger" not in body and 'class="msg' not in body


async def _message(services: Services, user_id: int, text: str, kind: str = "text") -> int:
    async with services.engine.begin() as conn:
        now = utcnow()
        return int(
            await conn.scalar(
                insert(Message)
                .values(
                    user_id=user_id,
                    chat_id=NEWCOMER,
                    direction="in",
                    kind=kind,
                    text=text,
                    created_at=now,
                    attempts=0,
                    delivered_at=now,
                )
                .returning(Message.id)
            )
            or 0
        )


@pytest.fixture
async def opened(services: Services) -> AsyncIterator[Open]:
    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, 501, "Fatima", "nl,ar", staff=False)
        user = User(telegram_id=NEWCOMER, first_name="Amal")
        session.add(user)
        await session.flush()
        case = Case(user_id=user.id, status=CASE_CLAIMED, coach_id=coach.id, language="ar", reason="asked")
        session.add(case)
        await session.flush()
        token, who = await auth.open_session(session, coach, utcnow())
        case_id, user_id = case.id, user.id
    await _message(services, user_id, "مرحبا")
    app = create_web_app(services)
    now = [1000.0]
    app[CONSOLE].watch.clock = lambda: now[0]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with serving(app) as url, aiohttp.ClientSession(cookies={"console_session": token}) as http:
            yield Open(url, http, app, case_id, user_id, who.csrf_token, who.session_hash, now, statements)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)


async def test_polls_of_an_open_page_need_no_query_until_a_message_arrives(opened: Open, services: Services) -> None:
    status, after = await opened.page()
    assert status == 200
    assert after > 0
    assert await opened.poll(after) == (204, "")  # the first poll reads for all open pages
    assert opened.watch.reads == 1
    opened.statements.clear()
    for _ in range(5):
        opened.now[0] += 0.15
        assert await opened.poll(after) == (204, "")
    assert opened.statements == []  # not even the session check
    assert opened.watch.reads == 1

    # A message arrives: the poll after the next read shows it (the page swaps the transcript).
    await _message(services, opened.user_id, "عندي شهادة")
    opened.now[0] += watch.INTERVAL + 0.01
    status, body = await opened.poll(after)
    assert status == 200
    assert "عندي شهادة" in body
    assert opened.watch.reads == 2
    newer = int(re.search(r"transcript\?after=(\d+)", body).group(1))  # type: ignore[union-attr]
    assert newer > after
    opened.statements.clear()
    assert await opened.poll(newer) == (204, "")
    assert opened.statements == []

    # Polls are not views: the access log holds the one page view.
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CaseView)) == 1


async def test_a_button_press_as_the_newest_message_does_not_make_every_poll_render(
    opened: Open, services: Services
) -> None:
    """The page polls after the newest message read, buttons included (they are not shown)."""
    pressed = await _message(services, opened.user_id, "menu", kind="button")
    status, after = await opened.page()
    assert (status, after) == (200, pressed)
    assert await opened.poll(after) == (204, "")
    opened.now[0] += watch.INTERVAL + 0.01
    assert await opened.poll(after) == (204, "")


async def test_a_removed_coach_gets_no_page_at_once_and_no_poll_after_the_interval(
    opened: Open, services: Services
) -> None:
    _status, after = await opened.page()
    assert await opened.poll(after) == (204, "")
    async with services.sessions() as session, session.begin():
        assert await remove_coach(session, 501)  # `werkhelpdesk coach remove`, e.g. from another machine
    status, _after = await opened.page()
    assert status == 303  # the page checks the session in the database: signed out at once
    # A poll answered from the last read says no more than "nothing new", for at most INTERVAL.
    opened.now[0] += watch.INTERVAL / 2
    assert await opened.poll(after) == (204, "")
    opened.now[0] += watch.INTERVAL / 2 + 0.01
    assert signed_out(*await opened.poll(after))
    await _message(services, opened.user_id, "still there?")
    status, body = await opened.poll(after)
    assert signed_out(status, body)
    assert "still there?" not in body


async def test_sign_out_stops_the_polls_at_once(opened: Open) -> None:
    _status, after = await opened.page()
    assert await opened.poll(after) == (204, "")
    async with opened.http.post(
        f"{opened.url}/console/logout", headers={CSRF_HEADER: opened.csrf}, allow_redirects=False
    ) as response:
        assert response.status == 303
    assert signed_out(*await opened.poll(after))


async def test_polls_keep_the_session_alive_as_page_views_do(opened: Open, services: Services) -> None:
    """A session's last-seen time is written at most once a minute: a poll that would need it
    written takes the full path, which writes it."""
    _status, after = await opened.page()
    assert await opened.poll(after) == (204, "")
    long_ago = utcnow() - auth.TOUCH_EVERY - timedelta(seconds=5)
    async with services.sessions() as session, session.begin():
        await session.execute(update(ConsoleSession).values(last_seen_at=long_ago))
    opened.now[0] += watch.INTERVAL + 0.01
    opened.statements.clear()
    assert await opened.poll(after) == (204, "")
    assert any(s.lstrip().upper().startswith("UPDATE CONSOLE_SESSIONS") for s in opened.statements)
    async with services.sessions() as session:
        seen = await session.scalar(select(ConsoleSession.last_seen_at))
    assert seen is not None
    assert seen > long_ago + timedelta(seconds=5)


async def test_every_page_view_is_logged_by_the_statement_that_reads_it(opened: Open, services: Services) -> None:
    """A case page is read (and its view logged) in one statement on PostgreSQL, two on SQLite (no
    data-modifying CTE there), beside the session check; an unknown case is neither shown nor logged."""
    before = utcnow()
    opened.statements.clear()
    assert (await opened.page())[0] == 200
    page_statements = [s for s in opened.statements if "console_sessions" not in s]
    assert len(page_statements) == (1 if services.engine.dialect.name == "postgresql" else 2)
    assert (await opened.page())[0] == 200
    async with opened.http.get(f"{opened.url}/console/cases/{opened.case_id + 1000}") as response:
        assert response.status == 404
    async with services.sessions() as session:
        views = list(await session.scalars(select(CaseView).order_by(CaseView.id)))
    assert [(v.case_id, v.coach_name, v.what) for v in views] == [(opened.case_id, "Fatima", "case")] * 2
    assert all(before <= v.at <= utcnow() for v in views)

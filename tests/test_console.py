"""The console without a browser: headers on every response, sessions that end, the catalogs, the
access log in /mydata and /delete, the sign-in link command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from bot.console import auth, cases
from bot.db.models import (
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    Case,
    CaseView,
    Coach,
    ConsoleLoginToken,
    ConsoleSession,
    User,
    utcnow,
)
from bot.handoff import queue
from bot.handoff.coaches import add_coach, remove_coach
from bot.privacy import erase, export
from bot.services import Services
from bot.web.console import LANGUAGE_MSGIDS, language_names
from bot.web.i18n import CONSOLE_LANGUAGES, ConsoleCatalogs

ROOT = Path(__file__).resolve().parent.parent


async def test_no_version_in_the_server_header_and_security_headers(web_url: str) -> None:
    """Issue 20 item 7: scanners get no framework or Python version."""
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/readyz", "/console/login", "/console/static/console.css", "/nowhere"):
            async with http.get(web_url + path) as response:
                server = response.headers["Server"]
                assert server == "werkhelpdesk", path
                assert "aiohttp" not in server
                assert "Python" not in server
                assert response.headers["X-Frame-Options"] == "DENY"
                assert response.headers["Referrer-Policy"] == "no-referrer"
        async with http.get(web_url + "/healthz") as response:
            assert await response.json() == {"status": "ok"}  # unchanged
        async with http.get(web_url + "/console/login") as response:
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self';" in csp
            assert "style-src 'self';" in csp
            assert "frame-ancestors 'none'" in csp


async def _coach(services: Services, telegram_id: int = 501, name: str = "Fatima") -> Coach:
    async with services.sessions() as session, session.begin():
        return await add_coach(session, telegram_id, name, "nl,ar", staff=True)


async def test_links_are_hashed_single_use_and_expire(services: Services) -> None:
    coach = await _coach(services)
    now = utcnow()
    async with services.sessions() as session, session.begin():
        link = await auth.issue_link(session, coach, "https://console.example", now)
    token = link.rsplit("/", 1)[1]
    assert link.startswith("https://console.example/console/login/")
    async with services.sessions() as session:
        stored = list(await session.scalars(select(ConsoleLoginToken.token_hash)))
    assert stored == [auth.digest(token)]
    assert token not in stored
    async with services.sessions() as session, session.begin():
        assert await auth.redeem(session, token, now + timedelta(minutes=11)) is None  # expired
        found = await auth.redeem(session, token, now + timedelta(minutes=9))
        assert found is not None
        assert found.id == coach.id
        assert await auth.redeem(session, token, now + timedelta(minutes=9)) is None  # used


async def test_sessions_end_after_quiet_hours_and_with_the_coach(services: Services) -> None:
    coach = await _coach(services)
    start = utcnow()
    idle = timedelta(hours=12)
    async with services.sessions() as session, session.begin():
        token, _ = await auth.open_session(session, coach, start)
    async with services.engine.connect() as db:
        assert await auth.current(db, token, start + timedelta(hours=11), idle) is not None  # and touched
        await db.commit()
    async with services.engine.connect() as db:
        assert await auth.current(db, token, start + timedelta(hours=22), idle) is not None  # 11 h quiet
        await db.commit()
    async with services.engine.connect() as db:
        assert await auth.current(db, token, start + timedelta(hours=35), idle) is None  # 13 h quiet
        assert await auth.current(db, "made-up", start, idle) is None
        await db.commit()
    async with services.sessions() as session, session.begin():
        await auth.open_session(session, coach, start)
        await auth.open_session(session, coach, start)
    async with services.sessions() as session, session.begin():
        assert await remove_coach(session, 501)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsoleSession)) == 0


async def test_the_access_log_is_in_mydata_and_erased_by_delete(services: Services) -> None:
    coach = await _coach(services)
    async with services.sessions() as session, session.begin():
        user = User(telegram_id=2002, first_name="Yonas")
        session.add(user)
        await session.flush()
        case, _ = await queue.create_case(
            session, user, language="ti", topic=None, reason="asked", reannounce_after=timedelta(hours=1)
        )
        coach_row = await session.get(Coach, coach.id)
        assert coach_row is not None
        await cases.record_view(session, case.id, coach_row, "case")
        await cases.record_view(session, case.id, coach_row, "media")
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == 2002))
        assert user is not None
        document = await export(session, user)
        assert [(v["coach"], v["what"]) for v in document["case_views"]] == [("Fatima", "case"), ("Fatima", "media")]
        await erase(session, user)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CaseView)) == 0
        assert await session.scalar(select(func.count()).select_from(Case)) == 1  # the anonymous case stays


def test_every_console_string_is_in_the_nl_and_en_catalogs() -> None:
    wanted = set()
    for _f, _l, message, _c, _x in extract_from_dir(
        ROOT / "bot" / "web" / "templates",
        method_map=[("**.html", "jinja2")],
        keywords={"_": None, "ngettext": (1, 2)},
    ):
        wanted.add(message[0] if isinstance(message, tuple) else message)
    assert len(wanted) > 50
    for lang in CONSOLE_LANGUAGES:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "console.po").open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        present = {str(m.id[0] if isinstance(m.id, (tuple, list)) else m.id): m for m in catalog if m.id}
        assert wanted - present.keys() == set(), lang
        assert all(all(m.string if isinstance(m.string, tuple) else (m.string,)) for m in present.values()), lang
    catalogs = ConsoleCatalogs.load(ROOT / "locales")
    assert catalogs.gettext("nl", "Queue") == "Wachtrij"
    # The languages' names come from the catalog too (console.language_names).
    assert set(LANGUAGE_MSGIDS.values()) <= wanted
    assert language_names(catalogs, "nl") == {
        "nl": "Nederlands",
        "ar": "Arabisch (العربية)",
        "ti": "Tigrinya (ትግርኛ)",
        "en": "Engels (English)",
    }
    assert language_names(catalogs, "en")["en"] == "English"
    assert catalogs.ngettext("nl", "%(num)d minute", "%(num)d minutes", 2) == "%(num)d minuten"


async def test_queue_views_filters_and_counts(services: Services) -> None:
    coach = await _coach(services)
    now = utcnow()
    async with services.sessions() as session, session.begin():
        users = [User(telegram_id=3000 + i, first_name=f"N{i}") for i in range(4)]
        session.add_all(users)
        await session.flush()
        rows = [
            Case(
                user_id=users[0].id,
                language="ar",
                topic="cv_help",
                reason="asked",
                created_at=now - timedelta(minutes=40),
            ),
            Case(user_id=users[1].id, language="ti", topic="diploma_recognition", reason="asked", created_at=now),
            Case(
                user_id=users[2].id,
                language="ar",
                reason="asked",
                status="claimed",
                coach_id=coach.id,
                created_at=now - timedelta(minutes=20),
            ),
            Case(user_id=users[3].id, language="nl", reason="asked", status="closed", outcome="answered"),
        ]
        session.add_all(rows)
    async with services.sessions() as session:
        me = await session.get(Coach, coach.id)
        assert me is not None
        assert await cases.counts(session, me) == {"waiting": 2, "mine": 1, "open": 3, "closed": 1}

        async def ids(**wanted: object) -> list[str]:
            found = await cases.queue(session, me, cases.QueueFilter(**wanted), now)  # type: ignore[arg-type]
            return [r.name for r in found]

        assert await ids() == ["N0", "N1"]  # oldest first
        assert await ids(language="ar") == ["N0"]
        assert await ids(topic="diploma_recognition") == ["N1"]
        assert await ids(waited_minutes=30) == ["N0"]
        assert await ids(view="mine") == ["N2"]
        assert await ids(view="open") == ["N0", "N2", "N1"]
        assert await ids(view="closed") == ["N3"]
        assert await cases.topics(session) == ["cv_help", "diploma_recognition"]


def test_urgent_cases_are_those_with_urgent_priority() -> None:
    case = Case(language="ar", reason="asked", priority=PRIORITY_NORMAL)
    assert not cases.is_urgent(case)
    case.priority = PRIORITY_URGENT
    assert cases.is_urgent(case)

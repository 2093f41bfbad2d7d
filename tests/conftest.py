"""Shared fixtures: compiled catalogs, one trained classifier, a database per backend, the services."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.db.engine import create_engine
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.flows.loader import read_texts
from bot.languages import LANGUAGES
from bot.nlu.cache import load_or_train
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier, train_in_process
from bot.services import Services, open_services
from bot.settings import Settings
from bot.tg.webhook import webhook_path
from bot.web import create_web_app
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_URL = "https://werkhelpdesk.example/tg/webhook"


def pytest_configure(config: pytest.Config) -> None:
    # As `werkhelpdesk` does at start-up: python-telegram-bot's time periods as timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # One model cache for the tests and the bot processes they start (not the user's ~/.cache): nlu/ is
    # trained once per change, not once per process.
    os.environ["NLU_CACHE_DIR"] = str(ROOT / ".pytest_cache" / "nlu-models")
    # pytest-xdist: each worker erases and fills its own database, <name>_gw0, <name>_gw1, ...
    url, worker = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql") and "test" in (make_url(url).database or "").lower():
        own = make_url(url).set(database=f"{make_url(url).database}_{worker}").render_as_string(hide_password=False)
        asyncio.run(_create_database(own))
        os.environ["TEST_DATABASE_URL"] = own  # also for tests that read it themselves (browser tests)


async def _create_database(url: str) -> None:
    """Creates the database `url` names, if it does not exist yet."""
    name = make_url(url).database or ""
    admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--rasa-url", default=os.environ.get("RASA_URL", ""), help="a running Rasa server for -m rasa")


@pytest.fixture(scope="session")
def locales_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's .po catalogs compiled with Babel, as `pybabel compile` does."""
    out = tmp_path_factory.mktemp("locales")
    for lang in LANGUAGES:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as fp:
            write_mo(fp, catalog)
    return out


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def embedded() -> EmbeddedClassifier:
    """The embedded classifier for nlu/, from the model cache that the bot processes the tests start use
    too (NLU_CACHE_DIR, set above): trained once, by one worker while the others wait, and kept for the
    next runs."""

    async def train() -> EmbeddedClassifier:
        return await train_in_process(load_training(ROOT / "nlu", followups=True))

    classifier, _ = await load_or_train(ROOT / "nlu", Path(os.environ["NLU_CACHE_DIR"]), train)
    return classifier


@pytest.fixture(scope="session")
def small_nlu_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nlu/ cut to 20 examples per intent, 3 per answer node and 10 openers, for the tests marked
    `small_nlu` that publish examples and wait for the retraining: 1-2 s of CPU instead of 9."""
    target = tmp_path_factory.mktemp("small") / "nlu"
    shutil.copytree(ROOT / "nlu", target, ignore=shutil.ignore_patterns("eval"))

    def rewrite(path: Path, cut: Callable[[Any], object]) -> None:
        doc = cut(yaml.safe_load(path.read_text(encoding="utf-8")))
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def intents(doc: dict[str, list[dict[str, str]]]) -> object:
        for block in doc["nlu"]:
            if "examples" in block:
                block["examples"] = "".join(line + "\n" for line in block["examples"].splitlines()[:20])
        return doc

    def nodes(doc: dict[str, dict[str, list[str]]]) -> object:
        return {intent: {node: questions[:3] for node, questions in by_node.items()} for intent, by_node in doc.items()}

    for path in (target / "data").glob("*.yml"):
        rewrite(path, intents)
    for path in (target / "nodes").glob("*.yml"):
        rewrite(path, nodes)
    for path in (target / "openers").glob("*.yml"):
        rewrite(path, lambda openers: openers[:10])
    return target


def refuse_unless_test_database(url: str) -> None:
    """The tests drop the schema of the database they get: refuse one whose name does not say it is for
    tests, so that a production or development URL pasted into TEST_DATABASE_URL is never wiped."""
    name = make_url(url).database or ""
    if "test" not in name.lower():
        pytest.fail(
            f"TEST_DATABASE_URL names the database {name!r}: the tests erase the database they are given, "
            "so its name must contain 'test' (e.g. werkhelpdesk_test)",
            pytrace=False,
        )


async def _reset_postgres(url: str) -> None:
    """An empty PostgreSQL database: no tables, no migrations."""
    refuse_unless_test_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@functools.cache
def _head() -> str | None:
    return head_revision()  # reads every migration file: once per process


async def _emptied_at_head(url: str) -> bool:
    """When the database is at the newest migration: its tables emptied (ids from 1 again) and True.
    A quarter of the time of dropping and migrating, which ~250 tests would do."""
    refuse_unless_test_database(url)
    engine = create_engine(url)
    try:
        if await current_revision(engine) != _head():
            return False  # a new database, or a migration test went back a revision
        async with engine.begin() as conn:
            tables = await conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
            names = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return True
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def _stop_chromium() -> AsyncIterator[None]:
    """The browser the browser tests shared (tests/console_browser.py), stopped once at the end."""
    yield
    from tests.console_browser import stop_chromium

    await stop_chromium()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'werkhelpdesk.db'}"
        return
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        if os.environ.get("TEST_REQUIRE_POSTGRES"):
            pytest.fail("TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not a PostgreSQL URL")
        pytest.skip("no PostgreSQL: set TEST_DATABASE_URL=postgresql+asyncpg://... to run this on PostgreSQL")
    yield url  # emptied or migrated by migrate_or_copy; a test that needs no tables calls _reset_postgres


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest migration, once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("migrated") / "werkhelpdesk.db"
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))
    return path


def make_settings(database_url: str, locales_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "locales_dir": locales_dir,
        "telegram_token": "123456:TEST",
        "rasa_url": "",
        "web_port": 0,
        # unpaced: a test waits for no chat's second per message; pacing is tested in test_pacing*.py
        "send_per_chat_per_second": 1000.0,
        "send_per_group_per_minute": 60000.0,
        "send_per_bot_per_second": 1000.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def migrate_or_copy(url: str, migrated_sqlite: Path) -> None:
    """`url` empty at the newest migration; a new SQLite file is a copy of `migrated_sqlite` (SQLite's
    migrations rebuild tables: ~0.3 s of CPU each time), PostgreSQL's tables are emptied when it can."""
    fresh = Path(make_url(url).database or "") if url.startswith("sqlite") else None
    if fresh is not None and not fresh.exists():
        shutil.copyfile(migrated_sqlite, fresh)
    elif url.startswith("postgresql"):
        if not await _emptied_at_head(url):
            await _reset_postgres(url)
            await migrate(url)
    else:
        await migrate(url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A fake Telegram Bot API server on a free local port."""
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Test modules override this fixture to change settings (e.g. COACH_CHAT_ID)."""
    return {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_modes") and "updates_via" in metafunc.fixturenames:
        metafunc.parametrize("updates_via", ["polling", "webhook"], indirect=True)


@pytest.fixture
def updates_via(request: pytest.FixtureRequest) -> str:
    """How Telegram hands updates to the bot: "polling" unless the module is marked `both_modes`."""
    return str(getattr(request, "param", "polling"))


@pytest.fixture
async def settings(
    request: pytest.FixtureRequest,
    database_url: str,
    locales_dir: Path,
    fake: FakeBotAPI,
    settings_overrides: dict[str, object],
    updates_via: str,
    migrated_sqlite: Path,
) -> Settings:
    """Settings for a bot that talks to the fake Bot API, on a migrated database."""
    mode: dict[str, object] = {}
    if request.node.get_closest_marker("small_nlu"):  # its models in a cache of their own: nlu/'s stays
        small = request.getfixturevalue("small_nlu_dir")
        mode.update(nlu_dir=small, nlu_cache_dir=small.parent / "cache")
    if updates_via == "webhook":
        port = free_port()
        mode.update(webhook_url=WEBHOOK_URL, webhook_secret="test-webhook-secret", web_port=port)
        fake.deliver_webhook_to(f"http://127.0.0.1:{port}{webhook_path(WEBHOOK_URL)}")
    settings = make_settings(
        database_url,
        locales_dir,
        telegram_api_url=fake.url,
        telegram_token=fake.token,
        **{**mode, **settings_overrides},
    )
    await migrate_or_copy(settings.database_url, migrated_sqlite)
    return settings


@pytest.fixture
async def services(settings: Settings, embedded: EmbeddedClassifier) -> AsyncIterator[Services]:
    async with open_services(settings, embedded=embedded) as opened:
        in_use = connections_in_use(opened.engine)
        yield opened
    # One still checked out when the engine was disposed goes back to the old pool and is never closed:
    # a ResourceWarning in whichever later test the garbage collector runs in. Fail here instead.
    assert in_use() == 0, "a database connection was still in use when the services closed"


@pytest.fixture
async def web_url(services: Services) -> AsyncIterator[str]:
    """The bot's web server (console, health) for `services`, on a free port."""
    async with serving(create_web_app(services)) as url:
        yield url


def connections_in_use(engine: AsyncEngine) -> Callable[[], int]:
    """How many of the engine's pooled connections are checked out now (the count survives a dispose,
    which gives the engine a new pool). By record: a checkout that fails half-way is checked in unseen."""
    out: set[ConnectionPoolEntry] = set()

    def checkout(_dbapi: object, record: ConnectionPoolEntry, _proxy: object) -> None:
        out.add(record)

    def checkin(_dbapi: object, record: ConnectionPoolEntry) -> None:
        out.discard(record)

    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "checkin", checkin)
    return lambda: len(out)


def texts_with_new_topic(topic: str = "childcare") -> dict[str, str]:
    """The texts of flows/ plus a topic like one staff make in the console: cv_help copied under its own id and
    intent."""
    texts = read_texts(ROOT / "flows")
    copy = texts["cv_help"].replace("id: cv_help", f"id: {topic}", 1).replace("[cv_help]", f"[{topic}]", 1)
    return {**texts, topic: copy}

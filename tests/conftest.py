"""Shared fixtures: compiled catalogs, one trained classifier, a database per backend, the services."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.languages import LANGUAGES
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import Services, open_services
from bot.settings import Settings
from tests.fake_bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # As `werkhelpdesk` does at start-up: python-telegram-bot's time periods as timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "1")


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


@pytest.fixture(scope="session")
def embedded() -> EmbeddedClassifier:
    return EmbeddedClassifier.train(load_training(ROOT / "nlu"))


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
    refuse_unless_test_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


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
    await _reset_postgres(url)
    yield url


def make_settings(database_url: str, locales_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "locales_dir": locales_dir,
        "telegram_token": "123456:TEST",
        "rasa_url": "",
        "web_port": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A fake Telegram Bot API server on a free local port."""
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Test modules override this fixture to change settings (e.g. COACH_CHAT_ID)."""
    return {}


@pytest.fixture
async def settings(
    database_url: str, locales_dir: Path, fake: FakeBotAPI, settings_overrides: dict[str, object]
) -> Settings:
    """Settings for a bot that talks to the fake Bot API, on a migrated database."""
    settings = make_settings(
        database_url, locales_dir, telegram_api_url=fake.url, telegram_token=fake.token, **settings_overrides
    )
    await migrate(settings.database_url)
    return settings


@pytest.fixture
async def services(settings: Settings, embedded: EmbeddedClassifier) -> AsyncIterator[Services]:
    async with open_services(settings, embedded=embedded) as opened:
        in_use = connections_in_use(opened.engine)
        yield opened
    # One still checked out when the engine was disposed goes back to the old pool and is never closed:
    # a ResourceWarning in whichever later test the garbage collector runs in. Fail here instead.
    assert in_use() == 0, "a database connection was still in use when the services closed"


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

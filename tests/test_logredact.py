"""Issue 20, item 5: every log record that leaves the process goes through one redaction filter —
the libraries' records too, and python-telegram-bot's "could not parse the updates" record that
carries a whole getUpdates batch."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import aiosqlite
import pytest
from telegram import Bot
from telegram.error import TelegramError

from bot.cli import _configure_logging
from bot.logredact import redact
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI

SECRETS = ("Mariamqx", "Haddadqx", "mariam_h", "ik zoek werk als lasser", "0612345678", "+31 6 1234 5678")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A stream handler on the root logger, set up as `werkhelpdesk` does at start-up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    before = {h: list(h.filters) for h in root.handlers}
    try:
        _configure_logging()
        yield stream
    finally:
        root.removeHandler(handler)
        for h, filters in before.items():
            h.filters[:] = filters


def batch() -> list[dict[str, Any]]:
    mariam = {**tg.user(4101, "Mariamqx", username="mariam_h", language_code="nl"), "last_name": "Haddadqx"}
    first = tg.text_update(mariam, "ik zoek werk als lasser, bel me op 0612345678")
    first["update_id"] = 9001
    second = tg.text_update(tg.user(4102, "Ahmed"), "mijn nummer is +31 6 1234 5678")
    second["update_id"] = 9002
    return [first, second]


def assert_clean(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output, (secret, output)


async def test_ptb_could_not_parse_updates_logs_only_the_update_ids(fake: FakeBotAPI, captured: io.StringIO) -> None:
    """The real library against a Bot API that sends what it cannot parse (a newer API, a broken proxy)."""
    updates = batch()
    updates[1]["message"]["date"] = "not a date"  # the batch cannot be parsed: PTB logs it whole, at CRITICAL
    for update in updates:
        fake.push_update(update)
    async with Bot(fake.token, base_url=f"{fake.url}/bot") as bot:
        with pytest.raises((TelegramError, TypeError, ValueError)):
            await bot.get_updates(timeout=0)
    output = captured.getvalue()
    assert "CRITICAL telegram" in output
    assert "Error while parsing updates" in output
    assert "9001" in output
    assert "9002" in output
    assert_clean(output)


@pytest.mark.parametrize(
    "logger",
    ["telegram.ext.Updater", "telegram.ext.Application", "aiohttp.server", "sqlalchemy.engine.Engine", "httpx"],
)
def test_library_records_lose_texts_names_phones_and_payloads(captured: io.StringIO, logger: str) -> None:
    log = logging.getLogger(logger)
    log.error("Received data was *not* processed! Received data was: %r", batch()[0])
    log.warning("message from %s: %s", "Message(text='ik zoek werk als lasser', first_name='Mariamqx')", "x")
    try:
        raise ValueError(f"bad update {batch()[1]!r}")
    except ValueError:
        log.exception("Error while getting Updates")
    log.error('(sqlite3.IntegrityError) UNIQUE\n[SQL: INSERT ...]\n[parameters: ("Mariamqx", "0612345678")]')
    output = captured.getvalue()
    assert_clean(output)
    assert "ValueError" in output
    assert "9002" in output


async def test_the_sqlite_drivers_debug_records_lose_the_statement_parameters(captured: io.StringIO) -> None:
    driver = logging.getLogger("aiosqlite")
    level = driver.level
    driver.setLevel(logging.DEBUG)  # someone debugging the local chat database
    try:
        async with aiosqlite.connect(":memory:") as db:
            await db.execute("create table t (name text, phone text)")
            await db.execute("insert into t values (?, ?)", ("Mariamqx", "0612345678"))
    finally:
        driver.setLevel(level)
    output = captured.getvalue()
    assert "DEBUG aiosqlite" in output
    assert_clean(output)


def test_redact_keeps_ids_and_plain_events() -> None:
    assert redact("update 123456789 handled in 4 ms") == "update 123456789 handled in 4 ms"
    assert redact("call 06-12345678 now") == "call <phone> now"
    assert "Mariamqx" not in redact("{'first_name': 'Mariamqx', 'id': 5}")

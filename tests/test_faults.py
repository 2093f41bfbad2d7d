"""Faults: Telegram errors, database connection loss, the process killed mid-update."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from typing import cast

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.db.models import CaseEvent, Message, User
from bot.handoff.coaches import add_coach
from bot.languages import LANGUAGES, detect_language, resolve_language
from bot.nlu.embedded import EmbeddedClassifier
from bot.pipeline import Incoming, process_reliably
from bot.services import Services, open_services
from bot.settings import Settings
from bot.web import create_web_app
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import cut_database_connections, serving, start_werkhelpdesk
from tests.telegram_harness import running_bot, say

SARA = tg.user(3003, "Sara", language_code="nl")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"telegram_timeout": 1.0}


def cv_answer(services: Services) -> str:
    return services.flows.text("cv_help", "start", "nl")


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (400, "Bad Request: message is too long"),
        (400, "Bad Request: can't parse entities: Unsupported start tag"),
    ],
)
async def test_telegram_errors_are_retried_or_fixed(
    fake: FakeBotAPI, services: Services, status: int, description: str
) -> None:
    fake.fail_next("sendMessage", status=status, description=description, times=1 if status == 400 else 2)
    async with running_bot(services):
        (reply,) = await say(fake, tg.text_update(SARA, "ik wil CV maken"))
    assert reply["text"] == cv_answer(services)
    async with services.sessions() as session:
        undelivered = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "out", Message.delivered_at.is_(None))
        )
    assert undelivered == 0


async def test_telegram_timeout_is_retried(fake: FakeBotAPI, services: Services) -> None:
    fake.delay_next("sendMessage", 1.6)  # longer than TELEGRAM_TIMEOUT=1 s
    async with running_bot(services):
        replies = await say(fake, tg.text_update(SARA, "ik wil CV maken"), wait=20)
    assert replies[-1]["text"] == cv_answer(services)


async def test_persistent_server_errors_give_up_and_keep_the_reply_in_the_outbox(
    fake: FakeBotAPI, services: Services
) -> None:
    fake.fail_next("sendMessage", status=502, description="Bad Gateway", times=50)
    async with running_bot(services):
        fake.push_update(tg.text_update(SARA, "ik wil CV maken"))
        await fake.wait_for("sendMessage", count=5, timeout=30)  # bounded: five attempts with backoff
        await asyncio.sleep(0.5)
    assert len(fake.calls("sendMessage")) == 5
    async with services.sessions() as session:
        row = await session.scalar(select(Message).where(Message.direction == "out"))
    assert row is not None
    assert row.delivered_at is None  # kept for the outbox loop to retry later
    assert row.attempts == 1


async def test_blocked_user_is_noted_on_the_case(fake: FakeBotAPI, services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl", staff=False)
    async with running_bot(services):
        await say(fake, tg.callback_update(SARA, "a:coach_yes"))
        fake.mark()
        fake.push_update(tg.command_update(tg.user(501, "Fatima", language_code="nl"), "claim"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, ok=True)
        # the claim's word to Sara too: blocked before it, she would be unreachable before "Hallo Sara"
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True)
        fake.block_user(3003)
        fake.mark()
        fake.push_update(tg.text_update(tg.user(501, "Fatima", language_code="nl"), "Hallo Sara"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=False)
        for _ in range(50):
            async with services.sessions() as session:
                event = await session.scalar(select(CaseEvent.action).where(CaseEvent.action == "unreachable"))
            if event:
                break
            await asyncio.sleep(0.1)
    assert event == "unreachable"
    assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 3003 and "Hallo Sara" in c["text"]]) == 1


async def test_database_connection_lost_mid_conversation(services: Services, database_url: str) -> None:
    """PostgreSQL restarted: every connection is cut. The next update is processed after reconnecting,
    once, with nothing lost."""
    first = await process_reliably(services, Incoming(3003, 3003, "text", text="ik wil CV maken", update_id=1))
    assert first.outgoing
    if database_url.startswith("postgresql"):
        await cut_database_connections(database_url)
    second = await process_reliably(services, Incoming(3003, 3003, "text", text="dank je wel", update_id=2))
    assert second.outgoing
    async with services.sessions() as session:
        texts = list(await session.scalars(select(Message.text).where(Message.direction == "in").order_by(Message.id)))
    assert texts == ["ik wil CV maken", "dank je wel"]


async def test_database_outage_is_retried_with_backoff(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import pipeline

    calls = 0
    real = pipeline.process

    async def flaky(services_: Services, incoming: Incoming) -> pipeline.Result:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database is restarting"))
        return await real(services_, incoming)

    monkeypatch.setattr(pipeline, "process", flaky)
    monkeypatch.setattr(pipeline, "DB_RETRY_DELAY", 0.0)
    result = await process_reliably(services, Incoming(3003, 3003, "text", text="ik wil CV maken", update_id=9))
    assert calls == 3
    assert len(result.outgoing) == 1
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1  # processed exactly once


@pytest.mark.parametrize("handed_off", [False, True])
async def test_killed_mid_update_the_reply_is_sent_once_after_restart(
    settings: Settings, fake: FakeBotAPI, handed_off: bool
) -> None:
    """The process dies after storing the reply but before Telegram accepted it (and before the update
    was confirmed). After the restart Telegram redelivers the update: it is not processed again, and
    the stored reply is delivered exactly once. `handed_off`: after a first exchange, so the reply
    was claimed by its turn's own INSERT (bot.outbox.book_written), not by the sender's loop."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "LOCALES_DIR": str(settings.locales_dir),
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "RASA_URL": "",
        "WEB_PORT": "0",
        "INBOX_LEASE_SECONDS": "2",  # the killed process's updates go to the next one soon
        "TELEGRAM_TIMEOUT": "4",  # its claimed reply too: the send's lease is this + 5 s
    }

    async def start() -> asyncio.subprocess.Process:
        return await start_werkhelpdesk(env, "run")

    first = await start()
    if handed_off:
        fake.push_update(tg.text_update(SARA, "hallo"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True, timeout=60)
        await asyncio.sleep(0.5)  # recorded as delivered: the next reply may be claimed in its turn
        fake.mark()
    fake.delay_next("sendMessage", 30)  # Telegram hangs on the reply...
    fake.push_update(tg.text_update(SARA, "ik wil CV maken"))
    await fake.wait_for("sendMessage", timeout=60)  # ...the reply is on its way: kill the process now
    first.send_signal(signal.SIGKILL)
    await first.wait()
    second = await start()
    try:
        fake.mark()
        (reply,) = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True, timeout=60)
        await asyncio.sleep(1.0)  # give a duplicate every chance to appear
        assert [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 3003] == [reply["text"]]
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)


@given(st.text(max_size=200), st.sampled_from([None, *LANGUAGES]), st.sampled_from([None, "fa", "ar-SY", "", "ti"]))
def test_language_resolution_always_gives_a_supported_language(text: str, chosen: str | None, code: str | None) -> None:
    assert detect_language(text) in (None, *LANGUAGES)
    assert resolve_language(text=text, chosen=chosen, last=None, telegram_code=code, default="nl") in LANGUAGES


async def test_rasa_down_falls_back_to_the_embedded_classifier(
    settings: Settings, embedded: EmbeddedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    """RASA_URL points at a port where nothing listens: the bot answers as before, and says so once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    rasa_settings = settings.model_copy(update={"rasa_url": dead, "rasa_timeout": 0.5})
    async with open_services(rasa_settings, embedded=embedded) as services, serving(create_web_app(services)) as url:
        assert (await _ready(url))["nlu"] == "ok"
        for update_id, text_ in enumerate(["ik wil CV maken", "Hoe kan ik mijn diploma laten waarderen?"], 1):
            result = await process_reliably(services, Incoming(3003, 3003, "text", text=text_, update_id=update_id))
            assert len(result.outgoing) == 1
        assert result.outgoing[0].text == services.flows.text("diploma_recognition", "start", "nl")
        # Still ready (the bot answers), and /readyz says on what.
        ready = await _ready(url)
        assert (ready["status"], ready["nlu"]) == ("ok", "Rasa unavailable: the embedded classifier answers")
    assert sum("Rasa server unavailable" in r.getMessage() for r in caplog.records) == 1


async def _ready(url: str) -> dict[str, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/readyz") as response:
        assert response.status == 200
        return cast(dict[str, str], await response.json())


def test_a_bot_api_answer_that_is_no_json_is_an_error_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    from telegram.error import TelegramError

    from bot.tg.request import AiohttpRequest

    assert AiohttpRequest.parse_json_payload(
        b'{"ok": true, "result": {"text": "\xd8\xb4\xd9\x83\xd8\xb1\xd8\xa7"}}'
    ) == {
        "ok": True,
        "result": {"text": "شكرا"},
    }
    for answer in (b"<html>Sara Ahmadi, 06-12345678</html>", b'["Sara Ahmadi"]'):
        with pytest.raises(TelegramError, match="Invalid server response"):
            AiohttpRequest.parse_json_payload(answer)
    assert "Sara" not in caplog.text

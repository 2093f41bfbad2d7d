"""Webhook mode: the secret header, malformed bodies, the inbox, redelivery, per-chat order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import orjson
import pytest
from pydantic import ValidationError
from sqlalchemy import func, insert, select, text
from sqlalchemy import update as update_rows
from sqlalchemy.exc import OperationalError

from bot.db.engine import one_replica_at_a_time
from bot.db.models import InboxUpdate, Message, Timer, utcnow
from bot.db.queries import table
from bot.dialog import COACH_YES
from bot.handoff.coaches import add_coach
from bot.outbox import message_row
from bot.pipeline import Incoming, process, undelivered
from bot.services import Services
from bot.settings import Settings
from bot.tg.app import WerkApplication, build_application, drain_outbox, start_application, stop_application
from bot.tg.inbox import Inbox
from bot.tg.webhook import SECRET_HEADER
from bot.web import start_web
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import cut_database_connections, free_port
from tests.telegram_harness import buttons

SECRET = "s3cret-token_for-tests"
SARA = tg.user(3003, "Sara", language_code="nl")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "webhook_url": "https://werkhelpdesk.example/tg/webhook",
        "webhook_secret": SECRET,
        "web_port": free_port(),
    }


@pytest.fixture
async def local_url(services: Services) -> AsyncIterator[str]:
    application = build_application(services)
    inbox = Inbox(application, services, services.settings.webhook_workers)
    runner = await start_web(services, inbox.add_routes)
    await start_application(application, polling=False)
    await inbox.start()
    try:
        yield f"http://127.0.0.1:{services.settings.web_port}/tg/webhook"
    finally:
        await inbox.stop()
        await runner.cleanup()
        await stop_application(application)


async def post(url: str, body: Any, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session:
        data = body if isinstance(body, str) else None
        async with session.post(url, json=None if data else body, data=data, headers=headers) as response:
            return response.status


async def processed_at(services: Services, update_id: int) -> datetime | None:
    """When the inbox recorded the update as processed; waits up to 5 s for it."""
    for _ in range(100):
        async with services.sessions() as session:
            processed = await session.scalar(select(InboxUpdate.processed_at).where(InboxUpdate.update_id == update_id))
        if processed is not None:
            return processed
        await asyncio.sleep(0.05)
    return None


async def test_webhook_registers_with_secret_and_answers(fake: FakeBotAPI, services: Services, local_url: str) -> None:
    assert fake.webhook is not None
    assert fake.webhook["url"] == "https://werkhelpdesk.example/tg/webhook"
    assert fake.webhook["secret_token"] == SECRET
    assert await fake.deliver_webhook_update(tg.text_update(SARA, "ik wil CV maken"), url=local_url) == 200
    (reply,) = await fake.wait_for("sendMessage", ok=True)
    assert reply["text"] == services.flows.text("cv_help", "start", "nl")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-xxxxxxx"])
async def test_requests_without_the_secret_are_refused(services: Services, local_url: str, secret: str | None) -> None:
    update = tg.text_update(SARA, "ik wil CV maken")
    update["update_id"] = 77
    assert await post(local_url, update, secret=secret) == 403
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0


@pytest.mark.parametrize("body", ["{not json", '"a string"', '{"no_update_id": 1}', '{"update_id": "x"}'])
async def test_unreadable_bodies_are_confirmed_and_skipped(
    services: Services, local_url: str, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Any answer but 200 makes Telegram deliver the body again, forever: confirm it, store nothing."""
    assert await post(local_url, body) == 200
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
    assert "skipped" in caplog.text
    assert body not in caplog.text


async def test_a_secret_header_with_non_ascii_bytes_is_refused_with_403(local_url: str) -> None:
    update = tg.text_update(SARA, "ik wil CV maken")
    async with aiohttp.ClientSession() as session:
        # aiohttp sends str headers as Latin-1 bytes; the server reads them back as non-ASCII text
        headers = {SECRET_HEADER: "s3cret-tökén_for-tests"}
        async with session.post(local_url, json=update, headers=headers) as response:
            assert response.status == 403


async def test_an_update_with_a_lone_surrogate_is_answered(
    fake: FakeBotAPI, services: Services, local_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """orjson refuses "\\ud800" that Telegram passes on: the body is read by the fallback parser."""
    update = tg.text_update(SARA, "ik wil CV maken ")
    update["update_id"] = 4242
    body = orjson.dumps(update).decode().replace("ik wil CV maken ", "ik wil CV maken \\ud800")
    assert await post(local_url, body) == 200
    (reply,) = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True)
    assert reply["text"] == services.flows.text("cv_help", "start", "nl")
    assert "ud800" not in caplog.text


async def test_redelivery_is_processed_once_and_chat_order_is_kept(
    fake: FakeBotAPI, services: Services, local_url: str
) -> None:
    updates = [
        tg.text_update(SARA, text)
        for text in ("ik wil CV maken", "dank je wel", "Hoe kan ik mijn diploma laten waarderen?")
    ]
    for i, update in enumerate(updates):
        update["update_id"] = 1000 + i
    # Telegram sends one chat's updates one after the other; redeliveries may come at any time, even at once.
    statuses = [await fake.deliver_webhook_update(u, url=local_url) for u in updates]
    statuses += await asyncio.gather(
        *(fake.deliver_webhook_update(u, url=local_url) for u in [updates[0], updates[0], updates[1]])
    )
    assert statuses == [200] * 6
    replies = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True, count=3)
    await asyncio.sleep(0.5)  # a duplicate would show up now
    sent = [c["text"] for c in fake.calls("sendMessage") if int(c["chat_id"]) == 3003]
    assert len(sent) == 3
    assert sent[0] == services.flows.text("cv_help", "start", "nl")
    assert sent[2] == services.flows.text("diploma_recognition", "start", "nl")
    assert replies


async def test_a_button_press_is_answered_while_its_reply_goes_out(fake: FakeBotAPI, local_url: str) -> None:
    assert await fake.deliver_webhook_update(tg.text_update(SARA, "ik wil CV maken"), url=local_url) == 200
    (first,) = await fake.wait_for("sendMessage", ok=True)
    _, data = buttons(first)[0]
    fake.delay_next("answerCallbackQuery", 3.0)
    fake.mark()
    assert await fake.deliver_webhook_update(tg.callback_update(SARA, data), url=local_url) == 200
    await fake.wait_for("sendMessage", ok=True)
    # The reply did not wait for Telegram's answer to answerCallbackQuery, which is still pending.
    (answering,) = [r for r in fake.requests if r.method == "answerCallbackQuery"]
    assert answering.status is None
    await fake.wait_for("answerCallbackQuery", ok=True)


async def test_typing_shows_only_when_a_reply_is_slow(
    fake: FakeBotAPI, local_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.tg.inbox

    monkeypatch.setattr(bot.tg.inbox, "TYPING_AFTER", 1.5)  # a fast reply stays under it on a busy machine
    fast = tg.text_update(SARA, "ik wil CV maken")
    assert await fake.deliver_webhook_update(fast, url=local_url) == 200
    await fake.wait_for("sendMessage", ok=True)
    await asyncio.sleep(1.7)  # longer than TYPING_AFTER: its timer was cancelled with the reply
    assert fake.calls("sendChatAction") == []
    fake.delay_next("sendMessage", 2.5)  # Telegram is slow to take the next reply
    fake.mark()
    slow = tg.text_update(SARA, "hoe werkt een sollicitatie")
    assert await fake.deliver_webhook_update(slow, url=local_url) == 200
    await fake.wait_for("sendMessage", ok=True)
    (action,) = fake.calls("sendChatAction")
    assert action["action"] == "typing"
    assert int(action["chat_id"]) == 3003


def test_webhook_settings_need_https_and_a_strong_secret() -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        Settings(_env_file=None, webhook_url="https://x.example/hook", webhook_secret="short")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="https"):
        Settings(_env_file=None, webhook_url="http://x.example/hook", webhook_secret=SECRET)  # type: ignore[call-arg]


def test_webhook_workers_are_bounded() -> None:
    assert Settings(_env_file=None, webhook_workers=64).webhook_workers == 64  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="webhook_workers"):
        Settings(_env_file=None, webhook_workers=65)  # type: ignore[call-arg]


async def test_an_update_the_bot_ignores_is_recorded_without_a_retry(
    fake: FakeBotAPI, services: Services, local_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A channel post has nothing to answer: recorded as processed, no failure."""
    post_update = {
        "update_id": 2100,
        "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100777, "type": "channel"}, "text": "nieuws"},
    }
    assert await fake.deliver_webhook_update(post_update, url=local_url) == 200
    assert await processed_at(services, 2100) is not None
    assert "failed" not in caplog.text
    assert not [c for c in fake.calls("sendMessage") if int(c["chat_id"]) == -100777]


async def test_the_outbox_drain_leaves_replies_in_flight_to_their_worker(services: Services) -> None:
    """A worker records its replies as delivered with its next batch. Until then the drain, which
    retries undelivered messages every half minute, must not send them a second time (it did, under
    load: the benchmark counted the duplicates); a reply whose update is processed but which is still
    undelivered (its sending failed) and a reminder without an update are the drain's to retry."""
    now = utcnow()
    async with services.sessions() as session, session.begin():
        await session.execute(
            insert(table(InboxUpdate)),
            [
                {"update_id": 3000, "chat_id": 3003, "payload": {}, "received_at": now, "attempts": 1},
                {"update_id": 3001, "chat_id": 3003, "payload": {}, "received_at": now, "attempts": 1},
            ],
        )
        await session.execute(
            update_rows(table(InboxUpdate)).where(table(InboxUpdate).c.update_id == 3001).values(processed_at=now)
        )
        rows = [
            message_row(chat_id=3003, direction="out", kind="text", text="in flight", update_id=3000),
            message_row(chat_id=3003, direction="out", kind="text", text="failed", update_id=3001, attempts=1),
            message_row(chat_id=3003, direction="out", kind="text", text="reminder", update_id=None),
        ]
        await session.execute(insert(table(Message)), rows)
    assert sorted(o.text for o in await undelivered(services)) == ["failed", "reminder"]
    async with services.sessions() as session, session.begin():
        await session.execute(
            update_rows(table(InboxUpdate)).where(table(InboxUpdate).c.update_id == 3000).values(processed_at=now)
        )
    assert sorted(o.text for o in await undelivered(services)) == ["failed", "in flight", "reminder"]


@pytest.fixture
def several_replicas(database_url: str) -> None:
    """Replicas share a PostgreSQL database; SQLite serves one process."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL (SQLite serves one process)")


async def start_without_outbox_loop(application: WerkApplication) -> None:
    """As `start_application` in webhook mode, with its background outbox drain stopped: the test
    calls `drain_outbox` itself, at the moments it chooses."""
    await start_application(application, polling=False)
    for task in application.bot_data.background:
        task.cancel()
    await asyncio.gather(*application.bot_data.background, return_exceptions=True)
    application.bot_data.background.clear()


async def test_the_outbox_drain_does_not_resend_a_message_this_process_is_sending(
    fake: FakeBotAPI, services: Services
) -> None:
    """In polling mode a reply is recorded as delivered right after Telegram accepted it; while the
    call is under way (a slow API, a flood wait) the drain must leave the message alone."""
    application = build_application(services)
    await start_without_outbox_loop(application)
    try:
        async with services.sessions() as session, session.begin():
            row = message_row(chat_id=3003, direction="out", kind="text", text="even geduld", update_id=None)
            await session.execute(insert(table(Message)), [row])
        (pending,) = await undelivered(services)
        fake.delay_next("sendMessage", 0.5)
        sender = application.bot_data.sender
        assert sender is not None
        sending = asyncio.create_task(sender.deliver([pending]))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003)  # under way, not answered yet
        await drain_outbox(application)
        await sending
        await drain_outbox(application)  # delivered by now: nothing left to send
        assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 3003]) == 1
        assert await undelivered(services) == []
    finally:
        await stop_application(application)


@pytest.mark.usefixtures("several_replicas")
async def test_two_replicas_draining_at_once_send_an_undelivered_message_once(
    fake: FakeBotAPI, services: Services
) -> None:
    """A message whose sending failed is retried by the outbox drain of whichever replica gets there
    first; drains of two replicas at the same moment send it once."""
    replicas = [build_application(services), build_application(services)]  # a Sender each, as in two processes
    for application in replicas:
        await start_without_outbox_loop(application)
    try:
        async with services.sessions() as session, session.begin():
            row = message_row(chat_id=3003, direction="out", kind="text", text="nog een keer", attempts=1)
            await session.execute(insert(table(Message)), [row])
        fake.delay_next("sendMessage", 0.3)
        await asyncio.gather(*(drain_outbox(application) for application in replicas))
        assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 3003]) == 1
        assert await undelivered(services) == []
    finally:
        for application in replicas:
            await stop_application(application)


@pytest.mark.usefixtures("several_replicas")
async def test_while_another_replica_drains_the_outbox_reminders_wait_too(fake: FakeBotAPI, services: Services) -> None:
    """The timers (a case waiting too long, re-announced) run on the replica that holds the drain's
    lock; what is in the outbox is sent by the paced sender of any replica, each message once."""
    application = build_application(services)
    await start_without_outbox_loop(application)
    try:
        async with services.sessions() as session, session.begin():
            await add_coach(session, 501, "Fatima", "ar", staff=False)
        await process(services, Incoming(7001, 7001, "button", data=COACH_YES, first_name="Amal"))
        async with services.sessions() as session, session.begin():
            await session.execute(update_rows(Timer).values(due_at=utcnow() - timedelta(minutes=1)))
        async with one_replica_at_a_time(services.engine, "outbox drain") as other_replica:
            assert other_replica
            await drain_outbox(application)  # the lock is taken: not the timers; the first card is sent
            assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 501]) == 1
            async with services.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(Timer).where(Timer.done_at.is_(None))) == 1
        await drain_outbox(application)
        texts = [c["text"] for c in fake.calls("sendMessage") if int(c["chat_id"]) == 501]
        assert len(texts) == 2  # the announcement of the case and its re-announcement, once each
        assert all("#1" in text for text in texts)
        await drain_outbox(application)
        assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 501]) == 2
    finally:
        await stop_application(application)


async def test_the_inbox_is_vacuumed_as_updates_come_in(
    fake: FakeBotAPI,
    services: Services,
    local_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL: every VACUUM_AFTER stored updates the inbox is vacuumed; a failed vacuum is logged
    and tried again with the next round."""
    import bot.tg.inbox

    if not database_url.startswith("postgresql"):
        pytest.skip("VACUUM is PostgreSQL's; SQLite's inbox needs none")
    monkeypatch.setattr(bot.tg.inbox, "VACUUM_AFTER", 3)
    monkeypatch.setattr(bot.tg.inbox, "VACUUM_CHECK", 0.05)
    real, calls = bot.tg.inbox.vacuum, []

    async def first_fails(engine: Any, table: Any) -> None:
        calls.append(table.name)
        if len(calls) == 1:
            raise OperationalError("VACUUM", None, OSError("connection reset"))
        await real(engine, table)

    monkeypatch.setattr(bot.tg.inbox, "vacuum", first_fails)

    async def vacuums() -> int:
        async with services.engine.connect() as connection:
            query = text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'inbox'")
            return int((await connection.execute(query)).scalar() or 0)

    before = await vacuums()  # the tables outlive a test (emptied, not dropped): count from here
    for round_ in range(2):  # the first round's vacuum fails, the second's runs
        for n in range(3):
            update = tg.text_update(tg.user(3100 + 10 * round_ + n, "Omar"), "dank je wel")
            update["update_id"] = 2400 + 10 * round_ + n
            assert await fake.deliver_webhook_update(update, url=local_url) == 200
        await fake.wait_for("sendMessage", ok=True, count=3 * (round_ + 1))
        for _ in range(100):
            if len(calls) > round_:
                break
            await asyncio.sleep(0.05)
    assert calls == ["inbox", "inbox"]
    assert any("could not vacuum the inbox: OperationalError" in r.getMessage() for r in caplog.records)
    for _ in range(100):
        if await vacuums() > before:
            break
        await asyncio.sleep(0.05)
    assert await vacuums() == before + 1


async def test_connections_cut_under_the_workers_are_replaced_and_nothing_is_lost(
    fake: FakeBotAPI, services: Services, local_url: str, database_url: str
) -> None:
    """PostgreSQL restarted while the bot has pooled connections: an update that meets a dead
    connection gets 503 (Telegram delivers it again), the next transactions reconnect, and every
    update is answered once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connections to cut")
    first = tg.text_update(SARA, "ik wil CV maken")
    first["update_id"] = 2600
    assert await fake.deliver_webhook_update(first, url=local_url) == 200
    await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 3003, ok=True)
    assert await processed_at(services, 2600) is not None
    await cut_database_connections(database_url)
    chats = [tg.user(3100 + n, f"N{n}", language_code="nl") for n in range(6)]
    updates = [tg.text_update(who, "ik wil CV maken") for who in chats]
    for n, update in enumerate(updates):
        update["update_id"] = 2601 + n
    statuses: dict[int, list[int]] = {}
    for update in updates:
        for _ in range(10):  # as Telegram: again after an answer other than 200
            status = await fake.deliver_webhook_update(update, url=local_url)
            statuses.setdefault(int(update["update_id"]), []).append(status)
            if status == 200:
                break
            await asyncio.sleep(0.2)
    assert all(s[-1] == 200 for s in statuses.values()), statuses
    assert all(set(s) <= {200, 503} for s in statuses.values()), statuses
    replies = await fake.wait_for(
        "sendMessage", lambda p: 3100 <= int(p["chat_id"]) < 3106, ok=True, count=len(chats), timeout=20
    )
    assert sorted(int(p["chat_id"]) for p in replies) == [3100 + n for n in range(6)]
    for update in updates:
        assert await processed_at(services, int(update["update_id"])) is not None
    await asyncio.sleep(0.5)  # a duplicate would have been sent by now
    answered = [int(c["chat_id"]) for c in fake.calls("sendMessage") if 3100 <= int(c["chat_id"]) < 3106]
    assert sorted(answered) == [3100 + n for n in range(6)]  # each once

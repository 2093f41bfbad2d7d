"""The production topology without Docker: PostgreSQL, two `werkhelpdesk run` processes in webhook mode
behind one webhook, and a local stand-in for the Rasa server. Updates alternate between the replicas:
no reply is lost or duplicated, every chat's replies come in order, and a handoff works across them."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.handoff.coaches import add_coach
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import Services
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok

SECRET = "replica-test-secret-0123"
QUESTIONS = ["ik wil CV maken", "dank je wel", "Hoe kan ik mijn diploma laten waarderen?", "ik wil CV maken"]
EXPECTED = [("cv_help", "start"), ("thanks", "start"), ("diploma_recognition", "start"), ("cv_help", "start")]


async def replies_to(fake: FakeBotAPI, chat_id: int, count: int, seconds: float = 30.0) -> None:
    """Wait until `count` messages to `chat_id` went through (marks are not shared between chats)."""
    for _ in range(int(seconds * 20)):
        sent = [
            r
            for r in fake.requests
            if r.method == "sendMessage" and r.status == 200 and int(r.params["chat_id"]) == chat_id
        ]
        if len(sent) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {chat_id}: fewer than {count} replies after {seconds} s")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_url": "https://werkhelpdesk.example/webhook", "webhook_secret": SECRET}


@pytest.fixture
async def rasa_stand_in(embedded: EmbeddedClassifier) -> AsyncIterator[tuple[str, list[str]]]:
    """Answers POST /model/parse in Rasa's JSON shape (using the embedded model to decide)."""
    seen: list[str] = []

    async def parse(request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        seen.append(text)
        result = embedded.predict(text)
        return web.json_response(
            {
                "text": text,
                "intent": {"name": result.intent, "confidence": result.confidence},
                "intent_ranking": [{"name": i, "confidence": c} for i, c in result.ranking],
                "entities": [],
            }
        )

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


@pytest.fixture
async def replicas(
    services: Services, fake: FakeBotAPI, rasa_stand_in: tuple[str, list[str]], database_url: str
) -> AsyncIterator[list[str]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database (the production topology); SQLite serves one process")
    settings = services.settings
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl", staff=False)
    processes: list[asyncio.subprocess.Process] = []
    urls: list[str] = []
    for _ in range(2):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "LOCALES_DIR": str(settings.locales_dir),
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "WEBHOOK_URL": settings.webhook_url,
            "WEBHOOK_SECRET": SECRET,
            "WEB_PORT": str(port),
            "RASA_URL": rasa_stand_in[0],
        }
        processes.append(await start_werkhelpdesk(env, "run"))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            await wait_until_ok(f"{url}/readyz")
        yield [f"{url}/webhook" for url in urls]
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0, stderr.decode()[-2000:]


async def test_two_replicas_lose_nothing_duplicate_nothing_and_keep_order(
    fake: FakeBotAPI, services: Services, replicas: list[str], rasa_stand_in: tuple[str, list[str]]
) -> None:
    users = [tg.user(7000 + i, f"User{i}", language_code="nl") for i in range(6)]

    async def conversation(index: int, user: dict[str, Any]) -> None:
        for turn, question in enumerate(QUESTIONS):
            replica = replicas[(index + turn) % 2]  # alternate replicas within one chat
            assert await fake.deliver_webhook_update(tg.text_update(user, question), url=replica) == 200
            await replies_to(fake, user["id"], turn + 1)

    await asyncio.gather(*(conversation(i, u) for i, u in enumerate(users)))
    await asyncio.sleep(1.0)
    for user in users:
        sent = [c["text"] for c in fake.calls("sendMessage") if int(c["chat_id"]) == user["id"]]
        assert sent == [services.flows.text(flow, node, "nl") for flow, node in EXPECTED]
    assert len(rasa_stand_in[1]) >= len(users) * len(QUESTIONS)  # the NLU went through the Rasa API


async def test_redelivery_to_the_other_replica_is_not_answered_twice(fake: FakeBotAPI, replicas: list[str]) -> None:
    update = tg.text_update(tg.user(7100, "Noor", language_code="nl"), "ik wil CV maken")
    update["update_id"] = 555_000
    assert await fake.deliver_webhook_update(update, url=replicas[0]) == 200
    assert await fake.deliver_webhook_update(update, url=replicas[1]) == 200
    await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 7100, ok=True, timeout=30)
    await asyncio.sleep(1.5)
    assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == 7100]) == 1


async def test_handoff_across_replicas(fake: FakeBotAPI, replicas: list[str]) -> None:
    amal = tg.user(7200, "Amal", language_code="nl")
    fatima = tg.user(501, "Fatima", language_code="nl")

    async def send(update: dict[str, Any], replica: int, to: int, count: int = 1) -> list[dict[str, Any]]:
        fake.mark()
        assert await fake.deliver_webhook_update(update, url=replicas[replica]) == 200
        return await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == to, ok=True, count=count, timeout=30)

    await send(tg.callback_update(amal, "a:coach_yes"), 0, 501)  # the newcomer queues on replica A
    await send(tg.command_update(fatima, "claim"), 1, 7200)  # the coach claims on replica B
    (relayed,) = await send(tg.text_update(fatima, "Hallo Amal"), 0, 7200)
    assert relayed["text"] == "Fatima: Hallo Amal"
    (back,) = await send(tg.text_update(amal, "Dank je, ik heb een vraag"), 1, 501)
    assert back["text"] == "#1 Amal: Dank je, ik heb een vraag"

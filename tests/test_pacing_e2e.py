"""Outbound pacing end to end: the bot's paced sender against the fake Bot API, with small limits
from the settings; the intervals are those the fake saw between the messages it received."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, insert, select

from bench.rates import SendRates, most_in_window
from bot.db.models import Message
from bot.db.queries import table
from bot.outbox import PRIORITY_ANSWER, PRIORITY_BACKGROUND, message_row
from bot.services import Services
from bot.tg.app import WerkApplication, build_application, start_application, stop_application
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI

CHAT, GROUP, BOT = 0.5, 1.0, 0.05  # seconds between messages, from the settings below
# A message may reach the fake later than planned (a busy machine), the next one on time: the
# intervals seen are allowed to shrink this much (unpaced, they would be milliseconds).
SLACK = 0.4


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "send_per_chat_per_second": 1 / CHAT,
        "send_per_group_per_minute": 60 / GROUP,
        "send_per_bot_per_second": 1 / BOT,
    }


@pytest.fixture
async def replicas(fake: FakeBotAPI, services: Services, database_url: str) -> AsyncIterator[list[WerkApplication]]:
    """Two replicas (a sender each) on PostgreSQL, one on SQLite; webhook mode, so no polling."""
    count = 2 if database_url.startswith("postgresql") else 1
    applications = [build_application(services) for _ in range(count)]
    for application in applications:
        await start_application(application, polling=False)
    try:
        yield applications
    finally:
        for application in applications:
            await stop_application(application)


async def store(services: Services, *messages: tuple[int, str], priority: int = 1) -> None:
    rows = [
        message_row(chat_id=chat, direction="out", kind="text", text=text, priority=priority) for chat, text in messages
    ]
    async with services.sessions() as session, session.begin():
        await session.execute(insert(table(Message)), rows)


def received(fake: FakeBotAPI) -> list[tuple[int, float, str]]:
    """(chat, arrival time, text) of every message the fake accepted, in arrival order."""
    return [
        (int(r.params["chat_id"]), r.at, str(r.params["text"]))
        for r in fake.requests
        if r.method == "sendMessage" and r.status == 200
    ]


async def wait_for_all(fake: FakeBotAPI, count: int, timeout: float = 30.0) -> list[tuple[int, float, str]]:  # noqa: ASYNC109
    await fake.wait_for("sendMessage", count=count, ok=True, timeout=timeout)
    await asyncio.sleep(3 * BOT)  # and nothing more after them
    return received(fake)


async def undelivered(services: Services, timeout: float = 10.0) -> int:  # noqa: ASYNC109
    """Stored messages not recorded as delivered, once the senders have had `timeout` to record what Telegram
    accepted (an outcome is recorded a moment after the send: on a busy machine later than the fake saw it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with services.sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Message).where(Message.delivered_at.is_(None)))
        if not left or asyncio.get_running_loop().time() > deadline:
            return int(left or 0)
        await asyncio.sleep(0.1)


async def test_chat_group_and_bot_limits_hold_for_every_replica(
    fake: FakeBotAPI, services: Services, replicas: list[WerkApplication]
) -> None:
    """40 messages to 8 chats and 5 to a group, sent by one replica (SQLite) or two (PostgreSQL):
    each arrives once, each chat's in order, within the per chat, per group and per bot limits."""
    fake.mark()
    expected = [(100 + i % 8, f"m{i}") for i in range(40)] + [(-100500, f"g{i}") for i in range(5)]
    await store(services, *expected)
    got = await wait_for_all(fake, len(expected))
    assert sorted((c, t) for c, _, t in got) == sorted(expected)  # nothing lost, nothing twice
    for chat in {c for c, _ in expected}:
        texts = [t for c, _, t in got if c == chat]
        assert texts == [t for c, t in expected if c == chat]  # in order
        times = [at for c, at, _ in got if c == chat]
        interval = GROUP if chat < 0 else CHAT
        # paced, a window of two intervals holds two sends; one late arrival at the fake (a busy
        # machine) can make it three; unpaced, all five would arrive at once
        assert most_in_window(times, 2 * interval) <= 3
        assert min(b - a for a, b in itertools.pairwise(times)) >= interval * (1 - 2 * SLACK) > 0
    every = sorted(at for _, at, _ in got)
    assert most_in_window(every, 2.0) <= 2 / BOT + 2  # +2: late arrivals at the fake
    assert every[-1] - every[0] >= (len(every) - 1) * BOT * (1 - SLACK)  # paced, not in one burst
    rates = SendRates()
    rates.extend((c, at) for c, at, _ in got)
    assert rates.summary()["max_per_chat_per_second"] <= 1 / CHAT + 1
    assert await undelivered(services) == 0
    if len(replicas) > 1:
        assert len({id(a.bot_data.sender) for a in replicas}) == 2


async def test_a_newcomers_answer_is_not_delayed_by_a_burst_of_re_announcements(
    fake: FakeBotAPI, services: Services, replicas: list[WerkApplication]
) -> None:
    """50 re-announced cards (to the group and to 40 coaches) are queued before a newcomer's answer:
    the answer goes out at once, long before the burst is through."""
    fake.mark()
    await store(services, *((-100500, f"card {i}") for i in range(10)), priority=PRIORITY_BACKGROUND)
    await store(services, *((3000 + i, f"card {i}") for i in range(10, 50)), priority=PRIORITY_BACKGROUND)
    await fake.wait_for("sendMessage", count=3, ok=True)  # the burst is under way
    await store(services, (4242, "het antwoord"), priority=PRIORITY_ANSWER)
    got = await wait_for_all(fake, 51)
    order = [t for _, _, t in got]
    assert order.index("het antwoord") < 12  # the next claim takes it: 0.2 s of bot-wide slots at most
    answer_at = next(at for _, at, t in got if t == "het antwoord")
    assert got[-1][1] - answer_at > 1.0  # the burst was still going


async def test_a_429_is_honoured_and_nothing_is_sent_twice(
    fake: FakeBotAPI, services: Services, replicas: list[WerkApplication]
) -> None:
    fake.mark()
    fake.fail_next("sendMessage", status=429, retry_after=1)
    await store(services, (5005, "first"), (5005, "second"))
    await fake.wait_for("sendMessage", count=2, ok=True, timeout=20)
    calls = [r for r in fake.requests if r.method == "sendMessage" and int(r.params["chat_id"]) == 5005]
    assert [(r.params["text"], r.status) for r in calls] == [("first", 429), ("first", 200), ("second", 200)]
    assert calls[1].at - calls[0].at >= 1.0 - 0.01  # retry_after, as Telegram asked
    await asyncio.sleep(0.3)
    assert len([r for r in fake.requests if r.method == "sendMessage"]) == 3


async def test_a_newcomers_turn_goes_through_the_paced_sender(
    fake: FakeBotAPI, services: Services, replicas: list[WerkApplication]
) -> None:
    """The inbox's reply to an update is sent by the paced sender and recorded as delivered."""
    application = replicas[0]
    newcomer = tg.user(6006, "Amal", language_code="nl")
    from bot.tg.inbox import Inbox

    inbox = Inbox(application, services)
    await inbox.start()
    try:
        fake.mark()
        await inbox.store([(9001, {**tg.text_update(newcomer, "hallo"), "update_id": 9001})])
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 6006, ok=True)
    finally:
        await inbox.stop()
    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(Message.priority, Message.delivered_at).where(
                    Message.chat_id == 6006, Message.direction == "out"
                )
            )
        ).all()
    assert rows
    assert all(priority == PRIORITY_ANSWER and delivered is not None for priority, delivered in rows)

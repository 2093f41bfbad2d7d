"""Outbound pacing, claim by claim with a controlled clock (bot.outbox.claim): the send times it books
keep Telegram's limits per chat, per group and per bot, also for two replicas claiming at once; an
answer goes before a burst of re-announcements; a chat with many messages does not starve others;
a 429's retry_after is kept; every message is claimed once."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.rates import most_in_window
from bot.db.engine import create_engine
from bot.db.models import Message, utcnow
from bot.db.queries import table
from bot.messages import Plain, Reply
from bot.outbox import (
    PRIORITY_ANSWER,
    PRIORITY_BACKGROUND,
    PRIORITY_OTHER,
    Booking,
    Claimed,
    Outbox,
    Outcome,
    Pace,
    _lock_bot_row,
    book_written,
    claim,
    message_row,
)
from bot.render import Renderer
from bot.services import Services

TICK = timedelta(seconds=0.05)  # the simulated sender claims this often
DOCUMENTED = Pace(chat=1.0, group=3.0, bot=1 / 30)  # 1/s per chat, 20/min per group, 30/s per bot


async def queue(engine: AsyncEngine, *messages: tuple[int, str], priority: int = PRIORITY_OTHER) -> None:
    rows = [
        message_row(chat_id=chat, direction="out", kind="text", text=text, priority=priority) for chat, text in messages
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(table(Message)), rows)


async def run_sender(
    engine: AsyncEngine, pace: Pace, start: datetime, seconds: float, *, tick: timedelta = TICK
) -> list[Claimed]:
    """A sender on a simulated clock: claims every tick, each claimed message delivered at once."""
    sent: list[Claimed] = []
    outcomes: list[Outcome] = []
    now = start
    while now < start + timedelta(seconds=seconds):
        result = await claim(engine, now, pace, outcomes)
        outcomes = [Outcome(c.out, "delivered", 1) for c in result.claimed]
        sent += result.claimed
        now += tick
        await asyncio.sleep(0)  # let another simulated replica claim in between
    await claim(engine, now, pace, outcomes, limit=0)
    return sent


def seconds(times: Sequence[datetime], start: datetime) -> list[float]:
    return sorted((t - start).total_seconds() for t in times)


def gaps(times: Sequence[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def undelivered_count(engine: AsyncEngine) -> int:
    messages = table(Message)
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(messages).where(messages.c.delivered_at.is_(None))
        )
    return int(count or 0)


async def test_one_chat_gets_one_message_a_second_in_order(services: Services) -> None:
    engine = services.engine
    await queue(engine, *((42, f"part {i}") for i in range(6)))
    start = utcnow()
    sent = await run_sender(engine, DOCUMENTED, start, 8)
    assert [c.out.text for c in sent] == [f"part {i}" for i in range(6)]  # each once, in order
    assert min(gaps(seconds([c.send_at for c in sent], start))) >= 1.0 - 1e-6
    assert await undelivered_count(engine) == 0


async def test_a_group_gets_at_most_twenty_messages_a_minute(services: Services) -> None:
    engine = services.engine
    await queue(engine, *((-100123, f"card {i}") for i in range(25)))
    start = utcnow()
    sent = await run_sender(engine, DOCUMENTED, start, 80, tick=timedelta(seconds=0.5))
    times = seconds([c.send_at for c in sent], start)
    assert len(sent) == 25
    assert min(gaps(times)) >= 3.0 - 1e-6
    assert most_in_window(times, 60.0) <= 20


async def test_the_bot_sends_at_most_thirty_messages_a_second(services: Services) -> None:
    engine = services.engine
    await queue(engine, *((1000 + i, "hallo") for i in range(100)))
    start = utcnow()
    sent = await run_sender(engine, DOCUMENTED, start, 5)
    times = seconds([c.send_at for c in sent], start)
    assert len(sent) == 100
    assert len({c.out.id for c in sent}) == 100
    assert min(gaps(times)) >= 1 / 30 - 1e-6
    assert most_in_window(times, 1.0) <= 30


async def test_small_limits_from_the_settings() -> None:
    from bot.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        send_per_chat_per_second=2,
        send_per_group_per_minute=6,
        send_per_bot_per_second=4,
    )
    assert Pace.of(settings) == Pace(chat=0.5, group=10.0, bot=0.25)
    assert Pace.of(Settings(_env_file=None)) == DOCUMENTED  # type: ignore[call-arg]


async def test_an_answer_goes_before_a_burst_of_re_announcements(services: Services) -> None:
    """The timers re-announce 50 cases (cards to 40 coaches and 10 to the group, no update); then a
    newcomer's answer is stored: it is the next message sent."""
    renderer = Renderer(services.translator, services.flows)
    async with services.sessions() as session, session.begin():
        timers = Outbox(session, renderer, None)
        for i in range(50):
            chat = -100999 if i < 10 else 2000 + i
            timers.reply(None, chat, "nl", Reply(Plain(f"case {i}")), kind="card")
        await timers.write()
    start = utcnow()
    first = await claim(services.engine, start, DOCUMENTED)  # the burst has begun
    assert first.claimed
    assert all(c.out.text.startswith("case") for c in first.claimed)
    async with services.sessions() as session, session.begin():
        turn = Outbox(session, renderer, 77)
        turn.incoming(user_id=None, chat_id=5005, kind="text", text="hoi", update_id=77)
        turn.reply(None, 5005, "nl", Reply(Plain("het antwoord")))
        turn.reply(None, 2001, "nl", Reply(Plain("a card for a coach")), kind="card")
        await turn.write()
    async with services.engine.connect() as connection:
        priorities = dict((await connection.execute(select(Message.text, Message.priority))).all())
    assert priorities["het antwoord"] == PRIORITY_ANSWER
    assert priorities["a card for a coach"] == PRIORITY_OTHER
    assert priorities["case 0"] == PRIORITY_BACKGROUND
    delivered = [Outcome(c.out, "delivered", 1) for c in first.claimed]
    later = await claim(services.engine, start + TICK, DOCUMENTED, delivered)
    assert later.claimed[0].out.text == "het antwoord"
    assert later.claimed[0].send_at == min(c.send_at for c in later.claimed)


async def test_a_chat_with_many_messages_does_not_starve_the_others(services: Services) -> None:
    """One chat has 20 messages waiting, then three other chats one each (same priority, later): with
    room for 2 messages a second, each of the three goes out before the busy chat's third message."""
    engine = services.engine
    await queue(engine, *((7000, f"busy {i}") for i in range(20)))
    await queue(engine, (7001, "one"), (7002, "two"), (7003, "three"))
    start = utcnow()
    sent = await run_sender(engine, Pace(chat=1.0, group=3.0, bot=0.5), start, 6)
    order = [c.out.text for c in sent]
    assert {"one", "two", "three"} <= set(order[: order.index("busy 2")])


async def test_a_429_keeps_the_chat_waiting_until_retry_after(services: Services) -> None:
    engine = services.engine
    await queue(engine, (8000, "first"), (8000, "second"), (8001, "elsewhere"))
    start = utcnow()
    result = await claim(engine, start, DOCUMENTED)
    by_text = {c.out.text: c for c in result.claimed}
    assert set(by_text) == {"first", "elsewhere"}
    retry_at = start + timedelta(seconds=7)
    outcomes = [
        Outcome(by_text["first"].out, "retry", not_before=retry_at),
        Outcome(by_text["elsewhere"].out, "delivered", 1),
    ]
    await claim(engine, start + TICK, DOCUMENTED, outcomes, limit=0)
    sent = await run_sender(engine, DOCUMENTED, start + TICK, 10)
    assert [c.out.text for c in sent] == ["first", "second"]  # in order, after the wait
    assert sent[0].send_at >= retry_at
    async with engine.connect() as connection:
        attempts = await connection.scalar(select(Message.attempts).where(Message.text == "first"))
    assert attempts == 1  # the 429 was not counted as a failed attempt, the delivery was


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(services: Services) -> None:
    """A replica that claimed a message and died: another sends it once the lease is over."""
    engine = services.engine
    await queue(engine, (9000, "orphan"))
    start = utcnow()
    (taken,) = (await claim(engine, start, DOCUMENTED, lease=30)).claimed
    assert (await claim(engine, start + timedelta(seconds=10), DOCUMENTED)).claimed == []
    (again,) = (await claim(engine, start + timedelta(seconds=31), DOCUMENTED)).claimed
    assert again.out.id == taken.out.id


async def test_two_replicas_claiming_at_once_keep_the_limits(services: Services, database_url: str) -> None:
    """PostgreSQL, two engines as two replicas: together they send each message once, within every limit."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL (SQLite serves one process)")
    engine = services.engine
    await queue(engine, *((3000 + i % 10, f"m{i}") for i in range(60)))
    await queue(engine, *((-100777, f"g{i}") for i in range(4)))
    other = create_engine(database_url)
    try:
        start = utcnow()
        a, b = await asyncio.gather(run_sender(engine, DOCUMENTED, start, 11), run_sender(other, DOCUMENTED, start, 11))
    finally:
        await other.dispose()
    assert a
    assert b
    sent = a + b
    assert sorted(c.out.text for c in sent) == sorted([f"m{i}" for i in range(60)] + [f"g{i}" for i in range(4)])
    every = seconds([c.send_at for c in sent], start)
    assert min(gaps(every)) >= 1 / 30 - 1e-6
    for chat in {c.out.chat_id for c in sent}:
        mine = seconds([c.send_at for c in sent if c.out.chat_id == chat], start)
        assert min(gaps(mine), default=99) >= (3.0 if chat < 0 else 1.0) - 1e-6
    assert await undelivered_count(engine) == 0


async def write_and_claim(
    engine: AsyncEngine, now: datetime, *messages: tuple[int, str], lease: float = 120.0
) -> list[Claimed]:
    """As a turn does: the replies written and claimed for this replica by the same INSERT."""
    rows = [message_row(chat_id=chat, direction="out", kind="text", text=text) for chat, text in messages]
    async with engine.begin() as connection:
        return await book_written(connection, rows, Booking(DOCUMENTED, lease=lease, now=now))


async def test_replies_claimed_where_they_are_written_keep_the_limits_and_the_order(services: Services) -> None:
    """A turn's replies are claimed in its own transaction (no claim after it), within the same
    limits as `claim`; a chat with an older message still to send is left to `claim`, in order."""
    engine = services.engine
    await queue(engine, (8001, "warm-up"))
    start = utcnow()
    (warm_up,) = (await claim(engine, start, DOCUMENTED)).claimed
    await claim(engine, start, DOCUMENTED, [Outcome(warm_up.out, "delivered", 1)], limit=0)
    await queue(engine, (8000, "older"))  # not sent yet
    now = start + timedelta(seconds=1)
    handed = await write_and_claim(
        engine, now, (8000, "newer"), (8001, "again"), *((8100 + i, f"n{i}") for i in range(20))
    )
    texts = [c.out.text for c in handed]
    assert "newer" not in texts  # "older" goes first
    assert "again" in texts  # its chat's last send was a second ago: its turn
    assert texts.index("again") == 0  # the oldest first
    assert len(handed) <= 0.2 * 30 + 1  # the bot's limit within the claim's horizon
    every = seconds([c.send_at for c in handed], start)
    assert min(gaps(every)) >= 1 / 30 - 1e-6
    await claim(engine, now, DOCUMENTED, [Outcome(c.out, "delivered", 1) for c in handed], limit=0)  # sent
    later = await run_sender(engine, DOCUMENTED, now, 3)
    assert min(c.send_at for c in later) >= max(c.send_at for c in handed) + timedelta(seconds=1 / 30) - TICK
    sent = handed + later
    assert sorted(c.out.text for c in sent) == sorted(["older", "newer", "again", *(f"n{i}" for i in range(20))])
    for chat in {c.out.chat_id for c in sent}:
        assert min(gaps(seconds([c.send_at for c in sent if c.out.chat_id == chat], start)), default=99) >= 1 - 1e-6
    assert await undelivered_count(engine) == 0


async def test_replies_claimed_by_a_replica_that_died_are_sent_by_another_once(services: Services) -> None:
    """The replica that claimed its replies where it wrote them dies before sending: another replica's
    sender (or the restarted one) sends them once their lease is over, each once."""
    engine = services.engine
    await queue(engine, (8200, "warm-up"))
    start = utcnow()
    await run_sender(engine, DOCUMENTED, start, 0.1)  # the bot-wide row exists
    now = start + timedelta(seconds=1)
    handed = await write_and_claim(engine, now, (8201, "answer"), (8202, "other answer"), lease=30)
    assert {c.out.text for c in handed} == {"answer", "other answer"}
    assert (await claim(engine, now + timedelta(seconds=10), DOCUMENTED)).claimed == []
    again = await run_sender(engine, DOCUMENTED, now + timedelta(seconds=31), 1)
    assert sorted(c.out.id for c in again) == sorted(c.out.id for c in handed)
    assert await undelivered_count(engine) == 0


async def test_claiming_where_written_never_waits_for_another_claim(services: Services, database_url: str) -> None:
    """PostgreSQL: while another replica's claim holds the bot-wide row, a turn claims nothing
    (its replies go to the sender's claim) instead of waiting with its transaction open."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: no other claim runs during a turn")
    engine = services.engine
    await queue(engine, (8300, "warm-up"))
    await run_sender(engine, DOCUMENTED, utcnow(), 0.1)
    async with engine.begin() as other:
        await _lock_bot_row(other)  # another claim, in progress
        handed = await asyncio.wait_for(write_and_claim(engine, utcnow(), (8301, "answer")), 5)
    assert handed == []
    (later,) = await run_sender(engine, DOCUMENTED, utcnow(), 0.1)
    assert later.out.text == "answer"


async def test_replies_a_turn_wrote_before_its_last_insert_are_booked_first_and_in_order(services: Services) -> None:
    """A turn may write some rows itself (with their ids) before the batch's INSERT: they are its
    chat's oldest, so they are booked (claimed by an UPDATE) before the rows of the INSERT, and the
    chat is not taken for one with something older waiting."""
    engine = services.engine
    await queue(engine, (8400, "warm-up"))
    await run_sender(engine, DOCUMENTED, utcnow(), 0.1)  # the bot-wide row exists
    now = utcnow() + timedelta(seconds=1)
    early = message_row(chat_id=8401, direction="out", kind="text", text="early")
    later = [message_row(chat_id=c, direction="out", kind="text", text=t) for c, t in ((8401, "later"), (8402, "x"))]
    async with engine.begin() as connection:
        (early["id"],) = (
            (await connection.execute(insert(table(Message)).returning(table(Message).c.id), [early])).scalars().all()
        )
        handed = await book_written(connection, later, Booking(DOCUMENTED, now=now), [early])
    assert [c.out.text for c in handed if c.out.chat_id == 8401] == ["early"]  # "later": after its chat's interval
    assert {c.out.text for c in handed} == {"early", "x"}
    assert (await claim(engine, now, DOCUMENTED)).claimed == []  # both claimed already; "later" waits for "early"
    again = await run_sender(engine, DOCUMENTED, now + timedelta(seconds=200), 3)  # their leases are over
    assert sorted(c.out.text for c in again) == ["early", "later", "x"]
    assert [c.out.text for c in again if c.out.chat_id == 8401] == ["early", "later"]

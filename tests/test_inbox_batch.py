"""The inbox runs several chats' turns in one transaction (issue 18: a storage detail under the one
router). A turn that fails rolls the batch back and every update of it is handled on its own: the
others answered once, in order per chat, the failing one with the kind "sorry" as without a batch."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot import pipeline
from bot.db.models import InboxUpdate, Message, ProcessedUpdate
from bot.handoff.coaches import add_coach
from bot.pipeline import Incoming, Result
from bot.services import Services
from bot.tg.app import WerkApplication, build_application, start_application, stop_application
from bot.tg.convert import to_incoming
from bot.tg.inbox import SORRY, Inbox
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI

CHATS = [tg.user(5000 + n, f"Chat{n}", language_code="nl") for n in range(6)]
FAILING = 5003
SAYS = ["ik wil CV maken", "Hoe kan ik mijn diploma laten waarderen?"]


@pytest.fixture
async def application(services: Services) -> AsyncIterator[WerkApplication]:
    application = build_application(services)
    await start_application(application, polling=False)
    try:
        yield application
    finally:
        await stop_application(application)


def batches_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch the inbox ran."""
    sizes: list[int] = []
    original = Inbox._turns

    async def spy(self: Inbox, incomings: Sequence[Incoming]) -> list[Result] | None:
        sizes.append(len(incomings))
        return await original(self, incomings)

    monkeypatch.setattr(Inbox, "_turns", spy)
    return sizes


async def store_all(inbox: Inbox) -> None:
    """Two updates per chat, stored before the workers start (so they are taken together)."""
    update_id = 7000
    for text in SAYS:
        for user in CHATS:
            update = tg.text_update(user, text)
            update["update_id"] = update_id
            await inbox.store([(update_id, update)])
            update_id += 1


def texts_to(fake: FakeBotAPI, chat_id: int) -> list[str]:
    return [str(c["text"]) for c in fake.calls("sendMessage") if int(c["chat_id"]) == chat_id]


async def wait_until_processed(services: Services, count: int) -> None:
    for _ in range(400):
        async with services.sessions() as session:
            done = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.processed_at.is_not(None))
            )
        if done == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{done} of {count} updates processed")


async def count_rows(services: Services, model: Any, *where: Any) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_batch_answers_every_chat_once_in_order(
    fake: FakeBotAPI, services: Services, application: WerkApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = batches_seen(monkeypatch)
    inbox = Inbox(application, services, 16)
    await store_all(inbox)
    await inbox.start()
    try:
        await wait_until_processed(services, 2 * len(CHATS))
    finally:
        await inbox.stop()
    answers = [services.flows.text(flow, "start", "nl") for flow in ("cv_help", "diploma_recognition")]
    for user in CHATS:
        assert texts_to(fake, user["id"]) == answers
    assert max(sizes) > 1  # turns of several chats did share a transaction
    assert await count_rows(services, ProcessedUpdate) == 2 * len(CHATS)
    assert await count_rows(services, Message, Message.direction == "in") == 2 * len(CHATS)


async def test_a_failing_turn_in_a_batch_loses_and_duplicates_nothing_of_the_others(
    fake: FakeBotAPI, services: Services, application: WerkApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = batches_seen(monkeypatch)
    dispatch = pipeline.dispatch
    failed: list[int] = []

    async def failing(ctx: Any, routes: Any) -> str | None:
        if ctx.incoming.chat_id == FAILING:
            failed.append(ctx.incoming.chat_id)
            raise RuntimeError("a bug in one turn")
        return await dispatch(ctx, routes)

    monkeypatch.setattr(pipeline, "dispatch", failing)
    inbox = Inbox(application, services, 16)
    await store_all(inbox)
    await inbox.start()
    try:
        await wait_until_processed(services, 2 * len(CHATS))
    finally:
        await inbox.stop()
    assert max(sizes) > 1
    assert len(failed) >= 2  # inside a batch, and again on its own
    answers = [services.flows.text(flow, "start", "nl") for flow in ("cv_help", "diploma_recognition")]
    sorry = services.translator.gettext("nl", SORRY)
    for user in CHATS:
        expected = [sorry, sorry] if user["id"] == FAILING else answers
        assert texts_to(fake, user["id"]) == expected
    # The rolled-back batch left nothing behind: each other update's turn is stored once.
    assert await count_rows(services, Message, Message.direction == "in") == 2 * (len(CHATS) - 1)
    assert await count_rows(services, ProcessedUpdate) == 2 * (len(CHATS) - 1)


async def test_a_redelivered_update_in_a_batch_is_answered_from_the_outbox_not_again(services: Services) -> None:
    """The batch records its update ids in one statement: one processed before gets what of its
    answer is unsent, the others their turn, each transcript row written once."""
    updates = [{**tg.text_update(user, SAYS[0]), "update_id": 9000 + n} for n, user in enumerate(CHATS[:3])]
    incomings = [to_incoming(update, services.settings.coach_chat_id) for update in updates]
    first = await pipeline.process(services, incomings[0])  # its answer not sent yet
    understood = [await pipeline.understand(services, i) for i in incomings]
    async with services.engine.connect() as connection, connection.begin():
        results, _ = await pipeline.process_together(services, connection, incomings, understood, [None] * 3)
    assert [o.id for o in results[0].outgoing] == [o.id for o in first.outgoing]  # the same rows, unsent
    answer = services.flows.text("cv_help", "start", "nl")
    for result in results:
        assert [o.text for o in result.outgoing] == [answer]
    assert len({o.id for r in results for o in r.outgoing}) == 3
    assert await count_rows(services, ProcessedUpdate) == 3
    assert await count_rows(services, Message, Message.direction == "in") == 3
    assert await count_rows(services, Message, Message.direction == "out") == 3


async def run_together(services: Services, updates: Sequence[dict[str, Any]], *, commit: bool = True) -> list[Result]:
    """`process_together` as the inbox runs it, in a transaction committed or rolled back."""
    incomings = [to_incoming(update, services.settings.coach_chat_id) for update in updates]
    understood = [await pipeline.understand(services, i) for i in incomings]
    async with services.engine.connect() as connection:
        transaction = await connection.begin()
        results, _ = await pipeline.process_together(
            services, connection, incomings, understood, [None] * len(incomings)
        )
        await (transaction.commit() if commit else transaction.rollback())
    return results


async def test_a_batch_records_its_updates_as_processed_in_its_own_transaction(services: Services) -> None:
    """The inbox rows are marked processed by the turns' transaction: rolled back, they wait again
    (and nothing of the turns is kept); committed, they are processed and recorded once."""
    inbox = Inbox(build_application(services), services)
    updates = [{**tg.text_update(user, SAYS[0]), "update_id": 9100 + n} for n, user in enumerate(CHATS[:3])]
    await inbox.store([(u["update_id"], u) for u in updates])
    waiting = InboxUpdate.processed_at.is_(None)
    await run_together(services, updates, commit=False)
    assert await count_rows(services, InboxUpdate, waiting) == 3
    assert await count_rows(services, ProcessedUpdate) == 0
    assert await count_rows(services, Message) == 0
    await run_together(services, updates)
    assert await count_rows(services, InboxUpdate, waiting) == 0
    assert await count_rows(services, ProcessedUpdate) == 3
    assert await count_rows(services, Message, Message.direction == "in") == 3


@contextlib.contextmanager
def statements_of(services: Services) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", seen)


async def test_a_batch_costs_as_many_statements_for_six_turns_as_for_two(services: Services) -> None:
    """Senders read in one SELECT, the new ones inserted together, the changed rows flushed once:
    more turns in a batch, no more statements (each costs the replica CPU). SQLite inserts rows
    whose ids are returned one statement each (no ordered multi-row RETURNING): the rest counts."""
    answer = services.flows.text("cv_help", "start", "nl")
    counts = []
    for first, size in ((9200, 2), (9300, 6)):
        users = [tg.user(first + n, f"New{n}", language_code="nl") for n in range(size)]
        updates = [{**tg.text_update(user, SAYS[0]), "update_id": first + n} for n, user in enumerate(users)]
        with statements_of(services) as statements:
            results = await run_together(services, updates)
        assert [[o.text for o in r.outgoing] for r in results] == [[answer]] * size
        if services.engine.dialect.name == "sqlite":
            statements = [s for s in statements if not (s.startswith("INSERT") and "RETURNING" in s)]
        assert len([s for s in statements if s.startswith("SELECT") and "FROM users" in s]) <= 1
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_turns_after_a_coachs_turn_in_a_batch_read_their_sender_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A coach's turn may change another sender's rows (a case): the turns after it in the same
    batch read their sender again instead of using what was read for the whole batch."""
    coach = tg.user(5900, "Coach", language_code="nl")
    async with services.sessions() as session, session.begin():
        await add_coach(session, coach["id"], "Coach", "nl", staff=False)
    read_alone: list[int] = []
    original = pipeline._sender

    async def spy(session: Any, incoming: Incoming, now: Any, window: int) -> Any:
        read_alone.append(incoming.telegram_user_id)
        return await original(session, incoming, now, window)

    monkeypatch.setattr(pipeline, "_sender", spy)
    senders = [CHATS[0], coach, CHATS[1], CHATS[2]]
    updates = [{**tg.text_update(user, SAYS[0]), "update_id": 9400 + n} for n, user in enumerate(senders)]
    results = await run_together(services, updates)
    assert read_alone == [CHATS[1]["id"], CHATS[2]["id"]]
    answer = services.flows.text("cv_help", "start", "nl")
    for n in (0, 2, 3):
        assert [o.text for o in results[n].outgoing] == [answer]

"""The one path of every update. Polling (`bot.tg.polling`) and the webhook (`bot.tg.webhook`) only
store updates in the inbox table; the workers here take them — of each chat the oldest unprocessed
one, under a lease, so one chat's updates go in order and chats in parallel, on any replica — and
give each to the pipeline's one router. Several chats' turns share one transaction (a storage
detail: each turn is still one `pipeline.process`; a failing one sends the batch back to one by one).
The replies are stored with the turn (the outbox) and the update is recorded as processed in the
turn's own transaction (a lone turn's update: by the next take), then the sender sends them. A worker
that dies leaves its updates to the others once their lease runs out, and its stored replies to the
sender's claims; a redelivered update is answered from the outbox, not again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.db import inbox as table
from bot.db.engine import vacuum
from bot.db.models import InboxUpdate, utcnow
from bot.db.queries import table as table_of
from bot.languages import negotiate
from bot.messages import t_
from bot.outbox import Claimed
from bot.pipeline import Incoming, Result, process_reliably, process_together, understand
from bot.services import Services
from bot.tg.convert import to_incoming
from bot.tg.payload import chat_of
from bot.translate import conversation as machine

if TYPE_CHECKING:
    from bot.tg.app import WerkApplication

log = logging.getLogger(__name__)

TYPING_AFTER = 1.0  # seconds: "typing…" only when a reply takes longer than this
IDLE_WAIT = 0.2  # seconds between looks at the inbox when nothing woke the taker (other replicas' updates)
VACUUM_AFTER = 500  # PostgreSQL: vacuum the inbox after this many updates stored here (dead index entries)
VACUUM_CHECK = 1.0
BATCH_SIZE = 8  # updates whose turns share one transaction (fewer commits; a batch's last waits for its first)
SORRY = t_("Sorry, something went wrong on my side. Please try again in a minute.")

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Items added while a write runs are written together by the next one (one transaction)."""

    def __init__(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        self._write = write
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def add(self, items: Sequence[T]) -> None:
        """Returns once the items are committed; raises when they could not be."""
        if not items:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.extend((item, future) for item in items)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await future

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            futures = {id(f): f for _, f in batch}
            try:
                await self._write([item for item, _ in batch])
            except Exception as exc:
                for future in futures.values():
                    if not future.done():
                        future.set_exception(exc)
                continue
            for future in futures.values():
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


class Inbox:
    def __init__(self, application: WerkApplication, services: Services, workers: int | None = None) -> None:
        self._application = application
        self._services = services
        settings = services.settings
        # SQLite has one writer: a few updates at once. PostgreSQL: as many as the setting says.
        limit = workers if workers is not None else settings.webhook_workers
        self._limit = limit if services.engine.dialect.name == "postgresql" else min(limit, 4)
        self._lease = timedelta(seconds=settings.inbox_lease_seconds)
        self._writer: GroupCommit[dict[str, Any]] = GroupCommit(self._store_rows)
        self._done: list[int] = []  # processed here, recorded by the next take
        self._running: dict[int, asyncio.Task[None]] = {}  # update id -> its task
        self._chats: dict[int, asyncio.Task[None]] = {}  # chat -> the task of its latest update here
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.stored = 0  # updates committed by this replica since the start

    # storing -----------------------------------------------------------------------------------------
    async def store(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Returns once the updates are committed (so Telegram may be told they arrived)."""
        now = utcnow()
        rows = [{"update_id": u, "chat_id": _chat(p), "payload": p, "received_at": now} for u, p in updates]
        await self._writer.add(rows)

    async def _store_rows(self, rows: list[dict[str, Any]]) -> None:
        await table.store(self._services.engine, rows)
        self.stored += len(rows)
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def add_routes(self, app: web.Application) -> None:
        from bot.tg.webhook import add_route

        add_route(app, self, self._services.settings)

    # taking ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._tasks = [asyncio.create_task(self._take_loop()), asyncio.create_task(self._renew_loop())]
        if self._services.engine.dialect.name == "postgresql":
            self._tasks.append(asyncio.create_task(self._vacuum_loop()))

    async def stop(self) -> None:
        """Graceful: take nothing more, finish the updates in progress."""
        self._stopping = True
        self._wake.set()
        await asyncio.gather(*self._tasks[:1], *self._running.values(), return_exceptions=True)
        for task in self._tasks[1:]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._writer.close()
        if self._done:  # what the last take did not record (a failure here: the leases run out, retried)
            with contextlib.suppress(Exception):
                await table.done(self._services.engine, self._done, utcnow())
            self._done = []
        self._tasks.clear()

    async def _take_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            taken: list[table.Taken] = []
            done, self._done = self._done, []
            free = self._limit - len(self._running)
            try:
                now = utcnow()
                taken = await table.take(self._services.engine, now, now + self._lease, free, done)
            except Exception as exc:
                log.warning("could not take from the inbox: %s", type(exc).__name__)
                self._done[:0] = done  # recorded by the next take
            # A chat whose previous update's replies are still being sent here: its next update
            # waits for them, as it would have before the previous one was recorded as processed.
            behind = [(item, self._chats[item.chat_id]) for item in taken if item.chat_id in self._chats]
            for chunk in _chunks([item for item in taken if item.chat_id not in self._chats], BATCH_SIZE):
                self._started(chunk, asyncio.create_task(self._process_batch(chunk)))
            for item, previous in behind:
                self._started([item], asyncio.create_task(self._after(previous, item)))
            if taken and len(taken) == free and len(self._running) < self._limit:
                continue  # more may be waiting (fewer than asked for: that was all; a new one wakes us)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_WAIT)

    def _started(self, items: Sequence[table.Taken], task: asyncio.Task[None]) -> None:
        for item in items:
            self._running[item.update_id] = task
            if item.chat_id is not None:
                self._chats[item.chat_id] = task

    async def _after(self, previous: asyncio.Task[None], item: table.Taken) -> None:
        await asyncio.wait([previous])
        await self._process_batch([item])

    def _finished(self, item: table.Taken) -> None:
        task = self._running.pop(item.update_id, None)
        if task is None:
            return
        if item.chat_id is not None and self._chats.get(item.chat_id) is task:
            del self._chats[item.chat_id]
        self._wake.set()  # a worker is free (and, once recorded, that chat's next update may come)

    async def _renew_loop(self) -> None:
        """Keep the leases of the updates in progress (a reply may wait long for Telegram)."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                await table.renew(self._services.engine, list(self._running), utcnow() + self._lease)

    async def _vacuum_loop(self) -> None:
        """Each processed update's row is dead in the index of waiting ones: vacuum after a busy while."""
        vacuumed_at = 0
        while True:
            await asyncio.sleep(VACUUM_CHECK)
            if self.stored - vacuumed_at < VACUUM_AFTER:
                continue
            vacuumed_at = self.stored
            try:
                await vacuum(self._services.engine, table_of(InboxUpdate))
            except (SQLAlchemyError, OSError) as exc:
                log.warning("could not vacuum the inbox: %s", type(exc).__name__)

    # processing --------------------------------------------------------------------------------------
    async def _process_batch(self, items: Sequence[table.Taken]) -> None:
        """Several chats' updates (one each): their turns in one transaction, which records the updates
        as processed, then each one's replies sent. When a turn fails, the transaction is rolled back
        and every update of the batch goes through `handle` on its own, as if there had been no batch."""
        readable = [(item, self._read(item)) for item in items]
        skipped = [self._record(item) for item, incoming in readable if incoming is None]
        turns = [(item, incoming) for item, incoming in readable if incoming is not None]
        typing = [self._typing_timer(incoming) for _, incoming in turns]  # "typing…" until the reply is sent
        try:
            done = await self._turns([incoming for _, incoming in turns]) if turns else ([], {})
            if done is None:
                await asyncio.gather(*skipped, *(self._process(item, incoming) for item, incoming in turns))
                return
            results, claimed = done
            await asyncio.gather(
                *skipped,
                *(self._deliver(item, result, claimed) for (item, _), result in zip(turns, results, strict=True)),
            )
        finally:
            for timer in typing:
                if timer is not None:
                    timer.cancel()
            for item in items:
                self._finished(item)

    def _read(self, item: table.Taken) -> Incoming | None:
        """The update as the router takes it; None for one that cannot be read or gets no answer."""
        try:
            incoming = to_incoming(item.payload, self._services.settings.coach_chat_id)
        except Exception as exc:
            log.warning("update %d could not be read and is skipped: %s", item.update_id, type(exc).__name__)
            return None
        query = item.payload.get("callback_query") or {}
        if query.get("id"):
            self._background(self._application.bot.answer_callback_query(str(query["id"])))  # stop the spinner
        return incoming

    async def _turns(self, incomings: Sequence[Incoming]) -> tuple[list[Result], dict[int, Claimed]] | None:
        """Each turn through the one router, all in one transaction, which also claims their replies
        for this replica's sender where it writes them (by message id); None when any of them failed (nothing of the
        batch is then stored)."""
        services = self._services
        sender = self._application.bot_data.sender
        assert sender is not None
        try:
            # Before the transaction, side by side (a Rasa server is a network call per message).
            understood = await asyncio.gather(*(understand(services, incoming) for incoming in incomings))
            prepared = await asyncio.gather(*(machine.prepare(services, incoming) for incoming in incomings))
            async with services.engine.connect() as connection, connection.begin():
                booking = sender.booking()
                results, claimed = await process_together(
                    services, connection, incomings, understood, prepared, booking
                )
            return results, {c.out.id: c for c in claimed}
        except Exception as exc:
            log.warning("a batch of %d turns failed (%s): one by one now", len(incomings), type(exc).__name__)
            return None

    async def _deliver(self, item: table.Taken, result: Result, claimed: dict[int, Claimed]) -> None:
        """The replies of a turn whose update its transaction recorded as processed."""
        sender = self._application.bot_data.sender
        assert sender is not None
        try:
            await sender.deliver(result.outgoing, [claimed[o.id] for o in result.outgoing if o.id in claimed])
        except Exception as exc:  # undelivered replies stay in the outbox for the sender's claims
            log.error("update %d: delivery failed: %s", item.update_id, type(exc).__name__)

    async def _process(self, item: table.Taken, incoming: Incoming) -> None:
        try:
            await self._answer(item.update_id, incoming)
        except Exception as exc:  # the database went away while recording: the lease runs out, retried
            log.error("update %d failed: %s", item.update_id, type(exc).__name__)
            return
        await self._record(item)

    async def _record(self, item: table.Taken) -> None:
        """Processed: recorded with the next take, which this wakes (the chat's next update may come)."""
        self._done.append(item.update_id)
        self._finished(item)

    async def _answer(self, update_id: int, incoming: Incoming) -> None:
        services = self._services
        try:
            result = await process_reliably(services, incoming)
        except Exception as exc:
            log.error("update %d failed: %s", update_id, type(exc).__name__, exc_info=exc)
            if not incoming.in_group:
                await self._sorry(incoming.chat_id, incoming.telegram_language)
            return
        sender = self._application.bot_data.sender
        assert sender is not None
        await sender.deliver(result.outgoing)

    def _typing_timer(self, incoming: Incoming) -> asyncio.TimerHandle | None:
        if incoming.kind == "button" or incoming.in_group:
            return None
        typing = self._application.bot.send_chat_action
        return asyncio.get_running_loop().call_later(
            TYPING_AFTER, lambda: self._background(typing(incoming.chat_id, ChatAction.TYPING))
        )

    def _background(self, call: Awaitable[Any]) -> None:
        """A Bot API call nobody waits for (a Telegram error is of no consequence)."""
        task = asyncio.ensure_future(_quietly(call))
        self._application.bot_data.pending.add(task)
        task.add_done_callback(self._application.bot_data.pending.discard)

    async def _sorry(self, chat_id: int, language_code: str | None) -> None:
        services = self._services
        lang = negotiate(language_code) or services.settings.default_language
        with contextlib.suppress(TelegramError):
            await self._application.bot.send_message(chat_id, services.translator.gettext(lang, SORRY))


async def _quietly(call: Awaitable[Any]) -> None:
    with contextlib.suppress(TelegramError):
        await call


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` in about equal parts of at most `size` (batches run side by side while one waits for the database)."""
    parts = -(-len(items) // size)
    step = -(-len(items) // parts) if parts else size
    return [items[i : i + step] for i in range(0, len(items), step)]


def _chat(payload: dict[str, Any]) -> int | None:
    try:
        return chat_of(payload)
    except (AttributeError, TypeError):  # not shaped like an update: processed (and skipped) at any time
        return None

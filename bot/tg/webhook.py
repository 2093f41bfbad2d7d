"""Webhook mode. The aiohttp route checks Telegram's secret header, stores the update in the inbox
table and answers 200 once it is committed (updates arriving together share one INSERT and one
commit). Workers on every replica take batches from the inbox: of each chat only its oldest
unprocessed update, and only if no worker holds a lease on it, so one chat's updates are processed in
order and chats in parallel — on any replica. With the embedded NLU one transaction per batch records
the worker's previous batch as done (waiting a moment for the next update, so that one transaction
does both), leases the next one and answers its plain newcomer turns
(`bot.batch`); with a Rasa server the answers get their own transaction after the Rasa calls. The
rest go through the Application one by one, as in polling mode. A redelivered update id is stored
once and processed once."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import orjson
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.batch import process_batch, process_batch_in
from bot.db.engine import vacuum
from bot.db.hot import BATCH_SIZE, Lane, table, transaction
from bot.db.models import InboxUpdate, utcnow
from bot.outbox import Outgoing
from bot.pipeline import Incoming, Result, mark_delivered_many
from bot.services import Services
from bot.tg.app import WerkApplication
from bot.tg.convert import to_incoming

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A worker that died leaves its batch to the others after this; longer than the slowest delivery
# (flood waits and retries), so a live worker's updates are never taken over.
LEASE = timedelta(seconds=120)
TYPING_AFTER = 1.0  # seconds: "typing…" only when a reply takes longer than this
BLOCKED_RETRY = 0.025  # seconds: pending updates held by another replica's lease: look again soon
IDLE_WAIT = 1.0
# seconds: after a batch, how long a worker waits for the next update before it records the batch as
# done on its own (see `Inbox._worker`)
RECORD_WAIT = 0.02
# PostgreSQL: the inbox is vacuumed after this many updates stored by this replica (looked at every
# VACUUM_CHECK seconds). Each update's row is dead in the index of waiting updates once processed, and
# every take walks over the dead entries: without this, at a few hundred updates a second the server's
# CPU for a take grew with the updates since the last autovacuum (once a minute at best), and a
# backlog took the server's CPU with it (measured: bench/README.md).
VACUUM_AFTER = 500
VACUUM_CHECK = 1.0


def webhook_path(webhook_url: str) -> str:
    return urlparse(webhook_url).path or "/webhook"


def chat_of(payload: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        chat = (payload.get(key) or {}).get("chat") or {}
        if "id" in chat:
            return int(chat["id"])
    query = payload.get("callback_query") or {}
    chat = (query.get("message") or {}).get("chat") or {}
    if "id" in chat:
        return int(chat["id"])
    sender = query.get("from") or {}
    return int(sender["id"]) if "id" in sender else None


class InboxWriter:
    """Group commit: updates received while an INSERT is running are stored together by the next.
    `stored` is called once per committed group (one worker can take them all)."""

    def __init__(self, services: Services, stored: Callable[[], None]) -> None:
        self._services = services
        self._stored = stored
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self._lane = Lane(services.engine) if services.engine.dialect.name == "postgresql" else None
        self.stored = 0  # updates committed since the start

    async def store(self, update_id: int, payload: dict[str, Any]) -> None:
        """Returns once the update is committed; raises when the database could not store it."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        row = {
            "update_id": update_id,
            "chat_id": chat_of(payload),
            "payload": payload,
            "received_at": utcnow(),
            "attempts": 0,
        }
        self._pending.append((row, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write())
        await future

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with transaction(
                    self._services.engine, self._services.sessions, one_statement=True, lane=self._lane
                ) as tx:
                    await tx.store_inbox([row for row, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.stored += len(batch)
            self._stored()
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        """Give the writer's connection back; an update still arriving is stored with a pooled one."""
        lane, self._lane = self._lane, None
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if lane is not None:
            await lane.close()


@dataclass(frozen=True)
class Taken:
    update_id: int
    chat_id: int | None
    payload: dict[str, Any]


@dataclass
class Batch:
    """Taken updates; `results` are the answers of its plain turns (None: not answered yet)."""

    taken: list[Taken]
    payloads: list[dict[str, Any]] = field(default_factory=list)  # of the updates to process
    incomings: list[Incoming] = field(default_factory=list)
    results: list[Result | None] | None = None


@dataclass
class Done:
    """A worker's processed batch, until it is recorded."""

    sent: list[tuple[Outgoing, int | None]] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    chats: set[int] = field(default_factory=set)

    def add(self, sent: Sequence[tuple[Outgoing, int | None]], updates: Sequence[int], chats: set[int]) -> None:
        self.sent.extend(sent)
        self.updates.extend(updates)
        self.chats |= chats

    def clear(self) -> None:
        self.sent, self.updates, self.chats = [], [], set()


class Inbox:
    def __init__(self, application: WerkApplication, services: Services, workers: int) -> None:
        self._application = application
        self._services = services
        self._postgres = services.engine.dialect.name == "postgresql"
        # SQLite has one writer: one worker. PostgreSQL: several, each with its own leased batch.
        self._workers = workers if self._postgres else 1
        self._writer = InboxWriter(services, self._notify)
        # Workers waiting for work; those with a batch to record at the end, so that they are woken first.
        self._idle: list[asyncio.Event] = []
        self._missed = False
        self._busy: Counter[int] = Counter()  # chats whose updates this replica's workers are processing
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._typing: set[asyncio.Task[None]] = set()  # "typing…" being sent for slow replies
        self._upkeep: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(webhook_path(self._services.settings.webhook_url), self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        secret = self._services.settings.webhook_secret
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403, text="forbidden")
        if self._stopping:
            return web.Response(status=503, text="shutting down")  # Telegram will deliver it again
        try:
            payload = orjson.loads(await request.read())
            update_id = int(payload["update_id"])
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("malformed webhook body refused: %s", type(exc).__name__)
            return web.Response(status=400, text="malformed update")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="malformed update")
        try:
            await self._writer.store(update_id, payload)
        except (SQLAlchemyError, OSError) as exc:
            log.error("could not store update %d: %s", update_id, type(exc).__name__)
            return web.Response(status=503, text="try again")  # Telegram will deliver it again
        return web.Response(text="ok")

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self._workers)]
        if self._postgres:
            self._upkeep = asyncio.create_task(self._vacuum_loop())

    async def stop(self) -> None:
        """Graceful: refuse new updates, finish the ones in progress."""
        self._stopping = True
        self._notify(everyone=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*self._typing, return_exceptions=True)
        await self._writer.close()
        self._tasks.clear()
        if self._upkeep is not None:
            self._upkeep.cancel()
            await asyncio.gather(self._upkeep, return_exceptions=True)
            self._upkeep = None

    async def _vacuum_loop(self) -> None:
        """Vacuum the inbox every VACUUM_AFTER updates this replica stored (see VACUUM_AFTER)."""
        vacuumed_at = 0
        while True:
            await asyncio.sleep(VACUUM_CHECK)
            if self._writer.stored - vacuumed_at < VACUUM_AFTER:
                continue
            vacuumed_at = self._writer.stored
            try:
                await vacuum(self._services.engine, table(InboxUpdate))
            except (SQLAlchemyError, OSError) as exc:  # the database is away: the next round tries again
                log.warning("could not vacuum the inbox: %s", type(exc).__name__)

    def _notify(self, *, everyone: bool = False) -> None:
        """Wake one idle worker (all of them when stopping); if none is idle, the next worker that
        would go idle looks once more instead."""
        if everyone:
            for wake in self._idle:
                wake.set()
            self._missed = True
        elif self._idle:
            self._idle.pop().set()
        else:
            self._missed = True

    async def _worker(self) -> None:
        lane = Lane(self._services.engine) if self._postgres else None
        try:
            await self._work(lane)
        finally:
            if lane is not None:
                await lane.close()

    async def _work(self, lane: Lane | None) -> None:
        done = Done()  # the last batch's marks: written in the transaction that takes the next batch
        while not self._stopping:
            try:
                batch, held_elsewhere = await self._next(done, lane)
                if batch is not None:
                    await self._process_taken(batch, done)
                    # The batch is recorded as done in the transaction of the next take. Right after a
                    # batch that took what was waiting, a take would mostly find nothing: a transaction
                    # for the record alone. So wait a moment for the next update (workers with a batch
                    # to record are woken first) and record with its take. A full batch may have left
                    # more behind: take again at once.
                    wait = 0.0 if len(batch.taken) >= BATCH_SIZE else RECORD_WAIT
                else:
                    wait = BLOCKED_RETRY if held_elsewhere else IDLE_WAIT
            except Exception:
                log.exception("inbox worker error")
                wait = IDLE_WAIT
            if not wait or self._stopping:
                continue
            if self._missed:
                self._missed = False
                continue
            wake = asyncio.Event()
            if done.updates:
                self._idle.append(wake)
            else:
                self._idle.insert(0, wake)
            try:
                await asyncio.wait_for(wake.wait(), wait)
            except TimeoutError:
                pass
            finally:
                if wake in self._idle:
                    self._idle.remove(wake)
        if done.updates:
            try:
                await mark_delivered_many(self._services, done.sent, inbox_done=done.updates)
            except Exception:
                log.exception("could not record the last batch as done")  # its lease runs out: resent
            self._release(done)

    def _hold(self, chats: set[int]) -> None:
        self._busy.update(chats)

    def _release(self, done: Done) -> None:
        self._busy.subtract(done.chats)
        for chat in done.chats:
            if self._busy[chat] <= 0:
                del self._busy[chat]
        done.chats = set()

    async def take(self) -> list[Taken]:
        batch, _ = await self._next_in_transaction(Done(), answer=False)
        return batch.taken if batch is not None else []

    async def _next(self, done: Done, lane: Lane | None = None) -> tuple[Batch | None, bool]:
        """Record the last batch as done and take the next; with the embedded NLU its plain turns are
        answered in the same transaction. Should that fail, the batch is taken again and its updates
        are processed one by one."""
        if self._services.settings.rasa_url:
            return await self._next_in_transaction(done, answer=False, lane=lane)
        try:
            return await self._next_in_transaction(done, answer=True, lane=lane)
        except Exception as exc:
            log.warning("answering a batch failed (%s): processing it one by one", type(exc).__name__)
        batch, held_elsewhere = await self._next_in_transaction(done, answer=False, lane=lane)
        if batch is not None:
            batch.results = [None] * len(batch.incomings)
        return batch, held_elsewhere

    async def _next_in_transaction(
        self, done: Done, *, answer: bool, lane: Lane | None = None
    ) -> tuple[Batch | None, bool]:
        """One transaction: record the last batch as done (its replies delivered, its updates
        processed), lease the next batch and, if `answer`, answer its plain turns; with nothing to
        take, whether pending updates are held elsewhere."""
        now = utcnow()
        batch: Batch | None = None
        held_elsewhere = False
        # A wake-up missed before this take is answered by it: the take sees what was stored.
        self._missed = False
        async with transaction(self._services.engine, self._services.sessions, lane=lane) as tx:
            if done.updates:
                await tx.record_delivered(done.sent, done.updates, now)
            rows = await tx.take(now, now + LEASE)
            if rows:
                batch = self._read(sorted((Taken(u, c, p) for u, c, p in rows), key=lambda t: t.update_id))
                if answer:
                    batch.results = await process_batch_in(tx, self._services, batch.incomings)
            else:
                self._release(done)  # for the query below: these chats are free now
                held_elsewhere = await tx.held_elsewhere(self._busy)
        self._release(done)
        done.clear()
        return batch, held_elsewhere

    def _read(self, taken: list[Taken]) -> Batch:
        batch = Batch(taken)
        coach_chat = self._services.settings.coach_chat_id
        for item in taken:
            try:
                incoming = to_incoming(item.payload, coach_chat)
            except Exception as exc:  # not an update we can read: record it as processed, go on
                log.warning("update %d could not be read: %s", item.update_id, type(exc).__name__)
                continue
            if incoming is not None:  # None: ignored on purpose (other groups, channels, ...)
                batch.payloads.append(item.payload)
                batch.incomings.append(incoming)
        return batch

    async def _process_taken(self, batch: Batch, done: Done) -> None:
        chats = {t.chat_id for t in batch.taken if t.chat_id is not None}
        self._hold(chats)
        try:
            sent = await self._process(batch)
        except BaseException:
            self._release(Done(chats=chats))  # left to its lease
            raise
        # Delivered replies and processed updates are recorded with the next take. Should the process
        # stop before that, the lease runs out, another worker finds the updates already recorded and
        # sends what is undelivered.
        done.add(sent, [t.update_id for t in batch.taken], chats)

    async def _process(self, batch: Batch) -> list[tuple[Outgoing, int | None]]:
        """Send the answers of the batch's plain turns; the other updates go through the Application."""
        payloads, incomings = batch.payloads, batch.incomings
        # "typing…" for replies that are slow to come; a fast one arrives before it would show. A timer,
        # not a task per update: most are cancelled before they fire.
        loop = asyncio.get_running_loop()
        typing = [
            loop.call_later(TYPING_AFTER, self._show_typing, inc.chat_id)
            for inc in incomings
            if inc.kind != "button" and not inc.in_group
        ]
        try:
            results = batch.results if batch.results is not None else await self._batch(incomings)
            in_batch = [(p, r) for p, r in zip(payloads, results, strict=True) if r is not None]
            jobs: list[Awaitable[object]] = [self._send(payload, result) for payload, result in in_batch]
            jobs += [self._one(p) for p, r in zip(payloads, results, strict=True) if r is None]
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            for timer in typing:
                timer.cancel()
        sent: list[tuple[Outgoing, int | None]] = []
        for outcome in outcomes[: len(in_batch)]:
            if isinstance(outcome, BaseException):
                log.error("sending a reply failed: %s", type(outcome).__name__)
            elif isinstance(outcome, list):
                sent.extend(outcome)
        for outcome in outcomes[len(in_batch) :]:
            if isinstance(outcome, BaseException):
                log.error("an update failed: %s", type(outcome).__name__)
        return sent

    async def _one(self, payload: dict[str, Any]) -> None:
        """One update through the Application: the full pipeline with its error handling."""
        await self._application.process_update(Update.de_json(payload, self._application.bot))

    async def _batch(self, incomings: Sequence[Incoming]) -> list[Result | None]:
        if not incomings:
            return []
        try:
            return await process_batch(self._services, incomings)
        except Exception as exc:
            # Nothing of the batch was stored: each update gets its own try (and its own error handling).
            log.warning(
                "batch of %d updates failed (%s): processing them one by one", len(incomings), type(exc).__name__
            )
            return [None] * len(incomings)

    async def _send(self, payload: dict[str, Any], result: Result) -> list[tuple[Outgoing, int | None]]:
        """The replies; a button press is answered (its spinner stopped) at the same time."""
        sender = self._application.bot_data.sender
        assert sender is not None
        query = payload.get("callback_query")
        if not (query and query.get("id")):
            return await sender.send(result.outgoing)
        _, sent = await asyncio.gather(self._answer_query(str(query["id"])), sender.send(result.outgoing))
        return sent

    async def _answer_query(self, query_id: str) -> None:
        with contextlib.suppress(TelegramError):
            await self._application.bot.answer_callback_query(query_id)

    def _show_typing(self, chat_id: int) -> None:
        task = asyncio.create_task(self._send_typing(chat_id))
        self._typing.add(task)
        task.add_done_callback(self._typing.discard)

    async def _send_typing(self, chat_id: int) -> None:
        with contextlib.suppress(TelegramError):
            await self._application.bot.send_chat_action(chat_id, ChatAction.TYPING)

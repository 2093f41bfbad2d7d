"""Sends stored messages to Telegram, paced across all replicas: a loop claims due messages from the
outbox (bot.outbox.claim books each a send time within the per chat, per group and per bot limits)
and sends each at its time; a 429 puts the message back until Telegram's retry_after, server errors
are retried with backoff, a user who blocked the bot is not sent to again. It also splits a text
Telegram finds too long, copies media for relays, edits case cards, and opens a forum topic per case
in the coaches' group."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.db.models import Case, utcnow
from bot.handoff.service import Turn, refresh_card
from bot.outbox import Booking, Claimed, Outbox, Outcome, Outgoing, Pace, claim, record
from bot.pipeline import mark_unreachable
from bot.render import Keyboard, Renderer, split_text
from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
HORIZON = 0.2  # seconds: a claim books send times up to this far ahead
IDLE_POLL = 0.5  # seconds between claims when nothing woke the loop (other replicas' messages, retries)
CLAIM_BATCH = 50  # messages claimed in one transaction at most
CHATS_REMEMBERED = 10_000  # chats whose last send time this replica keeps (then the old ones go)
FAILED_RETRY = dtm.timedelta(seconds=30)  # a message whose tries all failed (5xx, network) goes again after
RECORD_AFTER = 0.02  # seconds an outcome waits for others to be recorded with it (one claim for several)
DELIVER_WAIT = 10.0  # seconds `deliver` waits for its messages, at most (the bot at its limit)
T = TypeVar("T")


def keyboard(buttons: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class Blocked(Exception):
    """The user blocked the bot: stop sending to this chat."""


async def with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """One Bot API call: retry 5xx and time-outs with backoff (bounded). A 429 (RetryAfter) is raised,
    for the paced sender to put the message back until retry_after."""
    delay = 0.5
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await call()
        except Forbidden as exc:
            raise Blocked from exc
        except BadRequest:
            raise
        except (TimedOut, NetworkError) as exc:
            if attempt == MAX_ATTEMPTS:
                raise
            log.warning("Telegram error %s: retrying in %.1f s (attempt %d)", type(exc).__name__, delay, attempt)
            await asyncio.sleep(delay)
            delay *= 2
    raise TimedOut("gave up after retries")


class Sender:
    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._services = services
        settings = services.settings
        self._pace = Pace.of(settings)
        # a claimed message is this replica's for this long, renewed while its tries go on; a killed
        # replica's messages go to others soon after
        self._lease = settings.telegram_timeout + 5
        self._forum: dict[int, bool] = {}
        self._outcomes: list[Outcome] = []  # sent, not yet recorded: written by the next claim
        self._in_flight: set[int] = set()  # claimed here, outcome not recorded yet
        self._claimed_at: dict[int, float] = {}  # in flight: when its claim was last made or renewed
        self._waiters: dict[int, asyncio.Future[None]] = {}  # `deliver` callers, by message id
        self._sends: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._handed = False  # messages handed to `deliver` since the last claim
        self._record_timer: asyncio.TimerHandle | None = None
        # monotonic times of this replica's last send, bot-wide and per chat: a send that fell behind its
        # booked time (a busy event loop) must not bunch up with the next one
        self._bot_sent = 0.0
        self._chat_sent: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # the loop ----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Claim nothing more; finish the sends under way and record them."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def booking(self) -> Booking | None:
        """For a transaction about to write replies: how to claim them for this sender where they are
        written (`bot.outbox.book_written`; pass them to `deliver` once it has committed); None while stopping."""
        if self._stopping:
            return None
        return Booking(self._pace, horizon=HORIZON, lease=self._lease)

    async def deliver(self, outgoing: Sequence[Outgoing], claimed: Sequence[Claimed] = ()) -> None:
        """Hand stored messages to the paced sender; returns once each is sent and recorded, or waits
        its turn in the outbox (its chat or the bot at its limit), or another replica sends it.
        `claimed`: those of them already claimed for this sender (`booking`), sent without a claim."""
        if not outgoing or self._stopping:
            return
        self.start()
        loop = asyncio.get_running_loop()
        futures = [self._waiters.setdefault(out.id, loop.create_future()) for out in outgoing]
        if claimed:
            self._send_claimed(claimed)
        if len(claimed) < len(outgoing):
            self._handed = True
            self._wake.set()
        await asyncio.wait(futures, timeout=DELIVER_WAIT)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            if self._record_timer is not None:  # this claim records what is there now
                self._record_timer.cancel()
                self._record_timer = None
            stopping = self._stopping
            if stopping:
                await asyncio.gather(*self._sends, return_exceptions=True)
            watched = set(self._waiters) - self._in_flight
            handed, self._handed = self._handed, False
            outcomes, self._outcomes = self._outcomes, []
            stale = time.monotonic() - self._lease / 3
            renew = {m for m in self._in_flight if self._claimed_at.get(m, 0.0) < stale}
            try:
                result = await claim(
                    self._services.engine,
                    utcnow(),
                    self._pace,
                    outcomes,
                    horizon=HORIZON,
                    lease=self._lease,
                    limit=0 if stopping else CLAIM_BATCH,
                    watch=watched,
                    renew=renew,
                    refresh=self._refresh_cards,
                    expected=handed,
                )
            except Exception as exc:
                log.warning("could not claim from the outbox: %s", type(exc).__name__)
                self._outcomes[:0] = outcomes
                self._handed = self._handed or handed
                if stopping:
                    return
                await self._sleep(IDLE_POLL)
                continue
            for message_id in renew:
                self._claimed_at[message_id] = time.monotonic()
            for outcome in outcomes:
                self._resolve(outcome.out.id, recorded=True)
            self._send_claimed(result.claimed)
            for message_id in result.settled - self._in_flight:
                self._resolve(message_id)
            if stopping:
                for message_id in list(self._waiters):
                    self._resolve(message_id)
                return
            wait = IDLE_POLL
            if result.next_at is not None:
                wait = (result.next_at - utcnow()).total_seconds() - HORIZON / 2
            await self._sleep(min(max(wait, 0.005), IDLE_POLL))

    def _send_claimed(self, claimed: Sequence[Claimed]) -> None:
        """Send claimed messages, each chat's in order (they come in send time order)."""
        by_chat: dict[int, list[Claimed]] = {}
        for one in claimed:
            self._in_flight.add(one.out.id)
            self._claimed_at[one.out.id] = time.monotonic()
            by_chat.setdefault(one.out.chat_id, []).append(one)
        for in_order in by_chat.values():
            task = asyncio.create_task(self._send_chat(in_order))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    def _record_soon(self) -> None:
        """The next claim records the outcomes: one soon, unless a message to send wakes one sooner."""
        if self._record_timer is None:
            self._record_timer = asyncio.get_running_loop().call_later(RECORD_AFTER, self._wake.set)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _resolve(self, message_id: int, *, recorded: bool = False) -> None:
        """`deliver` stops waiting for the message; `recorded`: its outcome is written (no longer in flight)."""
        if recorded:
            self._in_flight.discard(message_id)
            self._claimed_at.pop(message_id, None)
        future = self._waiters.pop(message_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def _send_chat(self, in_order: list[Claimed]) -> None:
        """One chat's claimed messages, each at its time; after a 429 or a failure the rest wait too."""
        held: Outcome | None = None
        for claimed in in_order:
            if held is not None:
                outcome = Outcome(claimed.out, "retry", not_before=held.not_before)  # keeps the order
            else:
                await self._wait_turn(claimed)
                outcome = await self._attempt(claimed.out)  # then the list: the loop swaps it meanwhile
                if outcome.status in ("retry", "failed"):
                    held = outcome
                if outcome.status == "delivered" and claimed.out.kind == "card" and await self._record_now(outcome):
                    continue
            self._outcomes.append(outcome)
            self._record_soon()

    async def _record_now(self, outcome: Outcome) -> bool:
        """A case card's message id at once (a coach may press its Claim button right away)."""
        try:
            async with self._services.engine.begin() as connection:
                await record(connection, [outcome], utcnow(), self._refresh_cards)
        except Exception as exc:
            log.warning("could not record a card: %s", type(exc).__name__)
            return False
        self._resolve(outcome.out.id, recorded=True)
        return True

    async def _refresh_cards(self, connection: AsyncConnection, case_ids: Sequence[int]) -> None:
        """In the card's record transaction: cases claimed before their card's message id was known
        get the card edited now (see `bot.outbox.record`)."""
        services = self._services
        try:
            # a savepoint: a card left unedited must not keep the sends from being recorded
            async with (
                connection.begin_nested(),
                services.sessions(bind=connection) as session,
                session.begin(),
            ):
                outbox = Outbox(session, Renderer(services.translator, services.flows), None)
                turn = Turn(session, outbox, services.settings, services.flows, utcnow())
                for case_id in case_ids:
                    await refresh_card(turn, case_id)
                await outbox.write()
        except Exception as exc:
            log.warning("could not refresh a case card: %s", type(exc).__name__)
            return
        self._wake.set()  # the edit is in the outbox: claim it soon

    async def _wait_turn(self, claimed: Claimed) -> None:
        """Until the booked time, and as long after this replica's previous sends as the limits say."""
        chat = claimed.out.chat_id
        while True:
            now = time.monotonic()
            due = max(
                now + (claimed.send_at - utcnow()).total_seconds(),
                self._bot_sent + self._pace.bot,
                self._chat_sent.get(chat, 0.0) + self._pace.interval(chat),
            )
            if due <= now:
                break
            await asyncio.sleep(due - now)
        self._bot_sent = self._chat_sent[chat] = time.monotonic()
        if len(self._chat_sent) > CHATS_REMEMBERED:
            horizon = time.monotonic() - 60 / self._services.settings.send_per_group_per_minute
            self._chat_sent = {c: t for c, t in self._chat_sent.items() if t > horizon}

    async def _attempt(self, out: Outgoing) -> Outcome:
        try:
            message_id = await self._send_one(out)
        except RetryAfter as exc:
            log.warning("flood control: message %d waits %.1f s", out.id, _retry_seconds(exc))
            return Outcome(out, "retry", not_before=utcnow() + dtm.timedelta(seconds=_retry_seconds(exc)))
        except Blocked:
            log.info("a user blocked the bot: marking unreachable, not retrying")
            with contextlib.suppress(Exception):
                await mark_unreachable(self._services, out.chat_id)
            return Outcome(out, "given_up")
        except BadRequest as exc:
            log.error("Telegram refused message %d: %s", out.id, exc.message)
            return Outcome(out, "given_up")
        except Exception as exc:  # time-outs, network, 5xx, the database while opening a topic
            log.error("could not deliver message %d: %s", out.id, type(exc).__name__)
            return Outcome(out, "failed", not_before=utcnow() + FAILED_RETRY)
        return Outcome(out, "delivered", message_id)

    # one message -------------------------------------------------------------------------------------
    async def _is_forum(self, chat_id: int) -> bool:
        if chat_id not in self._forum:
            chat = await with_retries(lambda: self._bot.get_chat(chat_id))
            self._forum[chat_id] = bool(chat.is_forum)
        return self._forum[chat_id]

    async def _thread_for(self, out: Outgoing) -> int | None:
        """The case's forum topic in the coaches' group, created with the first card."""
        if out.thread_id is not None or out.case_id is None or out.chat_id != self._services.settings.coach_chat_id:
            return out.thread_id
        async with self._services.sessions() as session, session.begin():
            case = await session.get(Case, out.case_id)
            if case is None:
                return None
            if case.thread_id is None and out.kind == "card" and await self._is_forum(out.chat_id):
                topic = await with_retries(
                    lambda: self._bot.create_forum_topic(
                        out.chat_id, f"#{case.id} {case.language} {case.topic or ''}"[:128]
                    )
                )
                await session.execute(update(Case).where(Case.id == case.id).values(thread_id=topic.message_thread_id))
                return topic.message_thread_id
            return case.thread_id

    async def _send_text(self, out: Outgoing, text: str, buttons: Keyboard, thread: int | None) -> int:
        """sendMessage with the parameters as JSON: the busiest call, so no PTB objects are built for it."""
        params: dict[str, object] = {"chat_id": out.chat_id, "text": text}
        if buttons:
            params["reply_markup"] = {
                "inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in buttons]
            }
        if thread is not None:
            params["message_thread_id"] = thread
        sent = await with_retries(lambda: self._bot.do_api_request("sendMessage", api_kwargs=params))
        return int(sent["message_id"])

    async def _send_one(self, out: Outgoing) -> int:
        thread = await self._thread_for(out)
        if out.kind == "copy" and out.copy_from_chat_id is not None and out.ref_message_id is not None:
            from_chat, ref = out.copy_from_chat_id, out.ref_message_id
            copied = await with_retries(
                lambda: self._bot.copy_message(out.chat_id, from_chat, ref, message_thread_id=thread)
            )
            return copied.message_id
        if out.kind == "document":
            filename = out.buttons[0][0][0] if out.buttons else "document.txt"
            data = out.text.encode("utf-8")
            sent = await with_retries(
                lambda: self._bot.send_document(
                    out.chat_id, InputFile(data, filename=filename), message_thread_id=thread
                )
            )
            return sent.message_id
        if out.kind == "delete" and out.ref_message_id is not None:  # erasure: the bot's own earlier message
            gone = out.ref_message_id
            await with_retries(lambda: self._bot.delete_message(out.chat_id, gone))
            return gone
        if out.kind == "edit" and out.ref_message_id is not None:
            ref, markup = out.ref_message_id, keyboard(out.buttons)
            await with_retries(lambda: self._bot.edit_message_text(out.text, out.chat_id, ref, reply_markup=markup))
            return ref
        try:
            return await self._send_text(out, out.text, out.buttons, thread)
        except BadRequest as exc:
            if "parse entities" in exc.message.lower():
                # We never send markup, but if Telegram found some: resend as plain text once.
                return await self._send_text(out, out.text, out.buttons, thread)
            if "too long" not in exc.message.lower():
                raise
            parts = split_text(out.text, 4000)
            message_id = 0
            for i, part in enumerate(parts):
                if i:  # one stored message, several sent: each part keeps the chat's pace
                    await asyncio.sleep(self._pace.interval(out.chat_id))
                message_id = await self._send_text(out, part, out.buttons if i == len(parts) - 1 else (), thread)
            return message_id

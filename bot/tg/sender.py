"""Sends stored messages to Telegram: waits out flood limits, retries server errors with backoff,
stops at a user who blocked the bot, splits a text Telegram finds too long, copies media for
relays, edits case cards, and opens a forum topic per case in the coaches' group."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import update
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.db.models import Case
from bot.outbox import Outgoing
from bot.pipeline import mark_delivered, mark_failed, mark_unreachable
from bot.render import Keyboard, split_text
from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_FLOOD_WAIT = 60.0
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
    """One Bot API call: wait out 429 (bounded), retry 5xx and time-outs with backoff (bounded)."""
    delay = 0.5
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = min(_retry_seconds(exc), MAX_FLOOD_WAIT)
            log.warning("flood control: waiting %.1f s before retrying (attempt %d)", wait, attempt)
            await asyncio.sleep(wait)
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
        self._forum: dict[int, bool] = {}
        # Stored messages being sent by this process, until recorded as delivered (or failed): the
        # outbox drain leaves them alone (other replicas' drains know them by their unprocessed update).
        self.in_flight: set[int] = set()

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

    async def _send_one(self, out: Outgoing) -> int | None:
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
                message_id = await self._send_text(out, part, out.buttons if i == len(parts) - 1 else (), thread)
            return message_id

    async def deliver(self, outgoing: Sequence[Outgoing]) -> None:
        """Send in order; each is marked delivered in the outbox once Telegram accepted it, failures
        are recorded (retried by the outbox drain, or given up)."""
        blocked: set[int] = set()
        for out in outgoing:
            if out.chat_id in blocked or out.id in self.in_flight:
                continue
            self.in_flight.add(out.id)
            try:
                message_id = await self._send_one(out)
            except Blocked:
                log.info("a user blocked the bot: marking unreachable, not retrying")
                blocked.add(out.chat_id)
                await mark_unreachable(self._services, out.chat_id)
                continue
            except BadRequest as exc:
                log.error("Telegram refused message %d: %s", out.id, exc.message)
                await mark_failed(self._services, out.id, give_up=True)
                continue
            except (TimedOut, NetworkError) as exc:
                log.error("could not deliver message %d: %s", out.id, type(exc).__name__)
                await mark_failed(self._services, out.id)
                continue
            else:
                await mark_delivered(self._services, out, message_id)
            finally:
                self.in_flight.discard(out.id)  # its outcome is recorded

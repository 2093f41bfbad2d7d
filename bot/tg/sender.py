"""Sends stored replies to Telegram: waits out flood limits, retries server errors with backoff,
stops at a user who blocked the bot, and splits a text Telegram finds too long."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.pipeline import Outgoing, mark_delivered, mark_failed, mark_unreachable
from bot.render import split_text
from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_FLOOD_WAIT = 60.0


def keyboard(buttons: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class Blocked(Exception):
    """The user blocked the bot: stop sending to this chat."""


async def _send(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int:
    delay = 0.5
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            message = await bot.send_message(chat_id, text, reply_markup=markup)
            return message.message_id
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


async def deliver(bot: Bot, services: Services, outgoing: Sequence[Outgoing]) -> None:
    """Send replies in order; each is marked delivered in the outbox once Telegram accepted it."""
    for out in outgoing:
        markup = keyboard(out.buttons)
        try:
            try:
                message_id = await _send(bot, out.chat_id, out.text, markup)
            except BadRequest as exc:
                if "too long" not in exc.message.lower():
                    raise
                parts = split_text(out.text, 4000)
                message_id = 0
                for i, part in enumerate(parts):
                    message_id = await _send(bot, out.chat_id, part, markup if i == len(parts) - 1 else None)
        except Blocked:
            log.info("user blocked the bot: marking unreachable, not retrying")
            await mark_unreachable(services, out.chat_id)
            return
        except (BadRequest, TimedOut, NetworkError) as exc:
            log.error("could not deliver reply %d: %s", out.id, type(exc).__name__)
            await mark_failed(services, out.id)
            return
        await mark_delivered(services, out.id, message_id)

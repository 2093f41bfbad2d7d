"""Runs the real python-telegram-bot Application over real HTTP against the fake Bot API, by long
polling or, when the settings have a webhook (the `updates_via` fixture), through the webhook route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, or_, select

from bot.db.models import InboxUpdate, Message, utcnow
from bot.outbox import MAX_DELIVERY_ATTEMPTS
from bot.services import Services
from bot.tg.app import WerkApplication, build_application, start_application, stop_application
from bot.tg.inbox import Inbox
from bot.web import start_web
from tests.fake_bot_api import FakeBotAPI


@asynccontextmanager
async def running_bot(services: Services) -> AsyncIterator[WerkApplication]:
    """The bot as `werkhelpdesk run` starts it: polling, or the web server with the webhook route."""
    application = build_application(services)
    if not services.settings.webhook_url:
        await start_application(application)
        try:
            yield application
        finally:
            await stop_application(application)
        return
    inbox = Inbox(application, services)
    runner = await start_web(services, inbox.add_routes)
    try:
        await start_application(application, polling=False)
        await inbox.start()
        yield application
    finally:
        await inbox.stop()
        await runner.cleanup()
        await stop_application(application)


async def say(
    fake: FakeBotAPI, update: dict[str, Any], *, replies: int = 1, wait: float = 10.0, chat: int | None = None
) -> list[dict[str, Any]]:
    """Push an update and wait for the bot's `replies` messages to that chat (or to `chat`)."""
    chat_id = chat if chat is not None else _chat_id(update)
    fake.mark()
    fake.push_update(update)
    return await fake.wait_for(
        "sendMessage", lambda p: int(p["chat_id"]) == chat_id, timeout=wait, count=replies, ok=True
    )


def _chat_id(update: dict[str, Any]) -> int:
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return int(update[key]["chat"]["id"])
    return int(update["callback_query"]["message"]["chat"]["id"])


def buttons(reply: dict[str, Any]) -> list[tuple[str, str]]:
    markup = reply.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


async def settled(services: Services, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until every update in the inbox is processed and every reply due is sent (chats are
    answered in parallel: a reply in one chat says nothing about another chat's update; an update
    is recorded as processed with its turn, before its replies go out)."""
    inbox, messages = InboxUpdate.__table__, Message.__table__
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with services.sessions() as session:
            waiting = await session.scalar(
                select(func.count()).select_from(inbox).where(inbox.c.processed_at.is_(None))
            )
            unsent = await session.scalar(
                select(func.count())
                .select_from(messages)
                .where(
                    messages.c.direction == "out",
                    messages.c.delivered_at.is_(None),
                    messages.c.attempts < MAX_DELIVERY_ATTEMPTS,
                    or_(messages.c.not_before.is_(None), messages.c.not_before <= utcnow()),
                )
            )
        if not waiting and not unsent:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{waiting} updates waiting in the inbox, {unsent} replies unsent after {timeout} s")
        await asyncio.sleep(0.05)

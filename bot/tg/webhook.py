"""Webhook mode. The aiohttp route checks Telegram's secret header, stores the update in the inbox
table and answers 200 at once; workers on every replica process the inbox — for each chat the oldest
unprocessed update first (per-chat order), different chats in parallel. A redelivered update id is
stored once and processed once."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from telegram import Update

from bot.db.models import InboxUpdate, utcnow
from bot.services import Services
from bot.tg.app import WerkApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_ATTEMPTS = 5


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


class Inbox:
    def __init__(self, application: WerkApplication, services: Services, workers: int) -> None:
        self._application = application
        self._services = services
        self._postgres = services.engine.dialect.name == "postgresql"
        # SQLite has one writer: one worker. PostgreSQL: several, each locking the row it works on.
        self._workers = workers if self._postgres else 1
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(webhook_path(self._services.settings.webhook_url), self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        secret = self._services.settings.webhook_secret
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403, text="forbidden")
        if self._stopping:
            return web.Response(status=503, text="shutting down")  # Telegram will deliver it again
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("malformed webhook body refused: %s", type(exc).__name__)
            return web.Response(status=400, text="malformed update")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="malformed update")
        try:
            async with self._services.sessions() as session, session.begin():
                if await session.get(InboxUpdate, update_id) is None:
                    session.add(InboxUpdate(update_id=update_id, chat_id=chat_of(payload), payload=payload))
        except IntegrityError:
            pass  # delivered twice at the same moment: stored once
        self._wake.set()
        return web.Response(text="ok")

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self._workers)]

    async def stop(self) -> None:
        """Graceful: refuse new updates, finish the ones in progress."""
        self._stopping = True
        self._wake.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _worker(self) -> None:
        while not self._stopping:
            try:
                handled = await self.process_one()
            except Exception:
                log.exception("inbox worker error")
                handled = False
            if not handled and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)

    def _next(self) -> Any:
        older = aliased(InboxUpdate)
        query = (
            select(InboxUpdate)
            .where(
                InboxUpdate.processed_at.is_(None),
                ~exists().where(
                    older.chat_id == InboxUpdate.chat_id,
                    older.processed_at.is_(None),
                    older.update_id < InboxUpdate.update_id,
                ),
            )
            .order_by(InboxUpdate.update_id)
            .limit(1)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True, of=InboxUpdate)
        return query

    async def _handle(self, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, self._application.bot)
        await self._application.process_update(update)

    async def process_one(self) -> bool:
        """Process the next update whose chat has nothing older pending. False when there is none."""
        async with self._services.sessions() as session:
            if self._postgres:
                # The row stays locked while it is processed, so no other replica takes this chat's next update.
                async with session.begin():
                    row = await session.scalar(self._next())
                    if row is None:
                        return False
                    await self._handle(row.payload)
                    row.processed_at = utcnow()
                    row.attempts += 1
                return True
            async with session.begin():
                row = await session.scalar(self._next())
                if row is None:
                    return False
                update_id, payload = row.update_id, row.payload
            await self._handle(payload)
            async with session.begin():
                stored = await session.get(InboxUpdate, update_id)
                if stored is not None:
                    stored.processed_at = utcnow()
                    stored.attempts += 1
            return True

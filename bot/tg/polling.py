"""Long polling into the inbox: each batch of getUpdates is stored before the next call confirms it
to Telegram (its offset), so updates fetched but not yet answered survive the process being killed.
Hand-written rather than PTB's Updater, which confirms updates before they are handled."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.services import Services
from bot.tg.inbox import Inbox
from bot.tg.payload import parse_body, update_id_of

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open when there is nothing
RETRY_DELAY = 1.0
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class Poller:
    def __init__(self, services: Services, inbox: Inbox) -> None:
        self._services = services
        self._inbox = inbox
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Telegram or the database away: try again in a moment
                log.warning("polling failed: %s", type(exc).__name__)
                await asyncio.sleep(RETRY_DELAY)

    async def poll_once(self) -> None:
        updates = await self._get_updates()
        readable: list[tuple[int, dict[str, Any]]] = []
        last = self._offset - 1 if self._offset is not None else None
        for update in updates:
            update_id = update_id_of(update)
            if update_id is None:
                log.warning("an update without an id was skipped")
                continue
            last = update_id if last is None else max(last, update_id)
            readable.append((update_id, update))
        await self._inbox.store(readable)  # raises when not stored: then the offset stays
        if last is not None:
            self._offset = last + 1

    async def _get_updates(self) -> list[Any]:
        settings = self._services.settings
        url = f"{settings.telegram_api_url}/bot{settings.telegram_token}/getUpdates"
        params: dict[str, Any] = {"timeout": POLL_TIMEOUT, "allowed_updates": ALLOWED_UPDATES}
        if self._offset is not None:
            params["offset"] = self._offset
        timeout = aiohttp.ClientTimeout(total=POLL_TIMEOUT + settings.telegram_timeout)
        async with self._services.http.post(url, json=params, timeout=timeout) as response:
            raw = await response.read()
            status = response.status
        body = parse_body(raw)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("result"), list):
            description = body.get("description") if isinstance(body, dict) else None
            raise RuntimeError(f"getUpdates answered {status}: {str(description)[:100]}")
        return list(body["result"])

"""Webhook mode: the aiohttp route checks Telegram's secret header, stores the update in the inbox
and answers 200 once it is committed; the inbox workers answer it (`bot.tg.inbox`)."""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.tg.payload import parse_body, update_id_of

if TYPE_CHECKING:
    from bot.tg.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    return urlparse(webhook_url).path or "/webhook"


def secret_matches(given: str, secret: str) -> bool:
    """Compared as bytes: a header with non-ASCII characters is a wrong secret, not an error."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode())


def add_route(app: web.Application, inbox: Inbox, settings: Settings) -> None:
    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER, ""), settings.webhook_secret):
            return web.Response(status=403, text="forbidden")
        if inbox.stopping:
            return web.Response(status=503, text="shutting down")  # Telegram will deliver it again
        payload = parse_body(await request.read())
        update_id = update_id_of(payload)
        if update_id is None or not isinstance(payload, dict):
            # Telegram would deliver it again and again: confirm it, keep nothing of it.
            log.warning("an unreadable webhook body was skipped")
            return web.Response(text="skipped")
        try:
            await inbox.store([(update_id, payload)])
        except (SQLAlchemyError, OSError) as exc:
            log.error("could not store update %d: %s", update_id, type(exc).__name__)
            return web.Response(status=503, text="try again")  # Telegram will deliver it again
        return web.Response(text="ok")

    app.router.add_post(webhook_path(settings.webhook_url), receive)

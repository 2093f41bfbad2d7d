"""The bot's aiohttp server: health and readiness for orchestrators, the webhook, the coach console."""

from bot.web.app import SERVICES, create_web_app, healthz, readyz, start_web

__all__ = ["SERVICES", "create_web_app", "healthz", "readyz", "start_web"]

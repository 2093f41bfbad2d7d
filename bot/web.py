"""The bot's aiohttp server: health and readiness for orchestrators (later: webhook, web inbox)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text

from bot.handoff import coaches
from bot.services import Services

SERVICES = web.AppKey("services", Services)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "nlu": "ok", **await coaches.readiness(services)})


def create_web_app(services: Services, routes: Callable[[web.Application], None] | None = None) -> web.Application:
    app = web.Application()
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if routes is not None:
        routes(app)
    return app


async def start_web(
    services: Services, routes: Callable[[web.Application], None] | None = None, *, shared_port: bool = False
) -> web.AppRunner:
    """`shared_port`: the replica's other processes listen on the same port (SO_REUSEPORT)."""
    runner = web.AppRunner(create_web_app(services, routes), access_log=None)
    await runner.setup()
    site = web.TCPSite(
        runner, services.settings.web_host, services.settings.web_port, reuse_port=True if shared_port else None
    )
    await site.start()
    return runner

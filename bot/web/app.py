"""The web application: health and readiness, security headers on every response, the console."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text

from bot.handoff import coaches
from bot.nlu.rasa import FallbackParser
from bot.services import Services
from bot.translate.guard import GuardedTranslator
from bot.web.security import security_headers

SERVICES = web.AppKey("services", Services)

Deliver = Callable[[], Awaitable[None]]


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return web.json_response(
        {"status": "ok", "database": "ok", **_outside_services(services), **await coaches.readiness(services)}
    )


def _outside_services(services: Services) -> dict[str, str]:
    """Rasa and the translator as the bot last found them (no probe here). Still ready when they are down:
    the embedded classifier answers and coaches see "translation unavailable"; another replica would not help."""
    nlu = services.nlu
    down = isinstance(nlu, FallbackParser) and nlu.degraded
    translator = services.machine_translator
    if translator is None:
        translation = "off"
    elif isinstance(translator, GuardedTranslator) and translator.down:
        translation = f"{translator.name} unavailable"
    else:
        translation = "ok"
    return {"nlu": "Rasa unavailable: the embedded classifier answers" if down else "ok", "translator": translation}


def create_web_app(
    services: Services,
    routes: Callable[[web.Application], None] | None = None,
    *,
    deliver: Deliver | None = None,
) -> web.Application:
    """`deliver`: sends what waits in the outbox now (the console calls it after a reply), so a
    coach's answer need not wait for the periodic outbox drain."""
    from bot.web.console import setup_console

    app = web.Application()
    app[SERVICES] = services
    app.on_response_prepare.append(security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    setup_console(app, services, deliver)
    if routes is not None:
        routes(app)
    return app


async def start_web(
    services: Services,
    routes: Callable[[web.Application], None] | None = None,
    *,
    shared_port: bool = False,
    deliver: Deliver | None = None,
) -> web.AppRunner:
    """`shared_port`: the replica's other processes listen on the same port (SO_REUSEPORT)."""
    runner = web.AppRunner(create_web_app(services, routes, deliver=deliver), access_log=None)
    await runner.setup()
    site = web.TCPSite(
        runner, services.settings.web_host, services.settings.web_port, reuse_port=True if shared_port else None
    )
    await site.start()
    return runner

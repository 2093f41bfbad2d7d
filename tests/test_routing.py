"""The declared router: routes are tried in order, a handler may pass the update on, and safeguarding
comes before everything else, the flood rule included."""

from __future__ import annotations

from typing import Any

from bot.pipeline import SLOW_DOWN, Incoming, process
from bot.routes import ROUTES
from bot.routing import Ctx, Route, dispatch
from bot.services import Services

NEWCOMER = 6101


def test_safeguarding_is_the_first_route() -> None:
    names = [route.name for route in ROUTES]
    assert names[0] == "safeguarding"
    assert names.index("flood") > names.index("safeguarding")
    assert names[-1] == "own dialog"  # everything else falls through to the bot's own dialog


async def test_routes_are_tried_in_order_and_may_pass_an_update_on() -> None:
    tried: list[str] = []

    def never(ctx: Any) -> bool:
        tried.append("never")
        return False

    async def sometimes(ctx: Any) -> bool:
        tried.append("sometimes?")
        return True

    async def passes_on(ctx: Any) -> bool:
        tried.append("passes on")
        return False

    async def answers(ctx: Any) -> bool:
        tried.append("answers")
        return True

    routes = [
        Route("never", never, answers),
        Route("passes on", sometimes, passes_on),
        Route("answers", lambda ctx: True, answers),
        Route("too late", lambda ctx: True, answers),
    ]
    ctx: Ctx = None  # type: ignore[assignment]  # the routes above never look at it
    assert await dispatch(ctx, routes) == "answers"
    assert tried == ["never", "sometimes?", "passes on", "answers"]


async def test_a_disclosure_in_a_flood_still_gets_the_help_lines(services: Services) -> None:
    notice = services.translator.gettext("nl", SLOW_DOWN)
    for i in range(services.settings.rate_limit):
        await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=f"hallo {i}", telegram_language="nl"))
    flooded = await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="hallo", telegram_language="nl"))
    assert [o.text for o in flooded.outgoing] == [notice]  # the flood rule is on for this newcomer
    result = await process(
        services, Incoming(NEWCOMER, NEWCOMER, "text", text="i want to kill myself", telegram_language="en")
    )
    help_lines = services.flows.text("safeguarding", "suicide", result.language or "en")
    assert any(help_lines[:40] in o.text for o in result.outgoing)

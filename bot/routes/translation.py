"""A newcomer's "show the original" under a coach's machine-translated message (issue 26)."""

from __future__ import annotations

from bot.callbacks import ShowOriginal
from bot.routing import Ctx
from bot.translate import drafts


async def handle(ctx: Ctx) -> bool:
    assert isinstance(ctx.button, ShowOriginal)
    case = await ctx.case()
    ctx.store(case.id if case else None)
    await drafts.show_original(ctx.turn, ctx.sender.user, ctx.sender.lang, ctx.button, ctx.incoming.chat_id)
    return True

"""The later question about work (issue 25): consent to be asked, the answers, "stop asking"."""

from __future__ import annotations

from bot import followup
from bot.callbacks import FollowupAnswer, FollowupConsent
from bot.routing import Ctx


async def handle(ctx: Ctx) -> bool:
    assert isinstance(ctx.button, FollowupConsent | FollowupAnswer)
    ctx.store()
    await followup.on_button(ctx.turn, ctx.sender, ctx.button, ctx.incoming.chat_id)
    return True

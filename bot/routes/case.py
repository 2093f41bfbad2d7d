"""A newcomer with a case: the closing question's answer, and relaying to the coach (the bot stays
quiet). Coach buttons pressed (or forged) by someone who is not a coach do nothing at all."""

from __future__ import annotations

from bot.callbacks import SatisfactionButton
from bot.db.models import CASE_CLOSED, Case
from bot.handoff import service
from bot.routing import Ctx


async def ignore(ctx: Ctx) -> bool:
    ctx.store()
    return True


async def rates_own_closed_case(ctx: Ctx) -> bool:
    """The closing question's answer for their own closed case (someone else's goes on to the dialog)."""
    if not isinstance(ctx.button, SatisfactionButton):
        return False
    case = await ctx.turn.session.get(Case, ctx.button.case_id)
    return case is not None and case.user_id == ctx.sender.user.id and case.status == CASE_CLOSED


async def satisfaction(ctx: Ctx) -> bool:
    assert isinstance(ctx.button, SatisfactionButton)
    ctx.store()
    return await service.satisfaction(ctx.turn, ctx.sender, ctx.button, ctx.incoming.chat_id)


async def open_case(ctx: Ctx) -> bool:
    return await ctx.case() is not None


async def relay(ctx: Ctx) -> bool:
    case, incoming = await ctx.case(), ctx.incoming
    assert case is not None
    ctx.store(case.id)
    await service.newcomer_in_case(
        ctx.turn,
        ctx.sender,
        case,
        kind=incoming.kind,
        command=incoming.command,
        text=incoming.words,
        chat_id=incoming.chat_id,
        message_id=incoming.message_id,
    )
    return True

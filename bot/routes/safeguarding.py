"""A disclosure (or the "I am fine" button) gets the help lines and an urgent case."""

from __future__ import annotations

from bot.routing import Ctx
from bot.safeguarding import respond


def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    return ctx.is_newcomer and not incoming.in_group and respond.concerns(incoming.kind, incoming.words, ctx.button)


async def handle(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    ctx.store()
    await respond.respond(
        ctx.turn, ctx.sender, incoming.kind, incoming.words, incoming.chat_id, incoming.message_id, ctx.button
    )
    return True

"""A disclosure (or the "I am fine" button) gets the help lines and an urgent case; a message the model
is unsure about gets "Are you safe right now?" first, and is then answered by the next routes."""

from __future__ import annotations

from bot.routing import Ctx
from bot.safeguarding import respond


def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    return ctx.is_newcomer and not incoming.in_group and respond.concerns(incoming.kind, incoming.words, ctx.button)


async def handle(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    if ctx.button is None and await respond.ask_if_safe(
        ctx.turn, ctx.sender, incoming.kind, incoming.words, incoming.chat_id
    ):
        return False  # asked; the message itself is answered as usual
    if ctx.button is None and respond.check(incoming.kind, incoming.words) is None:
        return False  # the middle band, but a disclosure case is already open: the next routes answer
    ctx.store()
    await respond.respond(
        ctx.turn, ctx.sender, incoming.kind, incoming.words, incoming.chat_id, incoming.message_id, ctx.button
    )
    return True

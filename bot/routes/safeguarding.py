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
    ctx.store()
    await respond.respond(
        ctx.turn, ctx.sender, incoming.kind, incoming.words, incoming.chat_id, incoming.message_id, ctx.button
    )
    return True


def unsure(ctx: Ctx) -> bool:
    """A newcomer's message the model is unsure about, on its way to the bot's own answer (an intake
    answer, a message in a case or a flood took an earlier route)."""
    incoming = ctx.incoming
    return ctx.is_newcomer and not incoming.in_group and ctx.button is None


async def ask(ctx: Ctx) -> bool:
    """Ask "Are you safe right now?" first; the next route answers the message as usual."""
    incoming = ctx.incoming
    await respond.ask_if_safe(ctx.turn, ctx.sender, incoming.kind, incoming.words, incoming.chat_id)
    return False

"""The intake form while it is active: answers (text), its own buttons, /cancel to pause it."""

from __future__ import annotations

from dataclasses import replace

from bot import followup
from bot.callbacks import IntakeButton
from bot.handoff import service
from bot.intake import form, validate
from bot.intake import store as intake_store
from bot.routing import Ctx


async def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    takes = (
        incoming.kind == "text"
        or isinstance(ctx.button, IntakeButton)
        or (incoming.kind == "command" and incoming.command == "cancel")
    )
    return takes and form.is_active(await ctx.intake())


async def handle(ctx: Ctx) -> bool:
    turn, sender, incoming = ctx.turn, ctx.sender, ctx.incoming
    intake, case = await ctx.intake(), await ctx.case()
    assert intake is not None
    ctx.store(case.id if case else None)
    municipalities = validate.municipalities()
    if incoming.kind == "command":
        step = form.on_button(intake, IntakeButton("stop"), municipalities.match)
    elif isinstance(ctx.button, IntakeButton):
        step = form.on_button(intake, ctx.button, municipalities.match)
    else:
        step = form.on_text(intake, incoming.text or "", municipalities.match)
    await intake_store.save(turn.session, sender.user.id, step.state)
    for reply in step.replies:
        turn.outbox.reply(sender.user, incoming.chat_id, sender.lang, reply)
    if step.submit:
        await service.intake_submitted(turn, sender.user, sender.lang, dict(step.state.answers), case)
        await followup.offer(turn, sender, incoming.chat_id)
    return True


async def went_elsewhere(ctx: Ctx) -> bool:
    intake = await ctx.intake()
    return intake is not None and intake.status == "asking" and ctx.incoming.kind in {"command", "button"}


async def pause(ctx: Ctx) -> bool:
    """Not an answer: the question waits (a pass-through, the next route answers the update)."""
    intake = await ctx.intake()
    assert intake is not None
    await intake_store.save(ctx.turn.session, ctx.sender.user.id, replace(intake, status="paused"))
    return False

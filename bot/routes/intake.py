"""The intake form while it is active: answers (text), its own buttons, /cancel to pause it."""

from __future__ import annotations

from dataclasses import replace

from bot import followup
from bot.callbacks import IntakeButton, LanguageButton
from bot.handoff import service
from bot.intake import form, validate
from bot.intake import store as intake_store
from bot.routing import Ctx


def typed_consent(ctx: Ctx) -> IntakeButton | None:
    """A yes or no typed to the consent question, as the button it means."""
    answer = ctx.typed_yes_no()
    return None if answer is None else IntakeButton("consent", "yes" if answer else "no")


async def applies(ctx: Ctx) -> bool:
    incoming = ctx.incoming
    intake = await ctx.intake()
    if incoming.kind == "text" and intake is not None and intake.status == "consent":
        # Anything but a yes or no is a question: the routes below answer it, the consent
        # question stays open (repeating it would leave the question unanswered).
        return typed_consent(ctx) is not None
    takes = (
        incoming.kind == "text"
        or isinstance(ctx.button, IntakeButton)
        or (incoming.kind == "command" and incoming.command == "cancel")
    )
    return takes and form.is_active(intake)


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
    elif (answer := typed_consent(ctx)) is not None and intake.status == "consent":
        step = form.on_button(intake, answer, municipalities.match)
    else:
        step = form.on_text(intake, incoming.text or "", municipalities.match)
    await intake_store.save(turn.session, sender.user.id, step.state)
    for reply in step.replies:
        turn.outbox.reply(sender.user, incoming.chat_id, sender.lang, reply)
    if step.submit:
        await service.intake_submitted(turn, sender.user, sender.lang, dict(step.state.answers), case)
        await followup.offer(turn, sender, incoming.chat_id)
    return True


def changes_language(ctx: Ctx) -> bool:
    """/language or a language button: how to talk, not a step away from the intake."""
    incoming = ctx.incoming
    return isinstance(ctx.button, LanguageButton) or (incoming.kind == "command" and incoming.command == "language")


async def went_elsewhere(ctx: Ctx) -> bool:
    intake = await ctx.intake()
    return (
        intake is not None
        and intake.status == "asking"
        and ctx.incoming.kind in {"command", "button"}
        and not changes_language(ctx)
    )


async def pause(ctx: Ctx) -> bool:
    """Not an answer: the question waits (a pass-through, the next route answers the update)."""
    intake = await ctx.intake()
    assert intake is not None
    await intake_store.save(ctx.turn.session, ctx.sender.user.id, replace(intake, status="paused"))
    return False

"""Registered coaches: the coaches' group, and in private chat their commands, claim buttons and
relays to their active case. Anything else they send gets the newcomer experience (to try the bot)."""

from __future__ import annotations

from bot.callbacks import CoachButton, TranslatedReply
from bot.handoff import service
from bot.messages import Reply
from bot.routing import Ctx
from bot.translate import drafts


def in_group(ctx: Ctx) -> bool:
    return ctx.incoming.in_group


async def group(ctx: Ctx) -> bool:
    """Only registered coaches are heard in the coaches' group; nothing of it is stored."""
    if ctx.sender.coach is not None:
        await _coach_update(ctx)
    return True


def is_coach(ctx: Ctx) -> bool:
    return ctx.sender.coach is not None


async def private(ctx: Ctx) -> bool:
    if not await _coach_update(ctx):
        return False
    assert ctx.sender.coach is not None
    ctx.store(ctx.sender.coach.active_case_id)
    return True


async def _coach_update(ctx: Ctx) -> bool:
    """Handle a coach's update; False when it is not coach business."""
    turn, sender, incoming = ctx.turn, ctx.sender, ctx.incoming
    coach = sender.coach
    assert coach is not None
    if incoming.kind == "button":
        if isinstance(ctx.button, CoachButton):
            await service.coach_button(turn, sender, ctx.button, incoming.telegram_user_id)
            return True
        if isinstance(ctx.button, TranslatedReply):  # send / edit / send original / try again (issue 26)
            await drafts.coach_button(turn, coach, sender.user, sender.lang, ctx.button.action, ctx.button.draft_id)
            return True
        return False
    if incoming.kind == "command":
        if incoming.command in service.COACH_COMMANDS and not incoming.in_group:
            await service.coach_command(turn, sender, incoming.command or "", incoming.args, incoming.chat_id)
            return True
        return False
    if incoming.kind == "edited":
        return incoming.in_group
    case = await service.find_case_for_coach(
        turn.session, turn.settings, coach, incoming.chat_id, incoming.reply_to_message_id, incoming.thread_id
    )
    if case is None:
        if not incoming.in_group:
            turn.outbox.reply(sender.user, incoming.chat_id, sender.lang, Reply(service.NO_ACTIVE_CASE))
        return True
    await service.coach_relay(
        turn,
        sender,
        case,
        kind=incoming.kind,
        text=incoming.words,
        chat_id=incoming.chat_id,
        message_id=incoming.message_id,
    )
    return True

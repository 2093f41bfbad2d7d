"""A flood of messages: all stored, one polite notice per window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Message
from bot.db.queries import typed_since
from bot.messages import Reply, t_
from bot.routing import Ctx

SLOW_DOWN = t_(
    "You are sending many messages very fast. I have saved them all; please wait a moment, then send "
    "your question in one message."
)


async def applies(ctx: Ctx) -> bool:
    settings, turn = ctx.turn.settings, ctx.turn
    if not ctx.is_newcomer or ctx.incoming.kind in {"button", "command"}:
        return False
    recent = ctx.typed_recently
    if recent is None:
        since = turn.now - timedelta(seconds=settings.rate_window_seconds)
        recent = await turn.session.scalar(
            select(func.count()).select_from(Message).where(*typed_since(ctx.sender.user.id, since))
        )
    return (recent or 0) >= settings.rate_limit


async def handle(ctx: Ctx) -> bool:
    ctx.store()
    turn, user = ctx.turn, ctx.sender.user
    since = turn.now - timedelta(seconds=turn.settings.rate_window_seconds)
    noticed = select(Message.id).where(
        Message.user_id == user.id, Message.kind == "ratelimit", Message.created_at > since
    )
    if await turn.session.scalar(noticed.limit(1)) is None:  # one notice per window
        turn.outbox.reply(user, ctx.incoming.chat_id, ctx.language, Reply(SLOW_DOWN), kind="ratelimit")
    return True

"""Query fragments several modules share (the flood rule's count, the coach card's recent messages,
a user by Telegram id)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Message, User


def table(model: Any) -> Table:
    return cast(Table, model.__table__)


def typed_by(user_id: Any) -> list[ColumnElement[bool]]:
    """The messages a user typed or pasted (not taps on buttons, not commands)."""
    messages = table(Message)
    return [
        messages.c.user_id == user_id,
        messages.c.direction == "in",
        messages.c.kind != "button",
        messages.c.kind != "command",
    ]


def typed_since(user_id: Any, since: Any) -> list[ColumnElement[bool]]:
    """The flood rule's messages: what a user typed or pasted since `since` (taps on buttons and
    commands are deliberate, so they do not count)."""
    return [*typed_by(user_id), table(Message).c.created_at > since]


async def user_of(session: AsyncSession, telegram_id: int) -> User:
    """The user row of a Telegram id, created when new (flushed: other rows will refer to it)."""
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        user = User(telegram_id=telegram_id)
        session.add(user)
        await session.flush()
    return user

"""The way of one message, independent of Telegram: resolve the user and language, understand,
decide, and persist state, transcript and outgoing replies in one transaction. The caller sends the
returned replies and marks them delivered; undelivered replies stay in the outbox for a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState, Message, ProcessedUpdate, User, utcnow
from bot.dialog import ButtonIn, CommandIn, Dialog, DialogConfig, EditedIn, Event, MediaIn, Outcome, State, TextIn
from bot.languages import resolve_language
from bot.nlu.types import NluResult
from bot.render import Renderer
from bot.services import Services

COMMANDS = frozenset({"start", "help", "language", "menu"})
MAX_DELIVERY_ATTEMPTS = 5


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, as the adapter saw it."""

    telegram_user_id: int
    chat_id: int
    kind: str  # text, button, command, edited, or a media kind (photo, sticker, voice, ...)
    text: str | None = None  # message text, caption, callback data or command arguments
    command: str | None = None
    update_id: int | None = None
    message_id: int | None = None
    first_name: str | None = None
    telegram_language: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A reply stored in the outbox, ready to send."""

    id: int
    chat_id: int
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class Result:
    outgoing: list[Outgoing]
    duplicate: bool = False
    language: str | None = None


def _event(incoming: Incoming, nlu: NluResult | None) -> Event:
    if incoming.kind == "command":
        return CommandIn(incoming.command or "", incoming.text or "")
    if incoming.kind == "button":
        return ButtonIn(incoming.text or "")
    if incoming.kind == "edited":
        return EditedIn()
    if nlu is not None and incoming.text is not None:
        return TextIn(incoming.text, nlu)
    return MediaIn(incoming.kind)


def _needs_nlu(incoming: Incoming) -> bool:
    return incoming.kind not in {"command", "button", "edited"} and bool(incoming.text and incoming.text.strip())


def _outgoing(row: Message) -> Outgoing:
    buttons: Any = row.buttons or []
    return Outgoing(row.id, row.chat_id, row.text or "", tuple(tuple((b[0], b[1]) for b in r) for r in buttons))


async def _user(session: AsyncSession, incoming: Incoming) -> User:
    user = await session.scalar(select(User).where(User.telegram_id == incoming.telegram_user_id))
    if user is None:
        user = User(telegram_id=incoming.telegram_user_id)
        session.add(user)
        await session.flush()
    if incoming.first_name:
        user.first_name = incoming.first_name[:64]
    if incoming.telegram_language:
        user.telegram_language = incoming.telegram_language[:16]
    user.last_seen_at = utcnow()
    user.unreachable = False  # they wrote to us, so they can be reached again
    return user


async def _undelivered(session: AsyncSession, user_id: int) -> list[Outgoing]:
    rows = await session.scalars(
        select(Message)
        .where(Message.user_id == user_id, Message.direction == "out", Message.delivered_at.is_(None))
        .order_by(Message.id)
    )
    return [_outgoing(r) for r in rows]


async def _claim_update(session: AsyncSession, update_id: int | None) -> bool:
    """Record the update id; False when it was processed before (a redelivery)."""
    if update_id is None:
        return True
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id))
    except IntegrityError:
        return False
    return True


async def process(services: Services, incoming: Incoming) -> Result:
    nlu = await services.nlu.parse(incoming.text or "") if _needs_nlu(incoming) else None
    flows = services.flows
    dialog = Dialog(DialogConfig(flows, services.settings.nlu_threshold))
    renderer = Renderer(services.translator, flows)
    async with services.sessions() as session, session.begin():
        fresh = await _claim_update(session, incoming.update_id)
        user = await _user(session, incoming)
        if not fresh:
            return Result(await _undelivered(session, user.id), duplicate=True)
        state_row = await session.get(ConversationState, user.id)
        if state_row is None:
            state_row = ConversationState(user_id=user.id, pending=[])
            session.add(state_row)
        state = State(state_row.flow, state_row.node, state_row.low_confidence_streak or 0)
        language = resolve_language(
            text=incoming.text if nlu is not None else None,
            chosen=user.chosen_language,
            last=user.last_language,
            telegram_code=incoming.telegram_language or user.telegram_language,
            default=services.settings.default_language,
        )
        outcome: Outcome = dialog.decide(_event(incoming, nlu), state)
        if outcome.chosen_language is not None:
            user.chosen_language = language = outcome.chosen_language
        user.last_language = language
        state_row.flow, state_row.node = outcome.state.flow, outcome.state.node
        state_row.low_confidence_streak = outcome.state.low_confidence_streak
        session.add(
            Message(
                user_id=user.id,
                chat_id=incoming.chat_id,
                direction="in",
                kind=incoming.kind if incoming.kind != "command" else "command",
                text=f"/{incoming.command} {incoming.text or ''}".strip()
                if incoming.kind == "command"
                else incoming.text,
                language=language,
                intent=nlu.intent if nlu else outcome.intent,
                confidence=nlu.confidence if nlu else None,
                update_id=incoming.update_id,
                telegram_message_id=incoming.message_id,
            )
        )
        rows = [
            Message(
                user_id=user.id,
                chat_id=incoming.chat_id,
                direction="out",
                kind="text",
                text=part.text,
                language=language,
                buttons=[[list(b) for b in row] for row in part.buttons] or None,
                update_id=incoming.update_id,
            )
            for reply in outcome.replies
            for part in renderer.render(reply, language)
        ]
        session.add_all(rows)
        await session.flush()
        return Result([_outgoing(r) for r in rows], language=language)


async def mark_delivered(services: Services, outgoing_id: int, telegram_message_id: int | None) -> None:
    async with services.sessions() as session, session.begin():
        await session.execute(
            update(Message)
            .where(Message.id == outgoing_id)
            .values(delivered_at=utcnow(), telegram_message_id=telegram_message_id, attempts=Message.attempts + 1)
        )


async def mark_failed(services: Services, outgoing_id: int) -> None:
    async with services.sessions() as session, session.begin():
        await session.execute(update(Message).where(Message.id == outgoing_id).values(attempts=Message.attempts + 1))


async def undelivered(services: Services, limit: int = 100) -> list[Outgoing]:
    """Replies that were stored but never accepted by Telegram (e.g. the process died before sending)."""
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Message)
            .where(Message.direction == "out", Message.delivered_at.is_(None), Message.attempts < MAX_DELIVERY_ATTEMPTS)
            .order_by(Message.id)
            .limit(limit)
        )
        return [_outgoing(r) for r in rows]


async def mark_unreachable(services: Services, chat_id: int) -> None:
    """The user blocked the bot: remember it, and stop trying to deliver their pending replies."""
    async with services.sessions() as session, session.begin():
        await session.execute(update(User).where(User.telegram_id == chat_id).values(unreachable=True))
        await session.execute(
            update(Message)
            .where(Message.chat_id == chat_id, Message.direction == "out", Message.delivered_at.is_(None))
            .values(attempts=MAX_DELIVERY_ATTEMPTS)
        )


async def set_chosen_language(services: Services, telegram_user_id: int, lang: str | None) -> None:
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == telegram_user_id))
        if user is None:
            user = User(telegram_id=telegram_user_id)
            session.add(user)
        user.chosen_language = lang
        user.last_language = lang

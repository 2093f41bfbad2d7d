"""Telegram updates to the pipeline's `Incoming`: which updates the bot answers, and how it sees them."""

from __future__ import annotations

from dataclasses import replace

from telegram import Chat, Message, Update
from telegram.constants import MessageEntityType

from bot.pipeline import Incoming

MEDIA_KINDS = (
    "sticker",
    "animation",
    "photo",
    "voice",
    "video_note",
    "video",
    "audio",
    "document",
    "contact",
    "venue",
    "location",
    "poll",
    "dice",
    "game",
    "story",
)


def message_kind(message: Message) -> str:
    if message.text is not None:
        return "text"
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"


def _command(message: Message) -> tuple[str, str] | None:
    text = message.text or ""
    entity = next(iter(message.entities), None)
    if not text.startswith("/") or entity is None or entity.type != MessageEntityType.BOT_COMMAND or entity.offset:
        return None
    name = text[1 : entity.length].split("@", 1)[0].lower()
    return name, text[entity.length :].strip()


def to_incoming(update: Update, coach_chat_id: int | None = None) -> Incoming | None:
    """What the user did, or None for updates the bot ignores on purpose (other groups, channels,
    service messages, inline callback queries)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    in_group = coach_chat_id is not None and chat.id == coach_chat_id
    if chat.type != Chat.PRIVATE and not in_group:
        return None
    base = Incoming(
        telegram_user_id=user.id,
        chat_id=chat.id,
        kind="",
        update_id=update.update_id,
        first_name=user.first_name,
        telegram_language=user.language_code,
        in_group=in_group,
    )
    if update.callback_query is not None:
        return replace(base, kind="button", text=update.callback_query.data or "")
    if update.edited_message is not None:
        return replace(base, kind="edited", message_id=update.edited_message.message_id)
    message = update.message
    if message is None:
        return None
    command = _command(message)
    if command is not None:
        return replace(base, kind="command", command=command[0], text=command[1], message_id=message.message_id)
    kind = message_kind(message)
    text = message.text if kind == "text" else message.caption
    if message.is_topic_message or in_group:
        base = replace(base, thread_id=message.message_thread_id if message.is_topic_message else None)
    reply_to = message.reply_to_message.message_id if message.reply_to_message is not None else None
    return replace(base, kind=kind, text=text, message_id=message.message_id, reply_to_message_id=reply_to)

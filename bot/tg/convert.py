"""Telegram updates to the pipeline's `Incoming`: which updates the bot answers, and how it sees them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import Update

from bot.incoming import Incoming

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


JSON = dict[str, Any]

# Messages Telegram writes itself into a chat (a timer set, a message pinned, a new background...):
# nobody asked the bot anything, so it says nothing.
SERVICE_KEYS = frozenset(
    {
        "message_auto_delete_timer_changed",
        "pinned_message",
        "chat_background_set",
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "write_access_allowed",
        "proximity_alert_triggered",
        "boost_added",
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
        "general_forum_topic_hidden",
        "general_forum_topic_unhidden",
        "video_chat_scheduled",
        "video_chat_started",
        "video_chat_ended",
        "video_chat_participants_invited",
        "connected_website",
        "users_shared",
        "chat_shared",
        "successful_payment",
        "refunded_payment",
        "gift",
        "unique_gift",
        "giveaway_created",
        "giveaway_completed",
    }
)


def message_kind(message: JSON) -> str:
    if message.get("text") is not None:
        return "text"
    for kind in MEDIA_KINDS:
        if message.get(kind):
            return kind
    return "other"


def _command(message: JSON) -> tuple[str, str] | None:
    text = message.get("text") or ""
    entity = next(iter(message.get("entities") or ()), None)
    if not text.startswith("/") or entity is None or entity.get("type") != "bot_command" or entity.get("offset"):
        return None
    length = int(entity.get("length") or 0)
    name = text[1:length].split("@", 1)[0].lower()
    return name, text[length:].strip()


def _sender_and_chat(payload: JSON) -> tuple[JSON | None, JSON | None]:
    for key in ("message", "edited_message"):
        message = payload.get(key)
        if message:
            return message.get("from"), message.get("chat")
    query = payload.get("callback_query")
    if query:
        return query.get("from"), (query.get("message") or {}).get("chat")
    return None, None


def to_incoming(update: Update | JSON, coach_chat_id: int | None = None) -> Incoming | None:
    """What the user did, or None for updates the bot ignores on purpose (other groups, channels,
    service messages, inline callback queries). Reads the update as Telegram sent it (JSON), so the
    webhook workers need not build PTB's objects; PTB's `Update` is turned back into that form."""
    payload = update.to_dict() if isinstance(update, Update) else update
    user, chat = _sender_and_chat(payload)
    if not user or not chat or user.get("is_bot") or "id" not in user or "id" not in chat:
        return None
    chat_id = int(chat["id"])
    in_group = coach_chat_id is not None and chat_id == coach_chat_id
    if chat.get("type") != "private" and not in_group:
        return None
    base = Incoming(
        telegram_user_id=int(user["id"]),
        chat_id=chat_id,
        kind="",
        update_id=payload.get("update_id"),
        first_name=user.get("first_name"),
        telegram_language=user.get("language_code"),
        in_group=in_group,
    )
    query = payload.get("callback_query")
    if query:
        return replace(base, kind="button", data=query.get("data") or "")
    edited = payload.get("edited_message")
    if edited:
        return replace(base, kind="edited", message_id=edited.get("message_id"))
    message = payload.get("message")
    if not message:
        return None
    command = _command(message)
    if command is not None:
        return replace(base, kind="command", command=command[0], args=command[1], message_id=message.get("message_id"))
    kind = message_kind(message)
    if kind == "other" and not SERVICE_KEYS.isdisjoint(message):
        return None
    reply_to = (message.get("reply_to_message") or {}).get("message_id")
    return replace(
        base,
        kind=kind,
        thread_id=message.get("message_thread_id") if message.get("is_topic_message") else None,
        text=message.get("text") if kind == "text" else None,
        caption=None if kind == "text" else message.get("caption"),
        message_id=message.get("message_id"),
        reply_to_message_id=reply_to,
        file_id=_file_id(message.get(kind)),
    )


def _file_id(media: Any) -> str | None:
    if isinstance(media, list) and media:  # photos come in sizes: the largest is last
        media = media[-1]
    file_id = media.get("file_id") if isinstance(media, dict) else None
    return str(file_id) if file_id else None

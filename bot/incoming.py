"""What one update says, as the adapter (Telegram, the terminal chat) saw it: pure data."""

from __future__ import annotations

from dataclasses import dataclass


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
    in_group: bool = False  # sent in the coaches' group (only that group reaches the pipeline)
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    file_id: str | None = None  # the Telegram file of a media message (the console's download link)

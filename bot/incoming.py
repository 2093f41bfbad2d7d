"""What one update says, as the adapter (Telegram, the terminal chat) saw it: pure data, each field
with one meaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, as the adapter saw it."""

    telegram_user_id: int
    chat_id: int
    kind: str  # text, button, command, edited, or a media kind (photo, sticker, voice, ...)
    text: str | None = None  # a text message's text
    caption: str | None = None  # a media message's caption
    data: str | None = None  # a button's callback data
    command: str | None = None  # a command's name: lower case, without the slash or @botname
    args: str = ""  # a command's arguments
    update_id: int | None = None
    message_id: int | None = None
    first_name: str | None = None
    telegram_language: str | None = None
    in_group: bool = False  # sent in the coaches' group (only that group reaches the pipeline)
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    file_id: str | None = None  # the Telegram file of a media message (the console's download link)

    @property
    def words(self) -> str | None:
        """What the user wrote in their own words (text or caption), the only thing the NLU and the
        safeguarding recogniser read."""
        return self.text if self.kind == "text" else self.caption

    @property
    def transcript(self) -> str | None:
        """The update as the transcript keeps it."""
        if self.kind == "command":
            return f"/{self.command} {self.args}".strip()
        if self.kind == "button":
            return self.data
        return self.words

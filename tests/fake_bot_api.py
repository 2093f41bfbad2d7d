"""A fake Telegram Bot API server for end-to-end tests of the bot.

The real python-telegram-bot ``Application`` talks real HTTP to this server::

    fake = FakeBotAPI()
    await fake.start()
    app = Application.builder().token(fake.token).base_url(f"{fake.url}/bot").build()
    ...
    fake.push_update(text_update(user(), "hello"))
    [reply] = await fake.wait_for("sendMessage")

Answers use the JSON shapes of the official Bot API (``{"ok": true, "result": ...}`` and
``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``), so PTB's own
parsing and error mapping are exercised.

The server keeps the messages it has seen (pushed by the test or sent by the bot) per chat, so
replies, edits, copies and forwards behave like Telegram: editing a message that does not exist,
or to identical content, fails the way Telegram fails.

Message ids and file ids are drawn from module-wide counters shared by the update factories and
the server, so a message the bot sends can never collide with one a factory creates.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Generic, TypeVar

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_TOKEN",
    "MEDIA_KINDS",
    "BotAPIError",
    "FakeBotAPI",
    "RecordedRequest",
    "UploadedFile",
    "bot_user",
    "callback_update",
    "channel_post_update",
    "command_update",
    "edited_text_update",
    "forwarded_text_update",
    "group_chat",
    "media_update",
    "next_message_id",
    "private_chat",
    "text_update",
    "user",
]

JSONDict = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN: Final = "123456:TEST"
DEFAULT_BOT_ID: Final = 123456
DEFAULT_BOT_USERNAME: Final = "werkhelpdesk_test_bot"
DEFAULT_BOT_FIRST_NAME: Final = "Werkhelpdesk"

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_UPDATES_PER_CALL: Final = 100
FORUM_TOPIC_DEFAULT_COLOR: Final = 0x6FB9F0

# Update types Telegram does not deliver unless explicitly requested via allowed_updates.
OPT_IN_UPDATE_TYPES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

MEDIA_KINDS: Final = (
    "sticker",
    "animation",
    "photo",
    "voice",
    "video_note",
    "video",
    "document",
    "contact",
    "location",
    "poll",
    "dice",
    "audio",
    "venue",
)
_FILE_KINDS: Final = frozenset({"sticker", "animation", "photo", "voice", "video_note", "video", "document", "audio"})
_CAPTIONED_KINDS: Final = frozenset({"animation", "photo", "voice", "video", "document", "audio"})
_FILE_ID_PREFIX: Final = {
    "photo": "AgACAgQAAxkBAAI",
    "document": "BQACAgQAAxkBAAI",
    "voice": "AwACAgQAAxkBAAI",
    "video": "BAACAgQAAxkBAAI",
    "audio": "CQACAgQAAxkBAAI",
    "sticker": "CAACAgQAAxkBAAI",
    "animation": "CgACAgQAAxkBAAI",
    "video_note": "DQACAgQAAxkBAAI",
}
# Content fields of a message that copyMessage / forwardMessage carry over.
_CONTENT_KEYS: Final = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "link_preview_options",
    "show_caption_above_media",
    "has_media_spoiler",
    "media_group_id",
    *MEDIA_KINDS,
)
_INLINE_BUTTON_ACTIONS: Final = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
# Parameters that always stay strings even if they happen to look like JSON ("123", "true").
_FILE_PARAMS: Final = frozenset(
    {
        "photo",
        "document",
        "voice",
        "video",
        "audio",
        "sticker",
        "animation",
        "video_note",
        "thumbnail",
        "cover",
        "certificate",
    }
)
_TEXT_PARAMS: Final = _FILE_PARAMS | frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "name",
        "title",
        "description",
        "short_description",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "question",
        "question_parse_mode",
        "explanation",
        "explanation_parse_mode",
        "emoji",
        "icon_custom_emoji_id",
        "custom_emoji_id",
        "business_connection_id",
        "message_effect_id",
        "action",
        "language_code",
        "performer",
        "file_id",
        "file_name",
        "sticker_set_name",
        "invite_link",
        "query",
        "start_parameter",
        "payload",
        "currency",
        "provider_token",
        "custom_title",
        "tag",
        "inline_query_id",
        "web_app_query_id",
        "pre_checkout_query_id",
        "shipping_query_id",
        "error_message",
    }
)
_SENDING_METHODS: Final = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})
_SIMPLE_TRUE_METHODS: Final = (
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMessageReaction",
    "setMyName",
    "setMyDescription",
    "setMyShortDescription",
    "setMyDefaultAdministratorRights",
    "leaveChat",
    "banChatMember",
    "unbanChatMember",
    "restrictChatMember",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
    "unpinAllForumTopicMessages",
    "editGeneralForumTopic",
    "closeGeneralForumTopic",
    "reopenGeneralForumTopic",
    "hideGeneralForumTopic",
    "unhideGeneralForumTopic",
)
_DEFAULT_ERROR_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Module-wide sequences: shared by the factories and every FakeBotAPI instance so that ids
# never collide (Telegram numbers the messages of a private chat for both sides together).
_message_ids = itertools.count(1)
_file_seq = itertools.count(1)
_callback_seq = itertools.count(1)
_poll_seq = itertools.count(1)


def next_message_id() -> int:
    """Return a fresh message id (shared by factories and the fake server)."""
    return next(_message_ids)


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Update factories
# ---------------------------------------------------------------------------------------------


def user(
    id: int = 1001,
    first_name: str = "Amal",
    language_code: str | None = "ar",
    username: str | None = None,
) -> JSONDict:
    """A (human) Bot API ``User``."""
    result: JSONDict = {"id": id, "is_bot": False, "first_name": first_name}
    if username is not None:
        result["username"] = username
    if language_code is not None:
        result["language_code"] = language_code
    return result


def bot_user(
    id: int = DEFAULT_BOT_ID,
    username: str = DEFAULT_BOT_USERNAME,
    first_name: str = DEFAULT_BOT_FIRST_NAME,
) -> JSONDict:
    """The bot itself as a ``User`` (as it appears in ``from`` of messages the bot sent)."""
    return {"id": id, "is_bot": True, "first_name": first_name, "username": username}


def private_chat(u: JSONDict) -> JSONDict:
    """The private ``Chat`` between the bot and user ``u``."""
    chat: JSONDict = {"id": u["id"], "type": "private", "first_name": u["first_name"]}
    for key in ("last_name", "username"):
        if key in u:
            chat[key] = u[key]
    return chat


def group_chat(
    id: int = -100123,
    title: str = "Coaches",
    is_forum: bool = False,
) -> JSONDict:
    """A supergroup ``Chat`` (a forum when ``is_forum``)."""
    chat: JSONDict = {"id": id, "type": "supergroup", "title": title}
    if is_forum:  # Telegram omits false booleans
        chat["is_forum"] = True
    return chat


def _message(u: JSONDict, chat: JSONDict | None) -> JSONDict:
    return {
        "message_id": next_message_id(),
        "from": u,
        "chat": chat if chat is not None else private_chat(u),
        "date": _now(),
    }


def _command_entity(text: str) -> JSONDict | None:
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    if not command.startswith("/") or len(command) < 2:
        return None
    return {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}


def text_update(
    u: JSONDict,
    text: str,
    chat: JSONDict | None = None,
    *,
    message_thread_id: int | None = None,
    reply_to: JSONDict | None = None,
    entities: list[JSONDict] | None = None,
) -> JSONDict:
    """An update with a text message from ``u`` (private chat unless ``chat`` is given).

    A leading ``/command`` gets its ``bot_command`` entity automatically.
    """
    msg = _message(u, chat)
    msg["text"] = text
    all_entities = list(entities or [])
    has_command = any(e.get("type") == "bot_command" and e.get("offset") == 0 for e in all_entities)
    command = _command_entity(text)
    if command is not None and not has_command:
        all_entities.insert(0, command)
    if all_entities:
        msg["entities"] = all_entities
    if message_thread_id is not None:
        msg["message_thread_id"] = message_thread_id
        msg["is_topic_message"] = True
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def command_update(u: JSONDict, command: str, args: str = "", chat: JSONDict | None = None) -> JSONDict:
    """An update with ``/command args``."""
    text = "/" + command.lstrip("/")
    if args:
        text = f"{text} {args}"
    return text_update(u, text, chat)


def callback_update(u: JSONDict, data: str, message: JSONDict | None = None) -> JSONDict:
    """An update with a callback query from ``u`` pressing a button carrying ``data``.

    By default the button belongs to a message the bot sent in ``u``'s private chat.
    """
    if message is None:
        message = {
            "message_id": next_message_id(),
            "from": bot_user(),
            "chat": private_chat(u),
            "date": _now(),
            "text": "Kies een optie",
            "reply_markup": {"inline_keyboard": [[{"text": data, "callback_data": data}]]},
        }
    chat_id = int(message["chat"]["id"])
    return {
        "callback_query": {
            "id": str(4_000_000_000_000_000 + next(_callback_seq)),
            "from": u,
            "message": message,
            "chat_instance": str(8_000_000_000_000_000 + abs(chat_id)),
            "data": data,
        }
    }


def _new_file_id(kind: str) -> str:
    return f"{_FILE_ID_PREFIX[kind]}{next(_file_seq):08d}AAQQFAKE"


def _file_unique_id(file_id: str) -> str:
    return "AQAD" + hashlib.sha1(file_id.encode("utf-8")).hexdigest()[:12]


def _file_object(file_id: str, file_size: int, **extra: Any) -> JSONDict:
    return {
        "file_id": file_id,
        "file_unique_id": _file_unique_id(file_id),
        "file_size": file_size,
        **extra,
    }


def _photo_sizes(file_id: str) -> list[JSONDict]:
    """Three sizes; the largest (last) one carries ``file_id`` itself."""
    return [
        _file_object(f"{file_id}-s", 1_311, width=90, height=68),
        _file_object(f"{file_id}-m", 18_004, width=320, height=240),
        _file_object(file_id, 98_304, width=1280, height=960),
    ]


def _location() -> JSONDict:
    return {"latitude": 52.379189, "longitude": 4.899431}


def _media_content(kind: str, file_id: str | None = None) -> JSONDict:
    """The message fields for a message of ``kind`` (Bot API shape)."""
    if kind in _FILE_KINDS and file_id is None:
        file_id = _new_file_id(kind)
    fid = file_id or ""
    match kind:
        case "photo":
            return {"photo": _photo_sizes(fid)}
        case "sticker":
            thumb = _file_object(f"{fid}-t", 5_120, width=128, height=128)
            sticker = _file_object(
                fid,
                23_040,
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji="👍",
                set_name="WerkhelpdeskStickers",
                thumbnail=thumb,
            )
            return {"sticker": sticker}
        case "animation":
            common = {"file_name": "animation.gif.mp4", "mime_type": "video/mp4"}
            animation = _file_object(fid, 120_000, width=320, height=240, duration=3, **common)
            # The Bot API also sets "document" for animations, for backward compatibility.
            return {"animation": animation, "document": _file_object(fid, 120_000, **common)}
        case "voice":
            return {"voice": _file_object(fid, 12_345, duration=4, mime_type="audio/ogg")}
        case "video_note":
            return {"video_note": _file_object(fid, 250_000, length=240, duration=5)}
        case "video":
            video = _file_object(fid, 1_500_000, width=1280, height=720, duration=10, mime_type="video/mp4")
            return {"video": video}
        case "document":
            document = _file_object(fid, 48_000, file_name="verklaring.pdf", mime_type="application/pdf")
            return {"document": document}
        case "audio":
            audio = _file_object(
                fid,
                3_200_000,
                duration=180,
                performer="Fairuz",
                title="Sabah",
                file_name="sabah.mp3",
                mime_type="audio/mpeg",
            )
            return {"audio": audio}
        case "contact":
            return {"contact": {"phone_number": "+31612345678", "first_name": "Noor"}}
        case "location":
            return {"location": _location()}
        case "venue":
            venue = {"location": _location(), "title": "Centraal Station", "address": "Stationsplein 1, Amsterdam"}
            # For backward compatibility Telegram also sets "location" on venues.
            return {"venue": venue, "location": _location()}
        case "poll":
            return {"poll": _poll("Welke dag past het best?", ["Maandag", "Dinsdag"])}
        case "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        case _:
            raise ValueError(f"unknown media kind {kind!r}; expected one of {MEDIA_KINDS}")


def _poll(question: str, options: Iterable[str], *, is_anonymous: bool = True) -> JSONDict:
    return {
        "id": str(5_000_000_000_000_000 + next(_poll_seq)),
        "question": question,
        "options": [
            {"persistent_id": str(index), "text": text, "voter_count": 0} for index, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": is_anonymous,
        "type": "regular",
        "allows_multiple_answers": False,
        # required since Bot API 9.6 / 10.0 (PTB 22.8 refuses polls without them)
        "allows_revoting": False,
        "members_only": False,
    }


def media_update(u: JSONDict, kind: str, chat: JSONDict | None = None, caption: str | None = None) -> JSONDict:
    """An update with a media message of ``kind`` (one of :data:`MEDIA_KINDS`)."""
    content = _media_content(kind)
    msg = _message(u, chat)
    msg.update(content)
    if caption is not None:
        if kind not in _CAPTIONED_KINDS:
            raise ValueError(f"a {kind} message has no caption")
        msg["caption"] = caption
    return {"message": msg}


def edited_text_update(u: JSONDict, text: str, message_id: int) -> JSONDict:
    """An update saying ``u`` edited their message ``message_id`` in the private chat."""
    now = _now()
    msg: JSONDict = {
        "message_id": message_id,
        "from": u,
        "chat": private_chat(u),
        "date": now - 60,
        "edit_date": now,
        "text": text,
    }
    return {"edited_message": msg}


def forwarded_text_update(u: JSONDict, text: str) -> JSONDict:
    """An update with a text message ``u`` forwarded from another user (Bot API 7+ shape)."""
    origin_user = user(id=2002, first_name="Sara", language_code=None)
    msg = _message(u, None)
    msg["forward_origin"] = {"type": "user", "sender_user": origin_user, "date": _now() - 3600}
    msg["text"] = text
    return {"message": msg}


def channel_post_update(text: str) -> JSONDict:
    """An update with a post in a channel the bot is a member of."""
    chat: JSONDict = {"id": -1001234567890, "type": "channel", "title": "Werkhelpdesk Nieuws"}
    msg: JSONDict = {
        "message_id": next_message_id(),
        "sender_chat": chat,
        "chat": chat,
        "date": _now(),
        "text": text,
    }
    return {"channel_post": msg}


# ---------------------------------------------------------------------------------------------
# Formatting (parse_mode) -> plain text + entities, with Telegram's error messages
# ---------------------------------------------------------------------------------------------


class _EntityError(Exception):
    """The text cannot be parsed with the given parse_mode."""


class _TextBuilder:
    """Collects output text and entities with UTF-16 offsets (as the Bot API counts)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[JSONDict] = []

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.offset += _utf16_len(text)

    def add(self, entity_type: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            entity = {"type": entity_type, "offset": start, "length": self.offset - start}
            self.entities.append({**entity, **extra})

    def result(self) -> tuple[str, list[JSONDict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ESCAPES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_HTML_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d+)|#x([0-9a-fA-F]+));")


def _html_attrs(source: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _HTML_ATTR.finditer(source)}


def _parse_html(source: str) -> tuple[str, list[JSONDict]]:
    out = _TextBuilder()
    # open tags: (name, entity type or None, extra fields, start offset)
    stack: list[tuple[str, str | None, JSONDict, int]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            ref = _HTML_CHAR_REF.match(source, i)
            if ref is None:
                out.emit("&")
                i += 1
                continue
            if ref.group(1):
                out.emit(_HTML_ESCAPES[ref.group(1)])
            else:
                out.emit(chr(int(ref.group(2)) if ref.group(2) else int(ref.group(3), 16)))
            i = ref.end()
            continue
        if char != "<":
            out.emit(char)
            i += 1
            continue
        end = source.find(">", i)
        if end < 0:
            raise _EntityError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        inner = source[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _EntityError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            open_name, entity_type, extra, start = stack.pop()
            if name != open_name:
                raise _EntityError(f'Can\'t find end tag corresponding to start tag "{open_name}"')
            if entity_type is not None:
                out.add(entity_type, start, **extra)
        else:
            match = _HTML_TAG_NAME.match(inner)
            name = match.group(0).lower() if match else ""
            attrs = _html_attrs(inner[match.end() :] if match else "")
            entity_type = _HTML_ENTITY_TYPES.get(name)
            fields: JSONDict = {}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                entity_type = None
            if entity_type is None:
                raise _EntityError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}')
            if name == "a":
                if "href" not in attrs:
                    entity_type = None
                else:
                    fields["url"] = attrs["href"]
            elif name == "tg-emoji":
                fields["custom_emoji_id"] = attrs.get("emoji-id", "")
            elif name == "blockquote" and "expandable" in attrs:
                entity_type = "expandable_blockquote"
            elif name == "code" and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x"> is one pre entity with a language
                language = attrs.get("class", "").removeprefix("language-")
                if language:
                    stack[-1][2]["language"] = language
                entity_type = None
            stack.append((name, entity_type, fields, out.offset))
        i = end + 1
    if stack:
        raise _EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MARKDOWN_V2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "blockquote": "BlockQuote",
}


def _reserved_error(char: str) -> _EntityError:
    return _EntityError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _unescape_markdown_v2(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _find_unescaped(source: str, target: str, start: int) -> int:
    i = start
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source.startswith(target, i):
            return i
        i += 1
    return -1


def _parse_markdown_v2(source: str) -> tuple[str, list[JSONDict]]:
    out = _TextBuilder()
    open_entities: dict[str, tuple[int, int]] = {}  # type -> (start offset, source byte offset)
    links: list[tuple[int, int, bool]] = []  # (start offset, source byte offset, custom emoji)
    quote_start: int | None = None

    def toggle(entity_type: str, index: int) -> None:
        if entity_type in open_entities:
            start, _ = open_entities.pop(entity_type)
            out.add(entity_type, start)
        else:
            open_entities[entity_type] = (out.offset, _byte_offset(source, index))

    i = 0
    while i < len(source):
        char = source[i]
        at_line_start = i == 0 or source[i - 1] == "\n"
        if char == "\\" and i + 1 < len(source):
            out.emit(source[i + 1])
            i += 2
        elif source.startswith("```", i):
            end = _find_unescaped(source, "```", i + 3)
            if end < 0:
                raise _EntityError(f"Can't find end of Pre entity at byte offset {_byte_offset(source, i)}")
            body = source[i + 3 : end]
            language = ""
            if "\n" in body:
                language, body = body.split("\n", 1)
            start = out.offset
            out.emit(_unescape_markdown_v2(body))
            out.add("pre", start, **({"language": language.strip()} if language.strip() else {}))
            i = end + 3
        elif char == "`":
            end = _find_unescaped(source, "`", i + 1)
            if end < 0:
                raise _EntityError(f"Can't find end of Code entity at byte offset {_byte_offset(source, i)}")
            start = out.offset
            out.emit(_unescape_markdown_v2(source[i + 1 : end]))
            out.add("code", start)
            i = end + 1
        elif char == "*":
            toggle("bold", i)
            i += 1
        elif char == "_":
            if source.startswith("__", i):
                toggle("underline", i)
                i += 2
            else:
                toggle("italic", i)
                i += 1
        elif char == "~":
            toggle("strikethrough", i)
            i += 1
        elif source.startswith("||", i):
            toggle("spoiler", i)
            i += 2
        elif source.startswith("![", i):
            links.append((out.offset, _byte_offset(source, i), True))
            i += 2
        elif char == "[":
            links.append((out.offset, _byte_offset(source, i), False))
            i += 1
        elif char == "]" and links and source.startswith("(", i + 1):
            end = _find_unescaped(source, ")", i + 2)
            if end < 0:
                raise _EntityError(f"Can't find end of TextUrl entity at byte offset {links[-1][1]}")
            start, _, is_emoji = links.pop()
            url = _unescape_markdown_v2(source[i + 2 : end])
            if is_emoji:
                out.add("custom_emoji", start, custom_emoji_id=url.rpartition("id=")[2])
            else:
                out.add("text_link", start, url=url)
            i = end + 1
        elif char == ">" and at_line_start:
            if quote_start is None:
                quote_start = out.offset
            i += 1
        elif char in _MARKDOWN_V2_RESERVED:
            raise _reserved_error(char)
        else:
            if char == "\n" and quote_start is not None and not source.startswith(">", i + 1):
                out.add("blockquote", quote_start)
                quote_start = None
            out.emit(char)
            i += 1
    if quote_start is not None:
        out.add("blockquote", quote_start)
    if links:
        raise _EntityError(f"Can't find end of TextUrl entity at byte offset {links[-1][1]}")
    if open_entities:
        entity_type, (_, byte_offset) = min(open_entities.items(), key=lambda item: item[1][1])
        name = _MARKDOWN_V2_NAMES[entity_type]
        raise _EntityError(f"Can't find end of {name} entity at byte offset {byte_offset}")
    return out.result()


def _parse_markdown(source: str) -> tuple[str, list[JSONDict]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _TextBuilder()
    simple = {"*": "bold", "_": "italic", "`": "code"}
    i = 0
    while i < len(source):
        char = source[i]
        unclosed = _EntityError(f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}")
        if char == "\\" and source[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.emit(source[i + 1])
            i += 2
        elif source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise unclosed
            body = source[i + 3 : end]
            language = ""
            if "\n" in body:
                language, body = body.split("\n", 1)
            start = out.offset
            out.emit(body)
            out.add("pre", start, **({"language": language.strip()} if language.strip() else {}))
            i = end + 3
        elif char in simple:
            end = source.find(char, i + 1)
            if end < 0:
                raise unclosed
            start = out.offset
            out.emit(source[i + 1 : end])
            out.add(simple[char], start)
            i = end + 1
        elif char == "[":
            close = source.find("]", i + 1)
            if close < 0:
                raise unclosed
            if not source.startswith("(", close + 1):
                out.emit(char)
                i += 1
                continue
            url_end = source.find(")", close + 2)
            if url_end < 0:
                raise unclosed
            start = out.offset
            out.emit(source[i + 1 : close])
            out.add("text_link", start, url=source[close + 2 : url_end])
            i = url_end + 1
        else:
            out.emit(char)
            i += 1
    return out.result()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims leading and trailing whitespace of texts and captions."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _utf16_len(text[: len(text) - len(text.lstrip())])
    total = _utf16_len(stripped)
    result: list[JSONDict] = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class BotAPIError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(reason: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {reason}")


@dataclass
class RecordedRequest:
    """One call the bot made. ``status``/``response`` are filled in once it has been answered."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int | None = None
    response: JSONDict | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (multipart/form-data); stands in its parameter's place."""

    name: str  # the multipart field it came in
    filename: str | None
    content_type: str | None
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None

    def error(self) -> BotAPIError:
        parameters = {"retry_after": self.retry_after} if self.retry_after is not None else None
        return BotAPIError(self.status, self.description, parameters)


@dataclass
class _Queued(Generic[T]):
    value: T
    times: int


@dataclass
class _Topic:
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False


@dataclass
class _StoredFile:
    file_id: str
    content: bytes | None
    path: str


@dataclass(frozen=True)
class _Answer:
    """A successful result with the optional ``description`` Telegram sometimes adds."""

    result: Any
    description: str | None = None


class _Signal:
    """Wakes every waiter on :meth:`notify` (a re-armed asyncio.Event)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait for the next notify(), at most ``seconds``."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


Handler = Callable[[JSONDict], Awaitable[Any]]


class FakeBotAPI:
    """An in-process fake of ``https://api.telegram.org`` for one bot (see the module docs)."""

    MAX_LONG_POLL_SECONDS: float = 2.0
    SUMMARY_LIMIT: int = 30

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int = DEFAULT_BOT_ID,
        username: str = DEFAULT_BOT_USERNAME,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.requests: list[RecordedRequest] = []
        self.webhook: dict[str, Any] | None = None
        self.server_errors: list[BaseException] = []  # bugs of the fake itself (answered 500)

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._mark = 0
        self._request_signal = _Signal()
        self._update_signal = _Signal()
        self._closing = asyncio.Event()

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._webhook_target: str | None = None  # where queued updates are POSTed while a webhook is set
        self._webhook_delivery: asyncio.Task[None] | None = None

        self._failures: dict[str, list[_Queued[_Failure]]] = {}
        self._delays: dict[str, list[_Queued[float]]] = {}
        self._blocked: set[int] = set()

        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._usernames: dict[str, int] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._topics: dict[tuple[int, int], _Topic] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._open_callback_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._menu_buttons: dict[int | None, JSONDict] = {}

        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendLocation": self._send_location,
            "sendVenue": self._send_venue,
            "sendContact": self._send_contact,
            "sendDice": self._send_dice,
            "sendPoll": self._send_poll,
            "sendMediaGroup": self._send_media_group,
            "copyMessage": self._copy_message,
            "copyMessages": self._copy_messages,
            "forwardMessage": self._forward_message,
            "forwardMessages": self._forward_messages,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._edit_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
        }
        for kind in _FILE_KINDS:
            method = "send" + "".join(part.capitalize() for part in kind.split("_"))
            self._handlers[method] = self._file_sender(kind)
        for method in _SIMPLE_TRUE_METHODS:
            self._handlers[method] = self._true
        self._method_names = {name.lower(): name for name in self._handlers}

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file_download)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Stop serving; pending long polls and delayed answers finish at once."""
        self._closing.set()
        self._update_signal.notify()
        if self._webhook_delivery is not None:
            self._webhook_delivery.cancel()
            await asyncio.gather(self._webhook_delivery, return_exceptions=True)
            self._webhook_delivery = None
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:54321``; the bot's base_url is ``url + "/bot"``."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI.start() has not been awaited")
        return f"http://127.0.0.1:{self._port}"

    @property
    def bot_user(self) -> JSONDict:
        return bot_user(self.bot_id, self.username)

    # -- test controls -------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (``update_id`` is assigned if missing)."""
        self._updates.append(self._prepare_update(update))
        self._updates.sort(key=lambda u: int(u["update_id"]))
        self._update_signal.notify()

    async def deliver_webhook_update(self, update: dict[str, Any], url: str | None = None) -> int:
        """POST ``update`` to the webhook the way Telegram does; return the HTTP status.

        Sends the ``X-Telegram-Bot-Api-Secret-Token`` header when setWebhook had a secret_token.
        ``url`` overrides the registered URL (in tests: the bot's local listener).
        """
        target = url or (self.webhook or {}).get("url")
        if not target:
            raise RuntimeError("no webhook is set and no url was given")
        headers = {}
        if self.webhook is not None and self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(self.webhook["secret_token"])
        payload = self._prepare_update(update)
        async with aiohttp.ClientSession() as session, session.post(target, json=payload, headers=headers) as resp:
            return resp.status

    def deliver_webhook_to(self, url: str) -> None:
        """Run webhook mode as Telegram does: while a webhook is set, every queued update (``push_update``)
        is POSTed with the secret header, in order, each until it is answered 200. ``url`` stands in for the
        registered HTTPS address (in tests: the bot's local listener)."""
        self._webhook_target = url
        if self._webhook_delivery is None:
            self._webhook_delivery = asyncio.create_task(self._deliver_webhook_updates())

    async def _deliver_webhook_updates(self) -> None:
        async with aiohttp.ClientSession() as session:
            while not self._closing.is_set():
                webhook = self.webhook
                allowed = (webhook or {}).get("allowed_updates")
                if isinstance(allowed, str):  # form-encoded parameters carry lists as JSON
                    allowed = json.loads(allowed)
                ready = [
                    u
                    for u in self._updates
                    if webhook is not None and (not allowed or next((k for k in u if k != "update_id"), "") in allowed)
                ]
                if not ready or self._webhook_target is None or webhook is None:
                    await self._update_signal.wait(1.0)
                    continue
                update = ready[0]
                secret = webhook.get("secret_token")
                headers = {"X-Telegram-Bot-Api-Secret-Token": str(secret)} if secret else {}
                try:
                    async with session.post(self._webhook_target, json=update, headers=headers) as resp:
                        delivered = resp.status == 200
                except aiohttp.ClientError:
                    delivered = False  # the bot is down or restarting: Telegram tries again later
                if delivered:
                    self._updates = [u for u in self._updates if u is not update]
                else:
                    await asyncio.sleep(0.1)

    def _prepare_update(self, update: dict[str, Any]) -> JSONDict:
        stored = copy.deepcopy(update)
        if "update_id" not in stored:
            stored["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(stored["update_id"]) + 1)
        self._learn_update(stored)
        return stored

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot (via a later getUpdates offset)."""
        return copy.deepcopy(self._updates)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of ``method`` so far."""
        return [r.params for r in self.requests if r.method == method]

    def mark(self) -> None:
        """Remember the current position in ``requests`` for wait_for / sent_since_mark."""
        self._mark = len(self.requests)

    def sent_since_mark(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of the successful calls of ``method`` since the last mark()."""
        return [r.params for r in self.requests[self._mark :] if r.method == method and r.status == 200]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented test API
        count: int = 1,
        *,
        ok: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` calls of ``method`` matching ``predicate`` arrived since mark().

        By default every call counts as soon as it arrives, also one that is then answered with
        an error (an injected 429, a blocked user...). ``ok=True`` counts only calls answered
        successfully ("the bot's message got through"), ``ok=False`` only failed ones.
        Returns the parameters of the first ``count`` matching calls.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matches = [
                r.params
                for r in self.requests[self._mark :]
                if r.method == method
                and (ok is None or (r.status is not None and (r.status == 200) == ok))
                and (predicate is None or predicate(r.params))
            ]
            if len(matches) >= count:
                return matches[:count]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_summary(method, predicate, timeout, count, len(matches), ok))
            await self._request_signal.wait(remaining)

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error.

        ``description`` defaults to Telegram's usual text for ``status``; with ``retry_after``
        the answer carries ``parameters.retry_after`` (PTB raises RetryAfter).
        """
        if description is None:
            description = _DEFAULT_ERROR_DESCRIPTIONS.get(status, "Internal Server Error")
            if status == 429 and retry_after is not None:
                description = f"Too Many Requests: retry after {retry_after}"
        failure = _Failure(status, description, retry_after)
        self._failures.setdefault(method, []).append(_Queued(failure, times))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``."""
        self._delays.setdefault(method, []).append(_Queued(seconds, times))

    def block_user(self, chat_id: int) -> None:
        """From now on every send* to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator, administrator, member, restricted, left, kicked."""
        self._members[(chat_id, user_id)] = status

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a known message (after edits), or None (unknown or deleted)."""
        stored = self._messages.get((chat_id, message_id))
        return copy.deepcopy(stored) if stored is not None else None

    def topic(self, chat_id: int, message_thread_id: int) -> JSONDict | None:
        """A forum topic the bot created: name, icon_color, closed, deleted."""
        topic = self._topics.get((chat_id, message_thread_id))
        if topic is None:
            return None
        return {
            "name": topic.name,
            "icon_color": topic.icon_color,
            "closed": topic.closed,
            "deleted": topic.deleted,
        }

    def my_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands last set with setMyCommands for this scope and language."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    # -- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(BotAPIError(401, "Unauthorized").body(), status=401)
        raw_method = request.match_info["method"]
        method = self._method_names.get(raw_method.lower(), raw_method)
        try:
            params = await self._read_params(request)
        except BotAPIError as err:
            return web.json_response(err.body(), status=err.status)
        record = RecordedRequest(method, params, time.monotonic())
        self.requests.append(record)
        self._request_signal.notify()
        status, body = await self._answer(method, params)
        record.status, record.response = status, body
        self._request_signal.notify()
        return web.json_response(body, status=status)

    async def _answer(self, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        delay = self._take(self._delays, method)
        if delay is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        failure = self._take(self._failures, method)
        if failure is not None:
            return failure.status, failure.error().body()
        handler = self._handlers.get(method)
        if handler is None:
            return 404, BotAPIError(404, "Not Found").body()
        try:
            if method.startswith("send") or method in _SENDING_METHODS:
                self._check_not_blocked(params)
            answer = await handler(params)
        except BotAPIError as err:
            return err.status, err.body()
        except Exception as exc:  # a bug in the fake: answer it visibly instead of hanging
            self.server_errors.append(exc)
            description = f"Internal Server Error: fake Bot API failed on {method}: {exc!r}"
            return 500, BotAPIError(500, description).body()
        if not isinstance(answer, _Answer):
            answer = _Answer(answer)
        body: JSONDict = {"ok": True, "result": copy.deepcopy(answer.result)}
        if answer.description is not None:
            body["description"] = answer.description
        return 200, body

    async def _handle_file_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(BotAPIError(401, "Unauthorized").body(), status=401)
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(BotAPIError(404, "Not Found").body(), status=404)
        return web.Response(body=self._file_content(file_id), content_type="application/octet-stream")

    async def _read_params(self, request: web.Request) -> JSONDict:
        params: JSONDict = {key: _decode_param(key, value) for key, value in request.query.items()}
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as err:
                raise _bad_request("can't parse JSON object") from err
            if not isinstance(body, dict):
                raise _bad_request("can't parse JSON object")
            for key, value in body.items():
                params[key] = _decode_json_body_param(key, value)
            return params
        uploads: dict[str, UploadedFile] = {}
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
            else:
                params[key] = _decode_param(key, value if isinstance(value, str) else value.decode())
        referenced: set[str] = set()
        params = {key: _resolve_attachments(value, uploads, referenced) for key, value in params.items()}
        for key, upload in uploads.items():
            if key not in referenced:
                params.setdefault(key, upload)
        return params

    @staticmethod
    def _take(queues: dict[str, list[_Queued[T]]], method: str) -> T | None:
        queue = queues.get(method)
        if not queue:
            return None
        head = queue[0]
        head.times -= 1
        if head.times <= 0:
            queue.pop(0)
        return head.value

    def _timeout_summary(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None,
        timeout: float,
        count: int,
        found: int,
        ok: bool | None,
    ) -> str:
        since_mark = self.requests[self._mark :]
        shown = [r for r in since_mark if r.method != "getUpdates"]
        hidden = len(since_mark) - len(shown)
        what = f"{count} call(s) of {method}" + (" matching the predicate" if predicate else "")
        if ok is not None:
            what += " answered successfully" if ok else " answered with an error"
        lines = [
            f"Timed out after {timeout}s waiting for {what}; found {found}.",
            f"Requests since mark ({len(since_mark)}, {hidden} getUpdates not shown):",
        ]
        origin = since_mark[0].at if since_mark else time.monotonic()
        if len(shown) > self.SUMMARY_LIMIT:
            lines.append(f"  ... {len(shown) - self.SUMMARY_LIMIT} earlier requests")
        for r in shown[-self.SUMMARY_LIMIT :]:
            params = repr(r.params)
            if len(params) > 300:
                params = params[:297] + "..."
            outcome = "pending" if r.status is None else str(r.status)
            if r.response is not None and not r.response.get("ok"):
                outcome += f" {r.response.get('description')!r}"
            lines.append(f"  +{r.at - origin:.3f}s {r.method} {params} -> {outcome}")
        if not shown:
            lines.append("  (none)")
        return "\n".join(lines)

    # -- state helpers -------------------------------------------------------------------------

    def _learn_update(self, update: JSONDict) -> None:
        for key in ("message", "edited_message", "channel_post", "edited_channel_post", "business_message"):
            if isinstance(update.get(key), dict):
                self._learn_message(update[key])
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._open_callback_queries.add(str(query["id"]))
            self._learn_user(query.get("from"))
            if isinstance(query.get("message"), dict) and query["message"].get("date"):
                self._learn_message(query["message"])
        for key in ("my_chat_member", "chat_member", "chat_join_request"):
            if isinstance(update.get(key), dict):
                self._learn_chat(update[key].get("chat"))
                self._learn_user(update[key].get("from"))

    def _learn_message(self, message: JSONDict) -> None:
        chat = message.get("chat")
        self._learn_chat(chat)
        self._learn_user(message.get("from"))
        if isinstance(message.get("reply_to_message"), dict):
            self._learn_message(message["reply_to_message"])
        if isinstance(chat, dict) and "message_id" in message:
            key = (int(chat["id"]), int(message["message_id"]))
            previous = self._messages.get(key, {})
            self._messages[key] = {**previous, **copy.deepcopy(message)}

    def _learn_chat(self, chat: Any) -> None:
        if not isinstance(chat, dict) or "id" not in chat:
            return
        keys = ("id", "type", "title", "username", "first_name", "last_name", "is_forum")
        self._chats[int(chat["id"])] = {k: chat[k] for k in keys if k in chat}
        if chat.get("username"):
            self._usernames[str(chat["username"]).lower()] = int(chat["id"])

    def _learn_user(self, u: Any) -> None:
        if isinstance(u, dict) and "id" in u:
            self._users[int(u["id"])] = copy.deepcopy(u)

    def _resolve_chat_id(self, value: Any, key: str = "chat_id") -> int:
        if value is None or value == "":
            raise _bad_request(f"{key} is empty")
        if isinstance(value, bool):
            raise _bad_request("chat not found")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        with contextlib.suppress(ValueError):
            return int(text)
        if not text.startswith("@"):
            raise _bad_request("chat not found")
        username = text[1:].lower()
        if username not in self._usernames:
            chat_id = -1002000000000 - len(self._usernames)
            self._usernames[username] = chat_id
            self._chats[chat_id] = {"id": chat_id, "type": "channel", "title": text[1:], "username": text[1:]}
        return self._usernames[username]

    def _chat_id(self, params: JSONDict, key: str = "chat_id") -> int:
        return self._resolve_chat_id(params.get(key), key)

    def _check_not_blocked(self, params: JSONDict) -> None:
        value = params.get("chat_id")
        if value is None:
            return
        try:
            chat_id = self._resolve_chat_id(value)
        except BotAPIError:
            return  # the method itself reports the bad chat_id
        if chat_id in self._blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")

    def _chat_object(self, chat_id: int) -> JSONDict:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        if chat_id > 0:
            u = self._users.get(chat_id)
            if u is not None:
                return private_chat(u)
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _user_object(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self.bot_user
        known = self._users.get(user_id)
        if known is not None:
            return copy.deepcopy(known)
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def _allocate_message_id(self, chat_id: int) -> int:
        message_id = next_message_id()
        while (chat_id, message_id) in self._messages:
            message_id = next_message_id()
        return message_id

    def _store(self, message: JSONDict) -> JSONDict:
        self._messages[(int(message["chat"]["id"]), int(message["message_id"]))] = message
        return message

    def _find_message(self, params: JSONDict, not_found: str) -> JSONDict:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if message_id in (None, ""):
            raise _bad_request("message_id is empty")
        message = self._messages.get((chat_id, int(message_id)))
        if message is None:
            raise _bad_request(not_found)
        return message

    def _file_content(self, file_id: str) -> bytes:
        stored = self._files.get(file_id)
        if stored is not None and stored.content is not None:
            return stored.content
        return b"fake telegram file " + file_id.encode("utf-8")

    def _register_file(self, kind: str, value: Any) -> str:
        """The file_id Telegram answers for a file parameter (upload, URL or file_id)."""
        if isinstance(value, UploadedFile):
            file_id = _new_file_id(kind)
            self._files[file_id] = _StoredFile(file_id, value.content, "")
            return file_id
        if not isinstance(value, str) or not value.strip():
            raise _bad_request(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return _new_file_id(kind)
        return value

    # -- message building ----------------------------------------------------------------------

    def _formatted(
        self,
        params: JSONDict,
        key: str,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str | None, list[JSONDict]]:
        """Parse params[key] with params[parse_mode] the way Telegram does (or fail like it)."""
        raw = params.get(key)
        if raw is None or raw == "":
            if empty is not None:
                raise _bad_request(empty)
            return None, []
        mode = str(params.get("parse_mode") or "").lower()
        entities_key = "entities" if key == "text" else f"{key}_entities"
        try:
            if mode == "html":
                text, entities = _parse_html(str(raw))
            elif mode == "markdownv2":
                text, entities = _parse_markdown_v2(str(raw))
            elif mode == "markdown":
                text, entities = _parse_markdown(str(raw))
            elif mode == "":
                given = params.get(entities_key)
                text, entities = str(raw), list(given) if isinstance(given, list) else []
            else:
                raise _bad_request("unsupported parse_mode")
        except _EntityError as err:
            raise _bad_request(f"can't parse entities: {err}") from err
        text, entities = _strip_text(text, entities)
        if not text:
            if empty is not None:
                raise _bad_request(empty)
            return None, []
        if len(text) > limit:
            raise _bad_request(too_long)
        return text, entities

    def _caption(self, params: JSONDict) -> JSONDict:
        caption, entities = self._formatted(
            params, "caption", limit=MAX_CAPTION_LENGTH, too_long="message caption is too long", empty=None
        )
        result: JSONDict = {}
        if caption is not None:
            result["caption"] = caption
            if entities:
                result["caption_entities"] = entities
        return result

    def _new_message(self, chat_id: int, params: JSONDict, content: JSONDict) -> JSONDict:
        """A message the bot sends to ``chat_id`` (validated, stored and returned)."""
        chat = self._chat_object(chat_id)
        message: JSONDict = {"message_id": 0, "from": self.bot_user, "chat": chat, "date": _now()}
        if chat.get("type") == "channel":
            del message["from"]
            message["sender_chat"] = chat
        thread_id = params.get("message_thread_id")
        if thread_id:
            topic = self._topics.get((chat_id, int(thread_id)))
            if topic is not None and topic.deleted:
                raise _bad_request("message thread not found")
            message["message_thread_id"] = int(thread_id)
            if chat.get("is_forum") or topic is not None:
                message["is_topic_message"] = True
        replied = self._replied_message(chat_id, params)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        markup = _echoed_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        if params.get("protect_content"):
            message["has_protected_content"] = True
        if params.get("message_effect_id"):
            message["effect_id"] = params["message_effect_id"]
        if params.get("show_caption_above_media") and "caption" in content:
            message["show_caption_above_media"] = True
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        message["message_id"] = self._allocate_message_id(chat_id)
        return self._store(message)

    def _replied_message(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict):
            if params.get("reply_to_message_id") in (None, ""):
                return None
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        target_chat = self._resolve_chat_id(reply.get("chat_id", chat_id))
        replied = self._messages.get((target_chat, int(reply.get("message_id", 0))))
        if replied is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad_request("message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    # -- methods: bot, updates, webhook, commands ----------------------------------------------

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook is not None:
            raise BotAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or MAX_UPDATES_PER_CALL), 1), MAX_UPDATES_PER_CALL)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.MAX_LONG_POLL_SECONDS)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) or None
        if offset > 0:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        # Like Telegram, a newer getUpdates call terminates a pending one with 409 Conflict.
        self._poll_generation += 1
        generation = self._poll_generation
        self._update_signal.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise BotAPIError(409, _DEFAULT_ERROR_DESCRIPTIONS[409])
            ready = [u for u in self._updates if self._is_allowed(u)][:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing.is_set():
                return ready
            await self._update_signal.wait(remaining)

    def _is_allowed(self, update: JSONDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    async def _set_webhook(self, params: JSONDict) -> _Answer:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        already = self.webhook is not None and self.webhook.get("url") == url
        self.webhook = dict(params)
        self._update_signal.notify()  # queued updates now go to the webhook
        return _Answer(True, "Webhook is already set" if already else "Webhook was set")

    async def _delete_webhook(self, params: JSONDict) -> _Answer:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        existed = self.webhook is not None
        self.webhook = None
        return _Answer(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            info["max_connections"] = int(self.webhook.get("max_connections") or 40)
            if isinstance(self.webhook.get("allowed_updates"), list):
                info["allowed_updates"] = self.webhook["allowed_updates"]
            if self.webhook.get("ip_address"):
                info["ip_address"] = self.webhook["ip_address"]
        return info

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if not isinstance(scope, dict):
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand: Object expected")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return self._commands.get(self._commands_key(params.get("scope"), params.get("language_code")), [])

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = self._chat_id(params) if params.get("chat_id") not in (None, "") else None
        button = params.get("menu_button")
        self._menu_buttons[chat_id] = button if isinstance(button, dict) else {"type": "default"}
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params) if params.get("chat_id") not in (None, "") else None
        default = self._menu_buttons.get(None, {"type": "commands"})
        return self._menu_buttons.get(chat_id, default)

    # -- methods: messages ---------------------------------------------------------------------

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        text, entities = self._formatted(
            params,
            "text",
            limit=MAX_MESSAGE_LENGTH,
            too_long="message is too long",
            empty="message text is empty",
        )
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            content["link_preview_options"] = params["link_preview_options"]
        return self._new_message(chat_id, params, content)

    def _file_sender(self, kind: str) -> Handler:
        async def send(params: JSONDict) -> JSONDict:
            chat_id = self._chat_id(params)
            file_id = self._register_file(kind, params.get(kind))
            content = _media_content(kind, file_id)
            if kind in _CAPTIONED_KINDS:
                content.update(self._caption(params))
            if kind == "sticker" and params.get("emoji"):
                content["sticker"]["emoji"] = params["emoji"]
            return self._new_message(chat_id, params, content)

        return send

    async def _send_location(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        location = _location_param(params)
        return self._new_message(chat_id, params, {"location": location})

    async def _send_venue(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        location = _location_param(params)
        for key in ("title", "address"):
            if not params.get(key):
                raise _bad_request(f"{key} is empty")
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._new_message(chat_id, params, {"venue": venue, "location": location})

    async def _send_contact(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        for key in ("phone_number", "first_name"):
            if not params.get(key):
                raise _bad_request(f"{key} is empty")
        contact = {k: params[k] for k in ("phone_number", "first_name", "last_name", "vcard") if params.get(k)}
        return self._new_message(chat_id, params, {"contact": contact})

    async def _send_dice(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        emoji = str(params.get("emoji") or "🎲")
        dice = {"emoji": emoji, "value": 1 + next(_poll_seq) % 6}
        return self._new_message(chat_id, params, {"dice": dice})

    async def _send_poll(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        question = str(params.get("question") or "")
        if not question:
            raise _bad_request("poll question must be non-empty")
        options = params.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 12:
            raise _bad_request("poll must have at least 2 option")
        texts = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in options]
        is_anonymous = params.get("is_anonymous", True) is not False
        poll = _poll(question, texts, is_anonymous=is_anonymous)
        if params.get("type") == "quiz":
            poll["type"] = "quiz"
        if params.get("allows_multiple_answers"):
            poll["allows_multiple_answers"] = True
        return self._new_message(chat_id, params, {"poll": poll})

    async def _send_media_group(self, params: JSONDict) -> list[JSONDict]:
        chat_id = self._chat_id(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad_request("wrong number of messages in the media group")
        group_id = str(13_000_000_000_000_000 + next(_poll_seq))
        messages = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in _FILE_KINDS:
                raise _bad_request("can't parse InputMedia: unsupported media type")
            kind = str(item["type"])
            content = _media_content(kind, self._register_file(kind, item.get("media")))
            content.update(self._caption(item))
            content["media_group_id"] = group_id
            messages.append(self._new_message(chat_id, params, content))
        return messages

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._chat_id(params)
        if not params.get("action"):
            raise _bad_request("action is empty")
        return True

    def _editable(self, params: JSONDict, what: str = "message to edit not found") -> JSONDict:
        message = self._find_message(params, what)
        sender = message.get("from") or {}
        if sender.get("id") != self.bot_id and message.get("chat", {}).get("type") != "channel":
            raise _bad_request("message can't be edited")
        return message

    def _apply_edit(self, original: JSONDict, removed: Iterable[str], changes: JSONDict, params: JSONDict) -> JSONDict:
        """Edit ``original``: drop the ``removed`` fields, then apply ``changes``.

        Like Telegram, an edit without reply_markup removes the inline keyboard, and an edit
        that changes nothing fails with "message is not modified".
        """
        dropped = {"reply_markup", "edit_date", *removed}
        edited = {k: v for k, v in original.items() if k not in dropped}
        edited.update(changes)
        markup = _echoed_markup(params.get("reply_markup"))
        if markup is not None:
            edited["reply_markup"] = markup
        if edited == {k: v for k, v in original.items() if k != "edit_date"}:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = _now()
        return self._store(edited)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        text, entities = self._formatted(
            params,
            "text",
            limit=MAX_MESSAGE_LENGTH,
            too_long="message is too long",
            empty="message text is empty",
        )
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        changes: JSONDict = {"text": text}
        if entities:
            changes["entities"] = entities
        return self._apply_edit(message, ("entities",), changes, params)

    async def _edit_message_caption(self, params: JSONDict) -> JSONDict | bool:
        caption = self._caption(params)
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if not any(kind in message for kind in _CAPTIONED_KINDS):
            raise _bad_request("there is no caption in the message to edit")
        return self._apply_edit(message, ("caption", "caption_entities"), caption, params)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        return self._apply_edit(message, (), {}, params)

    async def _edit_message_media(self, params: JSONDict) -> JSONDict | bool:
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in _FILE_KINDS:
            raise _bad_request("can't parse InputMedia: media type is not specified")
        kind = str(media["type"])
        content = _media_content(kind, self._register_file(kind, media.get("media")))
        content.update(self._caption(media))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        return self._apply_edit(message, _CONTENT_KEYS, content, params)

    async def _delete_message(self, params: JSONDict) -> bool:
        message = self._find_message(params, "message to delete not found")
        del self._messages[(int(message["chat"]["id"]), int(message["message_id"]))]
        return True

    async def _delete_messages(self, params: JSONDict) -> bool:
        chat_id = self._chat_id(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad_request("message_ids is empty")
        for message_id in ids:
            self._messages.pop((chat_id, int(message_id)), None)
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_callback_queries:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_callback_queries.discard(query_id)
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    def _source_message(self, params: JSONDict, not_found: str) -> JSONDict:
        from_chat = self._chat_id(params, "from_chat_id")
        message_id = params.get("message_id")
        if message_id in (None, ""):
            raise _bad_request("message_id is empty")
        source = self._messages.get((from_chat, int(message_id)))
        if source is None:
            raise _bad_request(not_found)
        return source

    def _copy(self, source: JSONDict, chat_id: int, params: JSONDict) -> JSONDict:
        content: JSONDict = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        content.pop("media_group_id", None)
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        return self._new_message(chat_id, params, content)

    async def _copy_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        source = self._source_message(params, "message to copy not found")
        return {"message_id": self._copy(source, chat_id, params)["message_id"]}

    async def _copy_messages(self, params: JSONDict) -> list[JSONDict]:
        chat_id = self._chat_id(params)
        result = []
        for message_id in _message_ids_param(params):
            source = self._source_message({**params, "message_id": message_id}, "message to copy not found")
            plain = {k: v for k, v in params.items() if k not in ("caption", "reply_markup")}
            result.append({"message_id": self._copy(source, chat_id, plain)["message_id"]})
        return result

    def _forward(self, source: JSONDict, chat_id: int, params: JSONDict) -> JSONDict:
        content: JSONDict = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        content["forward_origin"] = copy.deepcopy(source.get("forward_origin")) or _origin_of(source)
        plain = {k: v for k, v in params.items() if k not in ("reply_markup", "reply_parameters")}
        return self._new_message(chat_id, plain, content)

    async def _forward_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        source = self._source_message(params, "message to forward not found")
        return self._forward(source, chat_id, params)

    async def _forward_messages(self, params: JSONDict) -> list[JSONDict]:
        chat_id = self._chat_id(params)
        result = []
        for message_id in _message_ids_param(params):
            source = self._source_message({**params, "message_id": message_id}, "message to forward not found")
            result.append({"message_id": self._forward(source, chat_id, params)["message_id"]})
        return result

    # -- methods: forum topics, chats, files ---------------------------------------------------

    def _topic_for(self, params: JSONDict) -> tuple[tuple[int, int], _Topic]:
        chat_id = self._chat_id(params)
        thread_id = params.get("message_thread_id")
        if thread_id in (None, ""):
            raise _bad_request("message_thread_id is empty")
        key = (chat_id, int(thread_id))
        topic = self._topics.get(key)
        if topic is None:  # a topic created outside this fake: assume it exists and is open
            topic = self._topics[key] = _Topic(name=f"Topic {thread_id}", icon_color=FORUM_TOPIC_DEFAULT_COLOR)
        if topic.deleted:
            raise _bad_request("message thread not found")
        return key, topic

    async def _create_forum_topic(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise _bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        icon_color = int(params.get("icon_color") or FORUM_TOPIC_DEFAULT_COLOR)
        created: JSONDict = {"name": name, "icon_color": icon_color}
        if params.get("icon_custom_emoji_id"):
            created["icon_custom_emoji_id"] = params["icon_custom_emoji_id"]
        # The thread id is the id of the "forum_topic_created" service message.
        service = self._new_message(chat_id, {}, {"forum_topic_created": created})
        thread_id = int(service["message_id"])
        service["message_thread_id"] = thread_id
        service["is_topic_message"] = True
        self._topics[(chat_id, thread_id)] = _Topic(
            name=name, icon_color=icon_color, icon_custom_emoji_id=created.get("icon_custom_emoji_id")
        )
        return {"message_thread_id": thread_id, **created}

    async def _edit_forum_topic(self, params: JSONDict) -> bool:
        _, topic = self._topic_for(params)
        name = params.get("name")
        emoji = params.get("icon_custom_emoji_id")
        if (name is None or name == topic.name) and (emoji is None or emoji == topic.icon_custom_emoji_id):
            raise _bad_request("TOPIC_NOT_MODIFIED")
        if name is not None:
            topic.name = str(name)
        if emoji is not None:
            topic.icon_custom_emoji_id = str(emoji) or None
        return True

    async def _close_forum_topic(self, params: JSONDict) -> bool:
        _, topic = self._topic_for(params)
        if topic.closed:
            raise _bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    async def _reopen_forum_topic(self, params: JSONDict) -> bool:
        _, topic = self._topic_for(params)
        if not topic.closed:
            raise _bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    async def _delete_forum_topic(self, params: JSONDict) -> bool:
        _, topic = self._topic_for(params)
        topic.deleted = True
        return True

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._chat_object(self._chat_id(params))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        user_id = params.get("user_id")
        if user_id in (None, ""):
            raise _bad_request("user_id is empty")
        member_id = int(user_id)
        status = self._members.get((chat_id, member_id))
        if status is None:
            status = "administrator" if member_id == self.bot_id and chat_id < 0 else "member"
        return _chat_member(status, self._user_object(member_id))

    async def _get_file(self, params: JSONDict) -> JSONDict:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise _bad_request("file_id is empty")
        stored = self._files.get(file_id)
        if stored is None or not stored.path:
            path = f"documents/file_{len(self._file_paths) + 1}"
            stored = self._files[file_id] = _StoredFile(file_id, stored.content if stored is not None else None, path)
            self._file_paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": _file_unique_id(file_id),
            "file_size": len(self._file_content(file_id)),
            "file_path": stored.path,
        }


# ---------------------------------------------------------------------------------------------
# Parameter decoding and small helpers
# ---------------------------------------------------------------------------------------------


def _decode_param(key: str, value: str) -> Any:
    """Form values are strings; PTB JSON-encodes everything that is not a string."""
    if key in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_json_body_param(key: str, value: Any) -> Any:
    """In a JSON body, objects may still arrive as JSON-serialized strings."""
    if isinstance(value, str) and key not in _TEXT_PARAMS and value.lstrip()[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _resolve_attachments(value: Any, uploads: dict[str, UploadedFile], referenced: set[str]) -> Any:
    """Replace "attach://name" references with the uploaded file."""
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name in uploads:
            referenced.add(name)
            return uploads[name]
        return value
    if isinstance(value, list):
        return [_resolve_attachments(item, uploads, referenced) for item in value]
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, uploads, referenced) for k, v in value.items()}
    return value


def _echoed_markup(markup: Any) -> JSONDict | None:
    """Validate reply_markup; only inline keyboards appear in the returned Message."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not _INLINE_BUTTON_ACTIONS & button.keys():
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise _bad_request("BUTTON_URL_INVALID")
    return markup


def _location_param(params: JSONDict) -> JSONDict:
    try:
        latitude = float(params["latitude"])
        longitude = float(params["longitude"])
    except (KeyError, TypeError, ValueError) as err:
        raise _bad_request("latitude and longitude must be specified") from err
    return {"latitude": latitude, "longitude": longitude}


def _message_ids_param(params: JSONDict) -> list[int]:
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not ids:
        raise _bad_request("message_ids is empty")
    return [int(i) for i in ids]


def _origin_of(message: JSONDict) -> JSONDict:
    chat = message.get("chat") or {}
    if chat.get("type") == "channel":
        return {"type": "channel", "chat": chat, "message_id": message["message_id"], "date": message["date"]}
    if "from" in message:
        return {"type": "user", "sender_user": message["from"], "date": message["date"]}
    return {"type": "chat", "sender_chat": message.get("sender_chat", chat), "date": message["date"]}


def _chat_member(status: str, member: JSONDict) -> JSONDict:
    match status:
        case "creator":
            return {"status": "creator", "user": member, "is_anonymous": False}
        case "administrator":
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
                "can_manage_topics",
            )
            return {
                "status": "administrator",
                "user": member,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
                **dict.fromkeys(rights, True),
            }
        case "member" | "left":
            return {"status": status, "user": member}
        case "kicked":
            return {"status": "kicked", "user": member, "until_date": 0}
        case "restricted":
            permissions = (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
            )
            return {
                "status": "restricted",
                "user": member,
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(permissions, False),
            }
        case _:
            raise ValueError(f"unknown chat member status {status!r}")

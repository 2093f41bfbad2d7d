"""Bodies from Telegram (getUpdates answers, webhook posts) as JSON, whatever code points they hold."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """Lone surrogates (which no UTF-8 database or encoder accepts) replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def parse_body(raw: bytes) -> Any:
    """orjson first (fast); it refuses a lone surrogate such as "\\ud800" that Telegram may pass on,
    so then the standard parser, with such code points replaced. None: not JSON even for that one."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return _clean(json.loads(raw.decode("utf-8", "replace")))
    except ValueError:
        return None


def update_id_of(update: Any) -> int | None:
    """The update's id, or None when the update is not an object with an integer id."""
    if not isinstance(update, dict):
        return None
    value = update.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat whose updates must be processed in order (None: no chat, processed at any time)."""
    for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
        chat = (payload.get(key) or {}).get("chat") or {}
        if isinstance(chat.get("id"), int):
            return int(chat["id"])
    query = payload.get("callback_query") or {}
    chat = (query.get("message") or {}).get("chat") or {}
    if isinstance(chat.get("id"), int):
        return int(chat["id"])
    sender = query.get("from") or {}
    return int(sender["id"]) if isinstance(sender.get("id"), int) else None

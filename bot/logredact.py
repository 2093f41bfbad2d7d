"""One redaction filter for every log record that leaves the process, the libraries' too (telegram,
telegram.ext, aiohttp, sqlalchemy, httpx): message texts, names, phone numbers and update payloads
are removed; what remains (event, update ids, exception types) is enough to find a fault."""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"

# Fields of Telegram objects (JSON, Python dicts and PTB's `Message(text='…')` reprs) that carry what
# people wrote or who they are.
_PERSONAL_KEYS = (
    "text",
    "caption",
    "first_name",
    "last_name",
    "username",
    "phone_number",
    "title",
    "bio",
    "description",
    "question",
    "address",
    "vcard",
    "query",
    "data",
    "file_name",
    "name",
)
_VALUE = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^,}\])\s]+)"
_FIELD = re.compile(r"([\"']?)\b(" + "|".join(_PERSONAL_KEYS) + r")\1(\s*[:=]\s*)" + _VALUE)
# Phone numbers: international (+31 6 1234 5678, 0031…) or Dutch (06-12345678); bare ids (update,
# chat, user) have neither a leading + nor a leading 0 and are kept.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)\d[\d ()\-./]{6,}\d|(?<!\w)0\d(?:[ \-]?\d){8}(?!\d)")
_UPDATE_ID = re.compile(r"[\"']?update_id[\"']?\s*[:=]\s*(\d+)")
_PAYLOAD_START = re.compile(r"[\[{(]")
# SQLAlchemy shows the statement's parameters in errors and in its echo log.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")


def _without_payload(line: str) -> str:
    if "update_id" not in line:
        return line
    ids = list(dict.fromkeys(_UPDATE_ID.findall(line)))
    start = _PAYLOAD_START.search(line)
    lead = line[: start.start()].rstrip() if start else ""
    return f"{lead} [update payload removed; update ids: {', '.join(ids) or 'none'}]".lstrip()


def redact(text: str) -> str:
    """`text` without personal data. A line that carries update payloads keeps only its lead-in and
    the update ids: a payload holds other people's messages too (a whole getUpdates batch)."""
    if "update_id" in text:
        text = "\n".join(_without_payload(line) for line in text.split("\n"))
    text = _SQL_PARAMETERS.sub("[parameters removed]", text)
    text = _FIELD.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{REDACTED}", text)
    return _PHONE.sub("<phone>", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record in place (message and traceback) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep only the format
            message = str(record.msg)
        if (record.name.startswith("sqlalchemy.engine") or record.name == "aiosqlite") and record.args:
            # echo's parameter lines are the row values; aiosqlite's debug records show each call
            # with its statement and parameters
            message = "[statement parameters removed]"
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of the root logger (records of the libraries' loggers reach
    the root's handlers, which apply handler filters but not the root logger's own). Idempotent."""
    for handler in (logger or logging.getLogger()).handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)

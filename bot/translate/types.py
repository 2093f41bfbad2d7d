"""The provider interface: what every machine translator offers, and the one error callers handle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# Why a translation could not be had. None of them carries the text: the error may be logged.
Reason = Literal[
    "timeout",  # the provider took longer than TRANSLATOR_TIMEOUT_SECONDS
    "unreachable",  # no connection, or the connection broke
    "rejected",  # the provider refused the request (HTTP 400: a language it lacks, text too long)
    "forbidden",  # HTTP 403: API key missing, wrong or over its quota
    "rate_limited",  # HTTP 429: too many requests
    "provider_error",  # HTTP 5xx or the model failed
    "bad_answer",  # an answer we cannot read
    "unsupported_pair",  # no model (nor pivot through English) for these languages
    "off",  # TRANSLATOR=off
]


@dataclass(frozen=True)
class Translation:
    """A translated text and where it came from. `machine` is what the coach and newcomer are told:
    a machine translation is never sent without saying so."""

    text: str
    provider: str
    source: str
    target: str
    machine: bool = True
    cached: bool = False


class TranslationUnavailableError(RuntimeError):
    """The translation could not be had now; the caller shows "translation unavailable" and lets the
    coach send the original or wait. Nothing was sent anywhere."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason
        self.detail = detail  # status code or exception type, never text


class Translator(Protocol):
    """A machine translation provider. `source` and `target` are the bot's language codes (nl, en, ar, ti)."""

    name: str

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate `text`; raises TranslationUnavailableError, never anything else."""
        ...

    async def close(self) -> None:
        """Release what the provider holds (threads, models); the shared HTTP session is not its own."""
        ...

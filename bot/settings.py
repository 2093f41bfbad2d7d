"""One validated settings object, built once at start-up (never at import time)."""

from __future__ import annotations

import os
import re
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.languages import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_SHARE = Path(__file__).resolve().parent / "share"  # what a wheel carries (setup.py's build hook)


def _cache_dir() -> Path:
    """Where the trained NLU model is kept between starts: $XDG_CACHE_HOME/werkhelpdesk, else ~/.cache/..."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "werkhelpdesk" / "nlu"


def _resource(name: str) -> Path:
    """flows/, nlu/, locales/ of the checkout, or of the installed wheel when there is no checkout."""
    checkout = PROJECT_ROOT / name
    return checkout if checkout.is_dir() or not (INSTALLED_SHARE / name).is_dir() else INSTALLED_SHARE / name


class Settings(BaseSettings):
    """Environment variables (or a `.env` file) as documented in the README."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///werkhelpdesk.db"
    rasa_url: str = ""
    rasa_timeout: float = Field(default=2.0, gt=0)
    webhook_url: str = ""
    webhook_secret: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    coach_chat_id: int | None = None

    office_hours: str = "mon-fri 09:00-17:00"
    office_closed: str = ""  # dates without coaches (holidays): "2026-12-25, 2026-12-26"
    timezone: str = "Europe/Amsterdam"
    reannounce_after_minutes: int = Field(default=15, ge=1)
    idle_after_minutes: int = Field(default=30, ge=1)
    minutes_per_case: int = Field(default=10, ge=1)  # for the expected waiting time told to newcomers

    rate_limit: int = Field(default=15, ge=1)  # messages per window before the bot answers with one notice
    rate_window_seconds: int = Field(default=10, ge=1)
    # updates one replica processes at once, each of another chat (PostgreSQL; SQLite at most 4)
    webhook_workers: int = Field(default=16, ge=1, le=64)
    telegram_timeout: float = Field(default=10.0, gt=0)  # seconds for one Bot API call
    retention_months: int = Field(default=12, ge=1)  # `werkhelpdesk privacy purge` erases newcomers inactive longer

    default_language: str = "nl"
    nlu_threshold: float = Field(default=0.5, ge=0, le=1)
    flows_dir: Path = _resource("flows")
    nlu_dir: Path = _resource("nlu")
    locales_dir: Path = _resource("locales")
    # safeguarding: an urgent case still waiting is announced to the coaches again after this many minutes
    urgent_reannounce_minutes: int = Field(default=5, ge=1)

    # machine translation between coach and newcomer (bot.translate): off, a LibreTranslate server, or local models
    translator: Literal["off", "libretranslate", "ctranslate2"] = "off"
    translator_url: str = ""  # LibreTranslate API root, e.g. http://libretranslate:5000
    translator_key: str = ""  # LibreTranslate api_key (empty for a server without keys)
    translator_model_dir: Path | None = None  # CTranslate2 models, one subdirectory per pair (ti-en/, en-nl/)
    translator_timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one translation call, at most
    # with translation on, a case waits this long for a coach who speaks its language; then any coach may claim it
    translated_handoff_after_minutes: int = Field(default=30, ge=0)

    # seconds an inbox worker holds an update (renewed while it works); a dead worker's go to others after
    inbox_lease_seconds: float = Field(default=30.0, gt=0)

    # coach console: the address coaches open (sign-in links start with it); empty: http://WEB_HOST:WEB_PORT
    console_url: str = ""
    # coach console: a session ends after this many hours without a request
    console_session_hours: float = Field(default=12, gt=0)
    # work outcomes (issue 25): months after the intake when a newcomer who agreed is asked about work; empty: never
    followup_months: str = "3,6"

    # the trained NLU model is kept here and loaded at the next start while data and code are unchanged
    nlu_cache: bool = True
    nlu_cache_dir: Path = Field(default_factory=_cache_dir)

    @field_validator("nlu_cache_dir", mode="before")
    @classmethod
    def _empty_is_default_cache(cls, value: object) -> object:
        return _cache_dir() if value == "" else value

    # FAQ content: seconds between each replica's look for a newly published revision (0: only at start)
    content_poll_seconds: float = Field(default=2.0, ge=0)
    # FAQ content: sources checked longer ago than this show up in the console's "to re-check" list
    content_review_months: int = Field(default=6, ge=1)
    # FAQ content: per language, serve Dutch or English with a note instead of a stale translation ("ti=en,ar=nl")
    content_stale_fallback: str = ""

    # outbound pacing, across all replicas (Telegram's documented limits; bot.outbox claims by them)
    send_per_chat_per_second: float = Field(default=1.0, gt=0)  # messages to one private chat
    send_per_group_per_minute: float = Field(default=20.0, gt=0)  # messages to one group (the coaches' group)
    send_per_bot_per_second: float = Field(default=30.0, gt=0)  # messages of the bot to all chats together

    @field_validator("coach_chat_id", "translator_model_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url:
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", self.webhook_secret):
                raise ValueError(
                    "WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ or - when WEBHOOK_URL is set"
                )
            if not self.webhook_url.startswith("https://"):
                raise ValueError("WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)")
        return self

    @field_validator("office_hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        from bot.handoff.hours import OfficeHours

        OfficeHours.parse(value, "UTC")
        return value

    @field_validator("office_closed")
    @classmethod
    def _valid_closed_days(cls, value: str) -> str:
        from bot.handoff.hours import parse_closed

        parse_closed(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A misspelt zone would otherwise fail every handoff later, with the bot reporting ready."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Amsterdam") from None
        return value

    @field_validator("followup_months")
    @classmethod
    def _valid_followup_months(cls, value: str) -> str:
        from bot.followup import parse_months

        try:
            parse_months(value)
        except ValueError as exc:
            raise ValueError("must be whole months between 1 and 60, comma-separated, e.g. 3,6") from exc
        return value

    @field_validator("telegram_api_url", "console_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("content_stale_fallback")
    @classmethod
    def _valid_fallback(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            lang, _, fallback = map(str.strip, part.partition("="))
            if lang not in LANGUAGES or fallback not in ("nl", "en") or lang == fallback:
                raise ValueError("use LANG=nl or LANG=en per language, e.g. ti=en,ar=nl")
        return value

    def stale_fallback(self) -> dict[str, str]:
        """CONTENT_STALE_FALLBACK as {language: nl or en}."""
        pairs = (p.split("=", 1) for p in self.content_stale_fallback.split(",") if "=" in p)
        return {lang.strip(): fallback.strip() for lang, fallback in pairs}

    @model_validator(mode="after")
    def _translator_needs_its_provider(self) -> Settings:
        if self.translator == "libretranslate" and not re.match(r"https?://", self.translator_url):
            raise ValueError("TRANSLATOR=libretranslate needs TRANSLATOR_URL (http:// or https://)")
        if self.translator == "ctranslate2":
            from bot.translate.models import find_pairs

            if find_spec("ctranslate2") is None or find_spec("sentencepiece") is None:
                raise ValueError(
                    "TRANSLATOR=ctranslate2 needs the translate extra: pip install 'werkhelpdesk[translate]'"
                )
            if self.translator_model_dir is None or not self.translator_model_dir.is_dir():
                raise ValueError("TRANSLATOR=ctranslate2 needs TRANSLATOR_MODEL_DIR, an existing directory")
            if not find_pairs(self.translator_model_dir):
                raise ValueError(
                    f"TRANSLATOR_MODEL_DIR {self.translator_model_dir} has no model: one subdirectory per "
                    "language pair (ti-en/, en-nl/) with model.bin, source.spm and target.spm"
                )
        return self

    def console_base_url(self) -> str:
        """Where coaches open the console (sign-in links are built on it)."""
        return self.console_url or f"http://{self.web_host}:{self.web_port}"

"""One validated settings object, built once at start-up (never at import time)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    timezone: str = "Europe/Amsterdam"
    reannounce_after_minutes: int = Field(default=15, ge=1)
    idle_after_minutes: int = Field(default=30, ge=1)
    minutes_per_case: int = Field(default=10, ge=1)  # for the expected waiting time told to newcomers

    rate_limit: int = Field(default=15, ge=1)  # messages per window before the bot answers with one notice
    rate_window_seconds: int = Field(default=10, ge=1)
    # batch workers per process (PostgreSQL; SQLite uses one). Each keeps one of the process's 20 pooled
    # database connections (bot.db.hot.Lane), as does the inbox writer: the rest serve everything else.
    webhook_workers: int = Field(default=4, ge=1, le=12)
    # processes of one replica (webhook mode, PostgreSQL): one per core the replica has; they share WEB_PORT
    webhook_processes: int = Field(default=1, ge=1, le=64)
    telegram_timeout: float = Field(default=10.0, gt=0)  # seconds for one Bot API call
    retention_months: int = Field(default=12, ge=1)  # `werkhelpdesk privacy purge` erases newcomers inactive longer

    default_language: str = "nl"
    nlu_threshold: float = Field(default=0.5, ge=0, le=1)
    flows_dir: Path = PROJECT_ROOT / "flows"
    nlu_dir: Path = PROJECT_ROOT / "nlu"
    locales_dir: Path = PROJECT_ROOT / "locales"
    # coach console: the address coaches open (sign-in links start with it); empty: http://WEB_HOST:WEB_PORT
    console_url: str = ""
    # coach console: a session ends after this many hours without a request
    console_session_hours: float = Field(default=12, gt=0)

    @field_validator("coach_chat_id", mode="before")
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

    @model_validator(mode="after")
    def _processes_need_webhook_and_postgres(self) -> Settings:
        if self.webhook_processes == 1:
            return self
        if not self.webhook_url:
            raise ValueError("WEBHOOK_PROCESSES > 1 needs WEBHOOK_URL: in long polling one process gets the updates")
        if not self.database_url.startswith("postgresql"):
            raise ValueError("WEBHOOK_PROCESSES > 1 needs PostgreSQL: SQLite has one writer, so one process")
        if self.web_port == 0:
            raise ValueError("WEBHOOK_PROCESSES > 1 needs a fixed WEB_PORT (the processes share it)")
        return self

    @field_validator("office_hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        from bot.handoff.hours import OfficeHours

        OfficeHours.parse(value, "UTC")
        return value

    @field_validator("telegram_api_url", "console_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from bot.languages import LANGUAGES

        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    def console_base_url(self) -> str:
        """Where coaches open the console (sign-in links are built on it)."""
        return self.console_url or f"http://{self.web_host}:{self.web_port}"

"""A Rasa server's `POST /model/parse`, with the embedded classifier as fallback when it fails."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.languages import detect_language
from bot.nlu.embedded import MAX_CHARS
from bot.nlu.types import Entity, NluResult, Parser

log = logging.getLogger(__name__)


class RasaUnavailableError(RuntimeError):
    pass


class RasaClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, timeout: float) -> None:
        self._session = session
        self._url = url.rstrip("/") + "/model/parse"
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def parse(self, text: str) -> NluResult:
        payload = {"text": text[:MAX_CHARS]}
        try:
            async with self._session.post(self._url, json=payload, timeout=self._timeout) as response:
                if response.status != 200:
                    raise RasaUnavailableError(f"HTTP {response.status}")
                body: Any = await response.json()
            return _result(text, body)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailableError(type(exc).__name__) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise RasaUnavailableError(f"unexpected answer ({type(exc).__name__})") from exc


def _result(text: str, body: dict[str, Any]) -> NluResult:
    intent = body.get("intent") or {}
    ranking = tuple(
        (str(item["name"]), float(item.get("confidence", 0.0))) for item in body.get("intent_ranking") or []
    )
    entities = tuple(
        Entity(str(e["entity"]), str(e.get("value", ""))) for e in body.get("entities") or [] if "entity" in e
    )
    return NluResult(
        text,
        detect_language(text),
        str(intent.get("name") or "out_of_scope"),
        float(intent.get("confidence") or 0.0),
        ranking[:5],
        entities,
    )


class FallbackParser:
    """Parse with `primary` (Rasa); when it fails, answer from `fallback` (the embedded classifier). While it is
    down the primary is tried only every `retry_after` seconds, so a dead server does not delay every message."""

    def __init__(
        self,
        primary: Parser,
        fallback: Parser,
        *,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._retry_after = retry_after
        self._clock = clock
        self._retry_at = 0.0
        self.degraded = False

    async def parse(self, text: str) -> NluResult:
        if self.degraded and self._clock() < self._retry_at:
            return await self._fallback.parse(text)
        if self.degraded:
            self._retry_at = self._clock() + self._retry_after  # one probe at a time
        try:
            result = await self._primary.parse(text)
        except RasaUnavailableError as exc:
            if not self.degraded:
                log.warning("Rasa server unavailable (%s): using the embedded classifier", exc)
                self.degraded = True
            self._retry_at = self._clock() + self._retry_after
            return await self._fallback.parse(text)
        if self.degraded:
            log.info("Rasa server answers again")
            self.degraded = False
        return result

"""A Rasa server's `POST /model/parse`, with the embedded classifier as fallback when it fails."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from bot.languages import detect_language
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
        try:
            async with self._session.post(self._url, json={"text": text}, timeout=self._timeout) as response:
                if response.status != 200:
                    raise RasaUnavailableError(f"HTTP {response.status}")
                body: dict[str, Any] = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailableError(type(exc).__name__) from exc
        return _result(text, body)


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
    """Parse with `primary`; when it fails use `fallback`. The outage is logged once, and its end once."""

    def __init__(self, primary: Parser, fallback: Parser) -> None:
        self._primary = primary
        self._fallback = fallback
        self.degraded = False

    async def parse(self, text: str) -> NluResult:
        try:
            result = await self._primary.parse(text)
        except RasaUnavailableError as exc:
            if not self.degraded:
                log.warning("Rasa server unavailable (%s): using the embedded classifier", exc)
                self.degraded = True
            return await self._fallback.parse(text)
        if self.degraded:
            log.info("Rasa server answers again")
            self.degraded = False
        return result

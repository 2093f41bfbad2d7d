"""The LibreTranslate HTTP API (`POST /translate`), self-hosted or hosted, and any server speaking it."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.translate.types import Reason, Translation, TranslationUnavailableError

# LibreTranslate answers errors as {"error": "..."} with these statuses (its app.py's error handler).
_STATUS_REASONS: dict[int, Reason] = {400: "rejected", 403: "forbidden", 429: "rate_limited"}


class LibreTranslateClient:
    """One request per translation over the bot's shared aiohttp session, never retried here: a
    retry could land after the caller gave up, and the coach decides whether to try again."""

    name = "libretranslate"

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str, timeout: float) -> None:
        self._session = session
        self._url = url.rstrip("/") + "/translate"
        self._api_key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def translate(self, text: str, source: str, target: str) -> Translation:
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self._api_key:
            payload["api_key"] = self._api_key
        try:
            async with self._session.post(self._url, json=payload, timeout=self._timeout) as response:
                if response.status != 200:  # the server's error message is not kept: it may quote the request
                    reason = _STATUS_REASONS.get(response.status, "provider_error")
                    raise TranslationUnavailableError(reason, f"HTTP {response.status}")
                body: Any = await response.json(content_type=None)
        except TimeoutError as exc:
            raise TranslationUnavailableError("timeout") from exc
        except aiohttp.ClientError as exc:
            raise TranslationUnavailableError("unreachable", type(exc).__name__) from exc
        except ValueError as exc:  # not JSON
            raise TranslationUnavailableError("bad_answer", type(exc).__name__) from exc
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, str):
            raise TranslationUnavailableError("bad_answer", "no translatedText")
        return Translation(translated, self.name, source, target)

    async def close(self) -> None:
        """The HTTP session belongs to bot.services and is closed there."""

"""While the provider is down, say so at once instead of making every coach wait for the time limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.translate.types import Reason, Translation, TranslationUnavailableError, Translator

log = logging.getLogger(__name__)

# Failures of the provider itself (not of one request): the next request would most likely fail too.
OUTAGES: frozenset[Reason] = frozenset({"timeout", "unreachable", "provider_error", "rate_limited", "bad_answer"})


class GuardedTranslator:
    """After an outage, requests fail fast with the outage's reason for `retry_after` seconds; then one
    request probes the provider. The outage is logged once, and its end once (as the Rasa fallback does)."""

    def __init__(
        self, inner: Translator, *, retry_after: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = inner.name
        self._inner = inner
        self._retry_after = retry_after
        self._clock = clock
        self._retry_at = 0.0
        self._reason: Reason = "unreachable"
        self.down = False

    async def translate(self, text: str, source: str, target: str) -> Translation:
        if self.down and self._clock() < self._retry_at:
            raise TranslationUnavailableError(self._reason, "provider down, not asked")
        if self.down:
            self._retry_at = self._clock() + self._retry_after  # one probe at a time
        try:
            result = await self._inner.translate(text, source, target)
        except TranslationUnavailableError as exc:
            if exc.reason in OUTAGES:
                if not self.down:
                    log.warning("translation provider %s unavailable (%s)", self.name, exc)
                    self.down = True
                self._reason = exc.reason
                self._retry_at = self._clock() + self._retry_after
            raise
        if self.down:
            log.info("translation provider %s answers again", self.name)
            self.down = False
        return result

    async def close(self) -> None:
        await self._inner.close()

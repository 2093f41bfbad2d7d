"""While the provider is down the coach hears "translation unavailable" at once, not after the time limit
each time; one request probes it again later. Logged once each way, without text."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.translate.guard import GuardedTranslator
from bot.translate.libretranslate import LibreTranslateClient
from bot.translate.types import TranslationUnavailableError
from tests.libretranslate_standin import LibreTranslateStandIn

SECRET = "ስራሕ ይደሊ ኣለኹ 0612345678"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def standin() -> AsyncIterator[LibreTranslateStandIn]:
    async with LibreTranslateStandIn() as server:
        yield server


async def test_slow_provider_fails_fast_then_is_probed_again(
    standin: LibreTranslateStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    clock = Clock()
    async with aiohttp.ClientSession() as http:
        guard = GuardedTranslator(LibreTranslateClient(http, standin.url, "", 0.3), retry_after=30, clock=clock)
        standin.mode = "slow"
        with pytest.raises(TranslationUnavailableError) as caught:
            await guard.translate(SECRET, "ti", "nl")
        assert caught.value.reason == "timeout"
        assert guard.down

        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TranslationUnavailableError) as caught:
            await guard.translate(SECRET, "ti", "nl")
        assert caught.value.reason == "timeout"
        assert loop.time() - started < 0.1  # told at once, not after the time limit
        assert len(standin.requests) == 1

        standin.mode = "ok"
        clock.now += 31
        assert (await guard.translate("hoi", "nl", "en")).text == "[en] hoi"
        assert not guard.down
        assert len(standin.requests) == 2
    assert [r.levelname for r in caplog.records if r.name == "bot.translate.guard"] == ["WARNING", "INFO"]
    assert "ስራሕ" not in caplog.text


async def test_a_refused_request_is_not_an_outage(standin: LibreTranslateStandIn) -> None:
    async with aiohttp.ClientSession() as http:
        guard = GuardedTranslator(LibreTranslateClient(http, standin.url, "", 2.0), clock=Clock())
        with pytest.raises(TranslationUnavailableError) as caught:
            await guard.translate("hoi", "xx", "nl")  # a language the server lacks: HTTP 400
        assert caught.value.reason == "rejected"
        assert not guard.down
        assert (await guard.translate("hoi", "nl", "en")).text == "[en] hoi"

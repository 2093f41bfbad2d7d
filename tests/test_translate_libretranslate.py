"""The LibreTranslate provider against a real local HTTP stand-in: the request it sends, each of the
server's error answers as a typed error, time limits, and no text in the logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.translate.libretranslate import LibreTranslateClient
from bot.translate.types import TranslationUnavailableError
from tests.libretranslate_standin import LibreTranslateStandIn
from tests.netutil import free_port

SECRET = "ስራሕ ይደሊ ኣለኹ ኣብ ኣምስተርዳም 0612345678"


@pytest.fixture
async def standin() -> AsyncIterator[LibreTranslateStandIn]:
    async with LibreTranslateStandIn(api_key="k-123") as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(http: aiohttp.ClientSession, url: str, *, key: str = "k-123", timeout: float = 2.0) -> LibreTranslateClient:
    return LibreTranslateClient(http, url + "/", key, timeout)


async def test_translates_and_sends_the_api_fields(standin: LibreTranslateStandIn, http: aiohttp.ClientSession) -> None:
    result = await client(http, standin.url).translate("ik zoek werk", "nl", "en")
    assert (result.text, result.provider, result.source, result.target) == (
        "[en] ik zoek werk",
        "libretranslate",
        "nl",
        "en",
    )
    assert result.machine
    assert standin.requests == [
        {"q": "ik zoek werk", "source": "nl", "target": "en", "format": "text", "api_key": "k-123"}
    ]


@pytest.mark.parametrize(
    ("mode", "key", "source", "reason", "detail"),
    [
        ("ok", "wrong", "ti", "forbidden", "HTTP 403"),
        ("ok", "k-123", "xx", "rejected", "HTTP 400"),
        ("429", "k-123", "ti", "rate_limited", "HTTP 429"),
        ("500", "k-123", "ti", "provider_error", "HTTP 500"),
        ("garbage", "k-123", "ti", "bad_answer", "JSONDecodeError"),
    ],
)
async def test_error_answers_are_typed_and_logged_without_text(
    standin: LibreTranslateStandIn,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    key: str,
    source: str,
    reason: str,
    detail: str,
) -> None:
    standin.mode = mode
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TranslationUnavailableError) as caught:
        await client(http, standin.url, key=key).translate(SECRET, source, "nl")
    assert (caught.value.reason, caught.value.detail) == (reason, detail)
    assert len(standin.requests) == 1  # never retried: nothing goes out twice
    assert "ስራሕ" not in caplog.text
    assert "0612345678" not in caplog.text
    assert "ስራሕ" not in str(caught.value)


async def test_slow_server_times_out(standin: LibreTranslateStandIn, http: aiohttp.ClientSession) -> None:
    standin.mode = "slow"
    started = asyncio.get_running_loop().time()
    with pytest.raises(TranslationUnavailableError) as caught:
        await client(http, standin.url, timeout=0.3).translate(SECRET, "ti", "nl")
    assert caught.value.reason == "timeout"
    assert asyncio.get_running_loop().time() - started < 2.0
    standin.mode = "ok"  # the server recovers: the next message goes through
    assert (await client(http, standin.url).translate("hoi", "nl", "en")).text == "[en] hoi"


async def test_server_down_is_unreachable(http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TranslationUnavailableError) as caught:
        await client(http, f"http://127.0.0.1:{free_port()}").translate(SECRET, "ti", "nl")
    assert caught.value.reason == "unreachable"
    assert "ስራሕ" not in caplog.text


async def test_no_key_sends_no_api_key_field(http: aiohttp.ClientSession) -> None:
    async with LibreTranslateStandIn() as open_server:
        await client(http, open_server.url, key="").translate("hoi", "nl", "en")
        assert "api_key" not in open_server.requests[0]

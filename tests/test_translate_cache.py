"""The translation cache on both backends: a text is translated once per conversation, a failure caches
nothing and logs no text, and /delete (bot.privacy.erase) takes the user's translations with the rest."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import privacy
from bot.db.models import CachedTranslation, User
from bot.services import Services
from bot.translate.cache import cached_translate
from bot.translate.guard import GuardedTranslator
from bot.translate.types import TranslationUnavailableError, Translator
from bot.web import create_web_app
from tests.libretranslate_standin import LibreTranslateStandIn
from tests.netutil import serving

SECRET = "ስራሕ ይደሊ ኣለኹ 0612345678"


@pytest.fixture
async def standin() -> AsyncIterator[LibreTranslateStandIn]:
    async with LibreTranslateStandIn() as server:
        yield server


@pytest.fixture
def settings_overrides(standin: LibreTranslateStandIn) -> dict[str, object]:
    return {"translator": "libretranslate", "translator_url": standin.url, "translator_timeout_seconds": 0.5}


async def _users(services: Services, *telegram_ids: int) -> list[int]:
    async with services.sessions() as session, session.begin():
        users = [User(telegram_id=t, first_name="N") for t in telegram_ids]
        session.add_all(users)
    return [u.id for u in users]


def _mt(services: Services) -> Translator:
    assert isinstance(services.machine_translator, GuardedTranslator)  # built from TRANSLATOR at start-up
    assert services.machine_translator.name == "libretranslate"
    return services.machine_translator


async def _rows(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CachedTranslation)) or 0)


async def test_a_text_is_translated_once_per_conversation(services: Services, standin: LibreTranslateStandIn) -> None:
    first, second = await _users(services, 801, 802)
    mt = _mt(services)
    fresh = await cached_translate(services.sessions, mt, SECRET, "ti", "nl", user_id=first)
    assert (fresh.text, fresh.cached, fresh.machine) == (f"[nl] {SECRET.upper()}", False, True)
    again = await cached_translate(services.sessions, mt, SECRET, "ti", "nl", user_id=first)
    assert (again.text, again.provider, again.cached, again.machine) == (fresh.text, "libretranslate", True, True)
    assert len(standin.requests) == 1
    await cached_translate(services.sessions, mt, SECRET, "ti", "en", user_id=first)  # another target
    await cached_translate(services.sessions, mt, SECRET, "ti", "nl", user_id=second)  # another conversation
    assert len(standin.requests) == 3
    async with services.sessions() as session:
        stored = list(await session.scalars(select(CachedTranslation)))
    assert all(SECRET not in row.key for row in stored)  # the original is kept only as a hash
    assert len(stored) == 3


async def test_same_language_and_empty_text_need_no_provider(
    services: Services, standin: LibreTranslateStandIn
) -> None:
    (user,) = await _users(services, 803)
    same = await cached_translate(services.sessions, _mt(services), "hoi", "nl", "nl", user_id=user)
    blank = await cached_translate(services.sessions, _mt(services), "  ", "ti", "nl", user_id=user)
    assert (same.text, same.machine, blank.text, blank.machine) == ("hoi", False, "  ", False)
    assert standin.requests == []
    with pytest.raises(TranslationUnavailableError) as caught:
        await cached_translate(services.sessions, None, "hoi", "nl", "ti", user_id=user)
    assert caught.value.reason == "off"


async def test_provider_down_caches_nothing_asks_once_and_logs_no_text(
    services: Services, standin: LibreTranslateStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    (user,) = await _users(services, 804)
    caplog.set_level(logging.INFO)  # the level the bot runs at (the SQL drivers' DEBUG shows parameters)
    caplog.set_level(logging.DEBUG, logger="bot")
    standin.mode = "500"
    for detail in ("HTTP 500", "provider down, not asked"):
        with pytest.raises(TranslationUnavailableError) as caught:
            await cached_translate(services.sessions, _mt(services), SECRET, "ti", "nl", user_id=user)
        assert (caught.value.reason, caught.value.detail) == ("provider_error", detail)
    assert len(standin.requests) == 1  # the second coach is told at once; nothing is asked twice
    assert await _rows(services) == 0
    assert [r.levelname for r in caplog.records if r.name.startswith("bot.translate")] == ["WARNING"]
    assert "ስራሕ" not in caplog.text
    assert "0612345678" not in caplog.text


async def test_two_coaches_at_once_keep_one_row(services: Services, standin: LibreTranslateStandIn) -> None:
    (user,) = await _users(services, 805)
    standin.delay = 0.05  # both miss the cache before either stores
    results = await asyncio.gather(
        *(cached_translate(services.sessions, _mt(services), SECRET, "ti", "nl", user_id=user) for _ in range(2))
    )
    assert results[0].text == results[1].text
    assert await _rows(services) == 1


async def test_erase_takes_the_users_translations_only(services: Services) -> None:
    erased, kept = await _users(services, 806, 807)
    for user in (erased, kept):
        await cached_translate(services.sessions, _mt(services), SECRET, "ti", "nl", user_id=user)
        await cached_translate(services.sessions, _mt(services), "ik help je", "nl", "ti", user_id=user)
    async with services.sessions() as session, session.begin():
        user = await session.get(User, erased)
        assert user is not None
        await privacy.erase(session, user)
    async with services.sessions() as session:
        owners = list(await session.scalars(select(CachedTranslation.user_id)))
    assert owners == [kept, kept]


async def test_readyz_says_when_the_translator_is_down(services: Services, standin: LibreTranslateStandIn) -> None:
    async with serving(create_web_app(services)) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}/readyz") as response:
            assert (await response.json())["translator"] == "ok"
        standin.mode = "500"
        with pytest.raises(TranslationUnavailableError):
            await _mt(services).translate("ስራሕ", "ti", "nl")
        async with http.get(f"{url}/readyz") as response:
            assert response.status == 200  # coaches see "translation unavailable"; another replica would not help
            assert (await response.json())["translator"] == "libretranslate unavailable"

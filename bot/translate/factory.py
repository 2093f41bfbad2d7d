"""The provider TRANSLATOR names, built once at start-up (bot.services) and closed with the rest."""

from __future__ import annotations

import aiohttp

from bot.settings import Settings
from bot.translate.guard import GuardedTranslator
from bot.translate.libretranslate import LibreTranslateClient
from bot.translate.types import Translator


async def open_translator(settings: Settings, http: aiohttp.ClientSession) -> Translator | None:
    """The configured provider, or None when TRANSLATOR=off. Settings were validated already."""
    provider: Translator
    if settings.translator == "libretranslate":
        provider = LibreTranslateClient(
            http, settings.translator_url, settings.translator_key, settings.translator_timeout_seconds
        )
    elif settings.translator == "ctranslate2" and settings.translator_model_dir is not None:
        from bot.translate.local import CTranslate2Translator  # the optional extra, imported only when used

        timeout = settings.translator_timeout_seconds
        provider = await CTranslate2Translator.open(settings.translator_model_dir, timeout)
    else:
        return None
    return GuardedTranslator(provider)

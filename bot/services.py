"""All long-lived resources, created and closed in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content.live import LiveContent, open_content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current
from bot.flows.model import FlowSet
from bot.i18n import Translator
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier, train_in_process
from bot.nlu.rasa import FallbackParser, RasaClient
from bot.nlu.types import Parser
from bot.settings import Settings
from bot.translate.factory import open_translator
from bot.translate.types import Translator as MachineTranslator

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    translator: Translator
    content: LiveContent
    embedded: EmbeddedClassifier
    nlu: Parser
    http: aiohttp.ClientSession
    # Machine translation between coach and newcomer (TRANSLATOR); None when off.
    machine_translator: MachineTranslator | None = None

    @property
    def flows(self) -> FlowSet:
        """The flows being served now (a newly published revision replaces them within seconds)."""
        return self.content.current


async def train_embedded(settings: Settings) -> EmbeddedClassifier:
    """Train the embedded classifier in a child process (scikit-learn stays out of this process's memory)."""
    started = time.perf_counter()
    examples = load_training(settings.nlu_dir)
    classifier = await train_in_process(examples)
    log.info("embedded NLU trained on %d examples in %.1f s", len(examples), time.perf_counter() - started)
    return classifier


@asynccontextmanager
async def open_services(
    settings: Settings, *, check_migrations: bool = True, embedded: EmbeddedClassifier | None = None
) -> AsyncIterator[Services]:
    """Build every resource the bot needs; close them all on exit, whatever happens."""
    translator = Translator.load(settings.locales_dir)
    engine = create_engine(settings.database_url)
    http = aiohttp.ClientSession()
    machine_translator: MachineTranslator | None = None
    content: LiveContent | None = None
    try:
        if check_migrations:
            await ensure_current(engine)
        sessions = create_sessionmaker(engine)
        content = await open_content(
            sessions, settings.flows_dir, settings.content_poll_seconds, settings.stale_fallback()
        )
        content.start()
        if embedded is None:
            embedded = await train_embedded(settings)
        nlu: Parser = embedded
        if settings.rasa_url:
            nlu = FallbackParser(RasaClient(http, settings.rasa_url, settings.rasa_timeout), embedded)
        machine_translator = await open_translator(settings, http)
        yield Services(settings, engine, sessions, translator, content, embedded, nlu, http, machine_translator)
    finally:
        if content is not None:
            await content.stop()
        if machine_translator is not None:
            await machine_translator.close()
        await http.close()
        await engine.dispose()

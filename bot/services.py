"""All long-lived resources, created and closed in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current
from bot.flows.loader import load_flows
from bot.flows.model import FlowSet
from bot.flows.store import FlowStore
from bot.i18n import Translator
from bot.nlu.cache import load_or_train
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier, train_in_process
from bot.nlu.rasa import FallbackParser, RasaClient
from bot.nlu.types import Parser
from bot.privacy import scrubs_done
from bot.safeguarding.model import ensure_trained as ensure_safeguarding_model
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
    flow_store: FlowStore
    embedded: EmbeddedClassifier
    nlu: Parser
    http: aiohttp.ClientSession
    # Machine translation between coach and newcomer (TRANSLATOR); None when off.
    machine_translator: MachineTranslator | None = None

    @property
    def flows(self) -> FlowSet:
        """The flows being served now (hot reload swaps them for a valid new set)."""
        return self.flow_store.current


async def train_embedded(settings: Settings) -> EmbeddedClassifier:
    """The embedded classifier: from the model cache, or trained in a child process (scikit-learn stays out
    of this process's memory) and cached."""
    started = time.perf_counter()

    async def train() -> EmbeddedClassifier:
        return await train_in_process(load_training(settings.nlu_dir))

    if not settings.nlu_cache:
        classifier, cached = await train(), False
    else:
        classifier, cached = await load_or_train(settings.nlu_dir, settings.nlu_cache_dir, train)
    how = "loaded from the cache" if cached else "trained"
    log.info("embedded NLU %s in %.1f s", how, time.perf_counter() - started)
    return classifier


@asynccontextmanager
async def open_services(
    settings: Settings, *, check_migrations: bool = True, embedded: EmbeddedClassifier | None = None
) -> AsyncIterator[Services]:
    """Build every resource the bot needs; close them all on exit, whatever happens."""
    translator = Translator.load(settings.locales_dir)
    flows = load_flows(settings.flows_dir)
    engine = create_engine(settings.database_url)
    http = aiohttp.ClientSession()
    machine_translator: MachineTranslator | None = None
    try:
        if check_migrations:
            await ensure_current(engine)
        # The safeguarding model trains in a thread while the NLU child process trains (bot/safeguarding/model.py).
        safeguarding = asyncio.to_thread(ensure_safeguarding_model, settings.nlu_dir)
        if embedded is None:
            trained, _ = await asyncio.gather(train_embedded(settings), safeguarding)
            embedded = trained
        else:
            await safeguarding
        nlu: Parser = embedded
        if settings.rasa_url:
            nlu = FallbackParser(RasaClient(http, settings.rasa_url, settings.rasa_timeout), embedded)
        store = FlowStore(settings.flows_dir, flows)
        machine_translator = await open_translator(settings, http)
        sessions = create_sessionmaker(engine)
        yield Services(settings, engine, sessions, translator, store, embedded, nlu, http, machine_translator)
    finally:
        if machine_translator is not None:
            await machine_translator.close()
        await http.close()
        # A scrub after an erasure runs in its own task on a pooled connection: one still holding it when
        # the pool is disposed would return it to the old pool, where it is never closed.
        await scrubs_done()
        await engine.dispose()

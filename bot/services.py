"""All long-lived resources, created and closed in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content import examples as console_examples
from bot.content.live import LiveContent, open_content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import ensure_current
from bot.flows.model import FlowSet
from bot.i18n import Translator
from bot.nlu.cache import load_or_train
from bot.nlu.data import Example, load_training
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
    content: LiveContent
    embedded: EmbeddedClassifier
    nlu: Parser
    http: aiohttp.ClientSession
    # Machine translation between coach and newcomer (TRANSLATOR); None when off.
    machine_translator: MachineTranslator | None = None
    # Examples added in the console (published) that the embedded classifier was trained with.
    trained_examples: int = 0
    trained_key: str = ""  # which ones (examples.fingerprint)

    @property
    def flows(self) -> FlowSet:
        """The flows being served now (a newly published revision replaces them within seconds)."""
        return self.content.current

    async def retrain_if_needed(self, _revision: int = 0) -> bool:
        """After a new revision: train again when what the classifier should learn changed: examples
        published from the console, or a topic with its own intent published or removed (in a child
        process; the old classifier answers meanwhile). A Rasa server needs its own `rasa train`."""
        async with self.sessions() as session:
            extra = console_examples.trainable(await console_examples.published(session), self.flows)
        key = console_examples.fingerprint(extra)
        if key == self.trained_key:
            return False
        embedded = await train_embedded(self.settings, extra)
        self.embedded, self.nlu = embedded, _parser(self.settings, self.http, embedded)
        self.trained_examples, self.trained_key = len(extra), key
        return True


def _parser(settings: Settings, http: aiohttp.ClientSession, embedded: EmbeddedClassifier) -> Parser:
    if settings.rasa_url:
        return FallbackParser(RasaClient(http, settings.rasa_url, settings.rasa_timeout), embedded)
    return embedded


async def train_embedded(settings: Settings, extra: Sequence[Example] = ()) -> EmbeddedClassifier:
    """The embedded classifier: from the model cache, or trained in a child process (scikit-learn stays out
    of this process's memory) and cached. `extra`: the examples staff added in the console (part of the
    cache key, so a restart with the same examples loads the model)."""
    started = time.perf_counter()

    async def train() -> EmbeddedClassifier:
        return await train_in_process([*load_training(settings.nlu_dir, followups=True), *extra])

    if not settings.nlu_cache:
        classifier, cached = await train(), False
    else:
        key = console_examples.fingerprint(extra)
        classifier, cached = await load_or_train(settings.nlu_dir, settings.nlu_cache_dir, train, key)
    how = "loaded from the cache" if cached else "trained"
    log.info("embedded NLU %s in %.1f s (%d console examples)", how, time.perf_counter() - started, len(extra))
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
        trained: list[Example] = []
        # The safeguarding model loads or trains in a thread while the NLU child process trains (bot/safeguarding/model.py).
        safeguarding = asyncio.to_thread(
            ensure_safeguarding_model, settings.nlu_dir, settings.nlu_cache_dir if settings.nlu_cache else None
        )
        if embedded is None:
            async with sessions() as session:
                trained = console_examples.trainable(await console_examples.published(session), content.current)
            embedded, _ = await asyncio.gather(train_embedded(settings, trained), safeguarding)
        else:
            await safeguarding
        assert embedded is not None
        machine_translator = await open_translator(settings, http)
        services = Services(
            settings,
            engine,
            sessions,
            translator,
            content,
            embedded,
            _parser(settings, http, embedded),
            http,
            machine_translator,
            len(trained),
            console_examples.fingerprint(trained),
        )
        content.listen(services.retrain_if_needed)
        yield services
    finally:
        if content is not None:
            await content.stop()
        if machine_translator is not None:
            await machine_translator.close()
        await http.close()
        # A scrub after an erasure runs in its own task on a pooled connection: one still holding it when
        # the pool is disposed would return it to the old pool, where it is never closed.
        await scrubs_done()
        await engine.dispose()

"""What every replica serves: the newest published revision, looked for every CONTENT_POLL_SECONDS (/reload: now)
and checked in a worker thread after a short session, so neither the event loop nor a transaction waits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import store
from bot.flows.glossary import GLOSSARY_FILE, Entry, load_glossary
from bot.flows.loader import CheckResult, FlowsInvalidError, check_texts, read_texts
from bot.flows.model import FlowSet

log = logging.getLogger(__name__)


def check_files(files: dict[str, str], glossary: list[Entry]) -> CheckResult:
    """The checks of `flows check` on published content (named like the files it exports to)."""
    return check_texts(files, glossary, "flows/{}.yml")


class LiveContent:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        glossary: list[Entry],
        flows: FlowSet,
        number: int,
        interval: float,
        stale_fallback: dict[str, str] | None = None,
    ) -> None:
        self._sessions = sessions
        self.glossary = glossary
        self.current = flows
        self.number = number
        self._interval = interval
        self._fallback = stale_fallback or {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[int], Awaitable[object]]] = []
        self._background: set[asyncio.Task[None]] = set()

    def listen(self, listener: Callable[[int], Awaitable[object]]) -> None:
        """Called (in the background) with the number of each newly served revision."""
        self._listeners.append(listener)

    async def _tell(self, listener: Callable[[int], Awaitable[object]], number: int) -> None:
        try:
            await listener(number)
        except Exception:
            log.exception("content: a listener of revision %d failed", number)

    async def refresh(self) -> bool:
        """Serve the newest revision if it is newer than the one served; True when it changed."""
        async with self._lock:
            async with self._sessions() as session:
                newest = await store.head_number(session)
                if newest is None or newest == self.number:
                    return False
                row = await store.revision(session, newest)
                files = dict(row.files) if row is not None else {}
            result = await asyncio.to_thread(check_files, files, self.glossary)
            if result.errors:
                # Publishing checks first, so this is a revision written around the checks: keep serving.
                log.error(
                    "content revision %d has %d errors; still serving %d", newest, len(result.errors), self.number
                )
                self.number = newest
                return False
            self.current, self.number = FlowSet(result.flows.flows, self._fallback), newest
            log.info("content revision %d is live: %d flows", newest, len(result.flows.flows))
            for listener in self._listeners:
                task = asyncio.create_task(self._tell(listener, newest))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            return True

    def request_refresh(self) -> None:
        """Look now instead of at the next interval (/reload, and after this replica published)."""
        self._wake.set()

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval or None)
            self._wake.clear()
            try:
                await self.refresh()
            except Exception:
                log.exception("content: looking for a new revision failed (trying again)")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Cancel the watcher and the listeners, and wait until they unwound (while the engine is open:
        a task cancelled in the middle of a query must give its connection back before disposal)."""
        if self._task is not None:  # first the watcher: it starts listeners
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        background = list(self._background)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)


async def open_content(
    sessions: async_sessionmaker[AsyncSession],
    flows_dir: Path,
    interval: float,
    stale_fallback: dict[str, str] | None = None,
) -> LiveContent:
    """The published content, after seeding an empty database from `flows_dir` or importing the files
    when they changed and nobody edited the content in the console since they were last imported."""
    glossary = await asyncio.to_thread(load_glossary, flows_dir / GLOSSARY_FILE)
    texts = await asyncio.to_thread(read_texts, flows_dir)
    async with sessions() as session:
        newest = await store.head(session)
    wanted = store.files_hash(texts)
    if newest is None or (newest.source in store.FROM_FILES and newest.files_hash != wanted):
        result = await asyncio.to_thread(check_files, texts, glossary)
        if result.errors and newest is None:
            raise FlowsInvalidError(result.errors)
        if result.errors:
            log.warning("flows/ changed but has %d errors: the published content keeps serving", len(result.errors))
        else:
            try:
                async with sessions() as session, session.begin():
                    await store.publish(
                        session,
                        texts,
                        parent=newest.number if newest else None,
                        source=store.IMPORT if newest else store.SEED,
                        author="flows/",
                        comment="flows/ changed" if newest else "the first content, from flows/",
                        from_files=wanted,
                    )
            except (IntegrityError, store.PublishConflictError):
                log.info("content: another replica published the files first")
    content = LiveContent(sessions, glossary, FlowSet({}), 0, interval, stale_fallback)
    await content.refresh()
    if not content.current.flows:
        raise FlowsInvalidError(check_files(texts, glossary).errors)
    return content


async def published_flows(session: AsyncSession, flows_dir: Path) -> FlowSet:
    """What the bot serves, for a command outside the bot (reports): the newest published revision, with the
    topics staff made in the console; the files of `flows_dir` before anything was published."""
    newest = await store.head(session)
    glossary = await asyncio.to_thread(load_glossary, flows_dir / GLOSSARY_FILE)
    if newest is not None:
        result = await asyncio.to_thread(check_files, dict(newest.files), glossary)
        if not result.errors:
            return result.flows
    texts = await asyncio.to_thread(read_texts, flows_dir)
    return (await asyncio.to_thread(check_files, texts, glossary)).flows

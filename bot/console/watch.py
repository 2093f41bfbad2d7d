"""One read per replica and interval answers the open case pages' polls together, so an open page costs next to
nothing. A session ended elsewhere may still get "204: nothing new" for INTERVAL seconds, never content."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.cases import newest_message
from bot.db.models import Case, Coach, ConsoleSession, User

log = logging.getLogger(__name__)

INTERVAL = 1.0  # seconds: how old a read may be when a poll is answered from it
FORGET = 30.0  # seconds: a case or session no poll asked about for this long is no longer read
MOST = 1000  # cases (and sessions) read at most: the longest lists of an IN clause
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class _Seen(Generic[V]):
    value: V  # a case's newest message id; a session's last_seen_at
    asked: float  # clock time of the last poll that used it


def _drop_unasked(seen: dict[K, _Seen[V]], now: float) -> None:
    for key in [k for k, s in seen.items() if now - s.asked > FORGET]:
        del seen[key]


class PageWatch:
    """What the open pages of this replica poll for, read together; one per web application."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self.clock = clock
        self._cases: dict[int, _Seen[int]] = {}
        self._sessions: dict[str, _Seen[datetime]] = {}
        self._read_at = float("-inf")
        self._reading: asyncio.Task[None] | None = None
        self.reads = 0  # for tests and benchmarks: how many times the database was asked

    def remember_case(self, case_id: int, newest: int) -> None:
        """What the full path just read (the case page or a poll that showed new messages)."""
        if case_id in self._cases or len(self._cases) < MOST:
            self._cases[case_id] = _Seen(newest, self.clock())

    def remember_session(self, session_hash: str, last_seen_at: datetime) -> None:
        if session_hash in self._sessions or len(self._sessions) < MOST:
            self._sessions[session_hash] = _Seen(last_seen_at, self.clock())

    def forget_session(self, session_hash: str) -> None:
        """Signed out on this replica: from now on its polls take the full path (and get 401)."""
        self._sessions.pop(session_hash, None)

    async def nothing_new(self, session_hash: str, case_id: int, after: int, now: datetime, touch: timedelta) -> bool:
        """True when the session exists and was seen within `touch` (so it needs no new last-seen
        time) and the case has no message newer than `after`, by a read at most INTERVAL old."""
        if session_hash not in self._sessions or case_id not in self._cases:
            return False
        if self.clock() - self._read_at > INTERVAL:
            try:
                await self._read()
            except Exception:
                log.warning("console: reading the open pages failed; the polls take the full path", exc_info=True)
                return False
        session, case = self._sessions.get(session_hash), self._cases.get(case_id)
        if session is None or case is None:
            return False
        session.asked = case.asked = self.clock()
        return now - session.value <= touch and case.value <= after

    async def close(self) -> None:
        """Let a read under way finish: it uses the database, which closes after the web server."""
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)

    async def _read(self) -> None:
        """One read for every poll waiting for it (the first starts it, the others wait for it)."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read_all())
        await asyncio.shield(self._reading)

    async def _read_all(self) -> None:
        started = self.clock()
        _drop_unasked(self._cases, started)
        _drop_unasked(self._sessions, started)
        case_ids, hashes = list(self._cases), list(self._sessions)
        cases: dict[int, int | None] = {}
        sessions: dict[str, datetime] = {}
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN and ROLLBACK
            if case_ids:
                newest = select(Case.id, newest_message()).outerjoin(User, User.id == Case.user_id)
                cases = dict((await conn.execute(newest.where(Case.id.in_(case_ids)))).all())
            if hashes:
                alive = select(ConsoleSession.token_hash, ConsoleSession.last_seen_at)
                alive = alive.join(Coach, Coach.id == ConsoleSession.coach_id)
                sessions = dict((await conn.execute(alive.where(ConsoleSession.token_hash.in_(hashes)))).all())
        self.reads += 1
        # Only what is still asked for is updated: a session forgotten meanwhile (signed out here)
        # stays forgotten though this read began before.
        for case_id in case_ids:
            if case_id in self._cases:
                if case_id in cases:
                    self._cases[case_id].value = cases[case_id] or 0
                else:
                    del self._cases[case_id]
        for session_hash in hashes:
            if session_hash in self._sessions:
                if session_hash in sessions:
                    self._sessions[session_hash].value = sessions[session_hash]
                else:
                    del self._sessions[session_hash]
        self._read_at = started

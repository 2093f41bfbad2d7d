"""Coaches keeping case pages open while `bench/load.py` runs (issue 23): `--console-pages N`.

Each open page is a signed-in console session on a claimed case with 30 transcript lines. It is
loaded (GET /console/cases/{id}), then polled as its htmx does (GET …/transcript?after=<last id>
with HX-Request, every 2 s: 204 while nothing is new), and opened again every `RELOAD` seconds (a
coach going back to the case). The requests go to the replicas round-robin; their latency is printed
beside the load's."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import func, insert, select

from bot.console import auth
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import CASE_CLAIMED, Case, Coach, Message, User, utcnow

POLL = 2.0  # seconds: hx-trigger="every 2s" in bot/web/templates/_transcript.html
RELOAD = 10.0
COACH_TELEGRAM_ID = 990_001
FIRST_NEWCOMER = 980_000  # far from the load's chats


@dataclass
class Pages:
    token: str
    cases: list[tuple[int, int]]  # (case id, last message id)
    timings: dict[str, list[float]] = field(default_factory=lambda: {"case page": [], "transcript poll": []})
    statuses: dict[int, int] = field(default_factory=dict)


async def prepare(url: str, count: int, lines: int = 30) -> Pages:
    """A coach, `count` newcomers with a claimed case each and their transcript, a console session."""
    engine = create_engine(url)
    try:
        now = utcnow()
        async with engine.begin() as conn:
            coach_id = await conn.scalar(
                insert(Coach).values(telegram_id=COACH_TELEGRAM_ID, name="Bench", languages="ar,nl").returning(Coach.id)
            )
            users = [
                await conn.scalar(
                    insert(User).values(telegram_id=FIRST_NEWCOMER + i, first_name=f"P{i}").returning(User.id)
                )
                for i in range(count)
            ]
            await conn.execute(
                insert(Message),
                [
                    {
                        "user_id": u,
                        "chat_id": FIRST_NEWCOMER + i,
                        "direction": "in" if j % 2 == 0 else "out",
                        "kind": "text",
                        "text": "عندي شهادة بكالوريوس من سوريا" if j % 2 == 0 else "Dank je, een coach komt zo.",
                        "created_at": now,
                        "attempts": 0,
                        "delivered_at": now,
                    }
                    for i, u in enumerate(users)
                    for j in range(lines)
                ],
            )
            cases = []
            for u in users:
                case_id = await conn.scalar(
                    insert(Case)
                    .values(
                        user_id=u,
                        status=CASE_CLAIMED,
                        coach_id=coach_id,
                        language="ar",
                        reason="asked",
                        topic="diploma_recognition",
                        created_at=now,
                        last_activity_at=now,
                    )
                    .returning(Case.id)
                )
                last = await conn.scalar(select(func.max(Message.id)).where(Message.user_id == u))
                cases.append((int(case_id or 0), int(last or 0)))
        async with create_sessionmaker(engine)() as session, session.begin():
            coach = await session.get(Coach, coach_id)
            assert coach is not None
            token, _ = await auth.open_session(session, coach, now)
        return Pages(token, cases)
    finally:
        await engine.dispose()


async def keep_open(pages: Pages, bases: list[str], stop: asyncio.Event, window: tuple[float, float]) -> None:
    """Every page loaded, polled and reloaded until `stop`; only requests started in `window` are timed."""
    hosts = itertools.cycle(bases)

    async def get(http: aiohttp.ClientSession, name: str, path: str, htmx: bool) -> None:
        started = time.monotonic()
        async with http.get(next(hosts) + path, headers={"HX-Request": "true"} if htmx else None) as response:
            await response.read()
        pages.statuses[response.status] = pages.statuses.get(response.status, 0) + 1
        if window[0] <= started <= window[1]:
            pages.timings[name].append(time.monotonic() - started)

    async def page(http: aiohttp.ClientSession, case_id: int, last: int, offset: float) -> None:
        await asyncio.sleep(offset)  # the coaches did not open their pages in the same instant
        opened = float("-inf")
        while not stop.is_set():
            if time.monotonic() - opened >= RELOAD:
                opened = time.monotonic()
                await get(http, "case page", f"/console/cases/{case_id}", False)
            else:
                await get(http, "transcript poll", f"/console/cases/{case_id}/transcript?after={last}", True)
            with_timeout = asyncio.create_task(stop.wait())
            await asyncio.wait({with_timeout}, timeout=POLL)
            with_timeout.cancel()

    async with aiohttp.ClientSession(cookies={"console_session": pages.token}) as http:
        count = len(pages.cases)
        await asyncio.gather(
            *(page(http, case_id, last, POLL * i / count) for i, (case_id, last) in enumerate(pages.cases))
        )


def line(pages: Pages) -> str:
    parts = []
    for name, values in pages.timings.items():
        ordered = sorted(values)
        if not ordered:
            parts.append(f"{name} (0)")
            continue

        def q(p: float, ordered: list[float] = ordered) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

        parts.append(f"{name} ({len(ordered)}) p50 {q(0.5):.1f} p95 {q(0.95):.1f} p99 {q(0.99):.1f}")
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(pages.statuses.items()))
    return f"  console, {len(pages.cases)} case pages open: " + " | ".join(parts) + f" | HTTP {statuses}"

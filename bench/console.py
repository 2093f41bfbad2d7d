"""Console benchmark: how long the case page and the queue take to render with many open cases.

    .venv/bin/python bench/console.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test_console --cases 1000

WARNING: drops and recreates the `public` schema of the given PostgreSQL database.
Fills the database with `--cases` open cases (each with `--messages` transcript lines and two notes),
signs a coach in, then fetches random case pages (and the queue) one after the other over real HTTP
from the bot's web server and prints latency percentiles. The target (issue 23): case page p95 < 100 ms.

It also prints the CPU time of each request: of this process, which runs both the web server and the
client, so `/healthz` is fetched beside the pages as the floor (the client's and aiohttp's share);
what a page costs the server is its CPU time above that floor (PostgreSQL's own CPU is not in it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import insert, select, text

from bot.console import auth
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import CASE_CLAIMED, CASE_WAITING, Case, CaseEvent, Coach, Message, User, utcnow
from bot.services import open_services
from bot.settings import Settings
from bot.web import create_web_app

ROOT = Path(__file__).resolve().parent.parent


async def fill(url: str, cases: int, messages: int) -> None:
    engine = create_engine(url)
    try:
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(Coach), [{"telegram_id": 900, "name": "Fatima", "languages": "ar,ti,nl"}])
            await conn.execute(
                insert(User),
                [{"telegram_id": 10_000 + i, "first_name": f"N{i}", "last_language": "ar"} for i in range(cases)],
            )
            users = list((await conn.execute(select(User.id, User.telegram_id))).all())
            now = utcnow()
            await conn.execute(
                insert(Case),
                [
                    {
                        "user_id": u,
                        "status": CASE_CLAIMED if i % 3 == 0 else CASE_WAITING,
                        "coach_id": 1 if i % 3 == 0 else None,
                        "language": "ar",
                        "reason": "asked",
                        "topic": "diploma_recognition",
                        "created_at": now,
                        "last_activity_at": now,
                    }
                    for i, (u, _t) in enumerate(users)
                ],
            )
            rows = []
            for u, tg in users:
                for j in range(messages):
                    rows.append(
                        {
                            "user_id": u,
                            "chat_id": tg,
                            "direction": "in" if j % 2 == 0 else "out",
                            "kind": "text",
                            "text": "عندي شهادة بكالوريوس من سوريا" if j % 2 == 0 else "Dank je, een coach komt zo.",
                            "created_at": now,
                            "attempts": 0,
                            "delivered_at": now,
                        }
                    )
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(Message), rows[start : start + 5000])
            case_ids = list(await conn.scalars(select(Case.id)))
            await conn.execute(
                insert(CaseEvent),
                [
                    {"case_id": c, "coach_id": 1, "action": a, "detail": "notitie", "at": now}
                    for c in case_ids
                    for a in ("created", "note", "note")
                ],
            )
    finally:
        await engine.dispose()


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] * 1000


async def main(url: str, cases: int, messages: int, requests: int) -> None:
    await fill(url, cases, messages)
    settings = Settings(_env_file=None, database_url=url, telegram_token="1:bench", web_port=0)  # type: ignore[call-arg]
    async with open_services(settings) as services:
        async with services.sessions() as session, session.begin():
            coach = await session.scalar(select(Coach))
            assert coach is not None
            token, _ = await auth.open_session(session, coach, utcnow())
        runner = web.AppRunner(create_web_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        ids = list(range(1, cases + 1))
        timings: dict[str, list[float]] = {
            "case page": [],
            "queue (all open)": [],
            "transcript poll (page open)": [],
            "/healthz": [],
        }
        cpu: dict[str, list[float]] = {name: [] for name in timings}
        async with aiohttp.ClientSession(cookies={"console_session": token}) as http:
            for _ in range(requests):
                case_id = random.choice(ids)
                for name, path in (
                    ("case page", f"/console/cases/{case_id}"),
                    ("queue (all open)", "/console/?view=open"),
                    ("transcript poll (page open)", f"/console/cases/{case_id}/transcript?after=999999999"),
                    ("/healthz", "/healthz"),
                ):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    async with http.get(
                        base + path, headers={"HX-Request": "true"} if "transcript" in path else None
                    ) as r:
                        await r.read()
                        assert r.status in {200, 204}, (path, r.status)
                    timings[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - cpu_started)
        await runner.cleanup()
    print(f"{cases} open cases, {messages} messages each, {requests} requests per page, one after the other")
    floor = statistics.median(cpu["/healthz"]) * 1000
    for name, values in timings.items():
        used = statistics.median(cpu[name]) * 1000
        print(
            f"{name:32s} p50 {pct(values, 50):6.1f} ms   p95 {pct(values, 95):6.1f} ms   p99 {pct(values, 99):6.1f} ms"
            f"   CPU {used:5.2f} ms (above /healthz {used - floor:5.2f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.cases, args.messages, args.requests))

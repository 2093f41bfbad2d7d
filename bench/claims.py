"""Claim benchmark: N concurrent coaches claim M waiting cases on PostgreSQL (or any DATABASE_URL).

    .venv/bin/python bench/claims.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test --coaches 50 --cases 1000

WARNING: drops and recreates the `public` schema of the given PostgreSQL database.
Prints claims per second and claim latency percentiles; verifies every case was claimed exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert, select, text

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import CASE_WAITING, Case, Coach, User
from bot.handoff import queue


async def main(url: str, coaches: int, cases: int) -> None:
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(insert(User), [{"telegram_id": 10_000 + i} for i in range(cases)])
        user_ids = list(await session.scalars(select(User.id)))
        await session.execute(
            insert(Case),
            [{"user_id": u, "status": CASE_WAITING, "language": "ar", "reason": "asked"} for u in user_ids],
        )
        await session.execute(
            insert(Coach), [{"telegram_id": 900 + i, "name": f"c{i}", "languages": "ar"} for i in range(coaches)]
        )
        coach_ids = list(await session.scalars(select(Coach.id)))
    latencies: list[float] = []
    claimed: list[int] = []

    async def worker(coach_id: int) -> None:
        while True:
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                coach = await session.get(Coach, coach_id)
                assert coach is not None
                case = await queue.claim(session, coach, None, ["ar"], timedelta(minutes=30))
            latencies.append(time.perf_counter() - started)
            if case is None:
                return
            claimed.append(case.id)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in coach_ids))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    assert len(claimed) == cases == len(set(claimed)), "a case was lost or claimed twice"
    q = statistics.quantiles(latencies, n=100)
    print(f"backend: {url.split(':')[0]}  coaches: {coaches}  cases: {cases}")
    print(f"claims/s: {cases / elapsed:.0f}  total: {elapsed:.2f} s  every case claimed exactly once: yes")
    print(f"claim latency ms: p50 {q[49] * 1000:.1f}  p95 {q[94] * 1000:.1f}  p99 {q[98] * 1000:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--coaches", type=int, default=50)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.coaches, args.cases))

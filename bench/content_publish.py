"""How long a publication takes to reach every replica: N content watchers (each as a replica runs it,
polling the newest revision number every CONTENT_POLL_SECONDS on its own engine) on one database; one
revision is published, and the time until each watcher serves it is printed. Repeated --rounds times.

    .venv/bin/python bench/content_publish.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test_<you>
    .venv/bin/python bench/content_publish.py --url sqlite+aiosqlite:////tmp/content.db

The database's schema is dropped and created (PostgreSQL: schema public; SQLite: the file is replaced)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from bot.content import store
from bot.content.live import LiveContent, open_content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


async def _fresh(url: str) -> None:
    if url.startswith("sqlite"):
        await asyncio.to_thread(Path(url.split("///", 1)[1]).unlink, missing_ok=True)
    else:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()


async def main(url: str, replicas: int, interval: float, rounds: int) -> None:
    await _fresh(url)
    engines = [create_engine(url) for _ in range(replicas + 1)]
    sessions = [create_sessionmaker(e) for e in engines]
    watchers: list[LiveContent] = []
    for i in range(replicas):
        watchers.append(await open_content(sessions[i], ROOT / "flows", interval))
        watchers[-1].start()
    took: list[float] = []
    try:
        for n in range(rounds):
            async with sessions[-1]() as session, session.begin():
                head = await store.head(session)
                assert head is not None
                files = dict(head.files)
                files["thanks"] = files["thanks"] + f"\n# round {n}\n"
                row = await store.publish(session, files, parent=head.number, source=store.CONSOLE, author="bench")
                wanted = row.number
            published = time.perf_counter()
            pending = set(range(replicas))
            while pending:
                for i in list(pending):
                    if watchers[i].number == wanted:
                        took.append(time.perf_counter() - published)
                        pending.discard(i)
                await asyncio.sleep(0.01)
            await asyncio.sleep(interval * 0.37)  # publish at varying points of the poll cycle
    finally:
        for watcher in watchers:
            await watcher.stop()
        for engine in engines:
            await engine.dispose()
    took.sort()
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{backend}, {replicas} replicas, poll every {interval:g} s, {rounds} publications: "
        f"until served mean {statistics.mean(took):.2f} s, p50 {took[len(took) // 2]:.2f} s, "
        f"max {took[-1]:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.replicas, args.interval, args.rounds))

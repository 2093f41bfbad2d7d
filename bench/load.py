"""Load benchmark: many newcomers talk to the bot in webhook mode through the fake Bot API.

    .venv/bin/python bench/load.py --replicas 1 --db postgresql   # drops schema public of the test DB!
    .venv/bin/python bench/load.py --replicas 2 --db postgresql
    .venv/bin/python bench/load.py --replicas 1 --db sqlite
    .venv/bin/python bench/load.py --all                            # the three runs of bench/README.md

Each simulated user (mixed nl/ar/ti/en) sends a question, presses the first follow-up button, sends a
second question and says thanks; 5% ask for a coach. Updates go round-robin to the replicas; one chat's
updates are sent one after the other (as Telegram does), chats in parallel. Latency = from posting the
update to the bot's sendMessage arriving at the fake Bot API. Prints messages/s, p50/p95/p99, CPU seconds
and peak memory (VmHWM) per replica, and checks that no reply was lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db.engine import create_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from tests import fake_bot_api as tg  # noqa: E402
from tests.fake_bot_api import FakeBotAPI  # noqa: E402
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok  # noqa: E402

SECRET = "load-benchmark-secret-0001"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
QUESTIONS = {
    "nl": ["Hoe kan ik mijn diploma laten waarderen?", "ik wil CV maken", "hoe werkt een sollicitatie"],
    "ar": ["شلون بعادل شهادتي الجامعية؟", "كيف اكتب سيرة ذاتية CV للشغل بهولندا", "بدي اتعلم هولندي للشغل"],
    "ti": ["ዲፕሎማይ ከመይ ክፈልጦ", "ባህሊ ስራሕ ኣብ ሆላንድ ከመይ እዩ", "CV ከመይ ይጽሓፍ"],
    "en": ["How do I get my foreign degree recognised?", "What is Dutch work culture like?", "help me write a CV"],
}
THANKS = {"nl": "dank je wel", "ar": "شكرا", "ti": "የቐንየለይ", "en": "thank you"}


class TimedFake(FakeBotAPI):
    """The fake Bot API, telling waiting users when a reply reaches their chat."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[int, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await super()._send_message(params)
        chat = int(params["chat_id"])
        self.replies[chat].append((time.perf_counter(), result))
        self.events[chat].set()
        return result


def proc_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of a running process, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
    return cpu, peak / 1024


async def prepare_database(db: str) -> str:
    if db == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/load.db"
    else:
        url = PG_URL
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


async def compile_catalogs() -> str:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = Path(tempfile.mkdtemp())
    for lang in ("nl", "ar", "ti", "en"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as fp:
            write_mo(fp, catalog)
    return str(out)


async def run(replicas: int, db: str, users: int, concurrency: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    url = await prepare_database(db)
    locales = await compile_catalogs()
    fake = TimedFake()
    await fake.start()
    processes: list[asyncio.subprocess.Process] = []
    webhooks: list[str] = []
    for _ in range(replicas):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LOCALES_DIR": locales,
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "WEBHOOK_URL": "https://werkhelpdesk.example/webhook",
            "WEBHOOK_SECRET": SECRET,
            "WEB_PORT": str(port),
            "RASA_URL": "",
            "RATE_LIMIT": "1000",
        }
        processes.append(
            await start_werkhelpdesk(env, "run", capture_stderr=False)
        )
        webhooks.append(f"http://127.0.0.1:{port}/webhook")
    for hook in webhooks:
        await wait_until_ok(hook.replace("/webhook", "/readyz"))

    latencies: list[float] = []
    problems: list[str] = []
    sent_total = 0
    next_update = iter(range(1, 10_000_000))
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:

        async def deliver(update: dict[str, Any], chat: int, turn: int) -> dict[str, Any] | None:
            nonlocal sent_total
            update["update_id"] = next(next_update)
            hook = webhooks[(chat + turn) % len(webhooks)]
            before = len(fake.replies[chat])
            fake.events[chat].clear()
            started = time.perf_counter()
            async with http.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                if response.status != 200:
                    problems.append(f"HTTP {response.status}")
                    return None
            sent_total += 1
            deadline = started + 30
            while len(fake.replies[chat]) <= before:
                try:
                    await asyncio.wait_for(fake.events[chat].wait(), max(0.01, deadline - time.perf_counter()))
                except TimeoutError:
                    problems.append(f"chat {chat}: no reply")
                    return None
                fake.events[chat].clear()
            at, message = fake.replies[chat][before]
            latencies.append(at - started)
            return message

        async def newcomer(index: int) -> None:
            lang = rng.choice(list(QUESTIONS))
            user = tg.user(100_000 + index, f"U{index}", language_code=lang)
            chat = user["id"]
            async with gate:
                first = await deliver(tg.text_update(user, rng.choice(QUESTIONS[lang])), chat, 0)
                markup = (first or {}).get("reply_markup") or {}
                buttons = [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
                if buttons:
                    await deliver(tg.callback_update(user, buttons[0]), chat, 1)
                if rng.random() < 0.05:
                    await deliver(tg.callback_update(user, "a:coach_yes"), chat, 2)
                else:
                    await deliver(tg.text_update(user, rng.choice(QUESTIONS[lang])), chat, 2)
                    await deliver(tg.text_update(user, THANKS[lang]), chat, 3)

        started = time.perf_counter()
        await asyncio.gather(*(newcomer(i) for i in range(users)))
        elapsed = time.perf_counter() - started
    await asyncio.sleep(1.0)
    stats = [proc_stats(p.pid) for p in processes]
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        await asyncio.wait_for(process.wait(), 60)
    # Lost or duplicated: every delivered update got exactly its replies (one per update here).
    replies = sum(len(v) for v in fake.replies.values())
    await fake.stop()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0.0] * 99
    return {
        "replicas": replicas,
        "db": db,
        "users": users,
        "updates": sent_total,
        "replies": replies,
        "problems": problems[:5],
        "msgs_per_s": sent_total / elapsed,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "cpu_s": [round(c, 1) for c, _ in stats],
        "peak_mb": [round(m) for _, m in stats],
    }


def report(result: dict[str, Any]) -> str:
    return (
        f"{result['replicas']} replica(s) on {result['db']}: {result['users']} users, {result['updates']} updates, "
        f"{result['replies']} replies, {result['msgs_per_s']:.0f} msg/s, latency p50 {result['p50_ms']:.1f} ms, "
        f"p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, CPU s per replica {result['cpu_s']}, "
        f"peak MB per replica {result['peak_mb']}, problems: {result['problems'] or 'none'}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=100, help="chats in flight at once")
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    runs = [(1, "postgresql"), (2, "postgresql"), (1, "sqlite")] if args.all else [(args.replicas, args.db)]
    for replicas, db in runs:
        print(report(await run(replicas, db, args.users, args.concurrency)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())

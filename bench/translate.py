"""Translation latency per message through the provider interface (figures printed, never asserted).

    .venv/bin/python bench/translate.py [--messages 300] [--delay-ms 0]

1. LibreTranslate provider (as built at start-up: the client behind the outage guard) against the local
   stand-in server of tests/libretranslate_standin.py, over real HTTP on 127.0.0.1; `--delay-ms` adds
   a server-side delay per request (a real server's model time), 0 measures our side alone.
2. The same through `cached_translate` on a fresh SQLite database: a miss (provider + insert) and a hit.
3. The CTranslate2 provider on the tiny models of tests/tiny_mt.py (built here, no download): load time
   and latency for a direct pair (ti→en) and the pivot through English (ti→nl). The model is tiny, so
   this is the provider's own overhead (executor hop, sentencepiece, CTranslate2 call), not a real
   model's decoding time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import User
from bot.translate.cache import cached_translate
from bot.translate.guard import GuardedTranslator
from bot.translate.libretranslate import LibreTranslateClient
from bot.translate.local import CTranslate2Translator
from tests.libretranslate_standin import LibreTranslateStandIn
from tests.tiny_mt import SENTENCES, build_marian_pair

# Chat-sized messages: one short sentence up to a few (about 15 to 140 characters).
BASE = [*SENTENCES["ti"], *SENTENCES["nl"]]


def messages(count: int) -> list[str]:
    return [" ".join(BASE[(i + j) % len(BASE)] for j in range(1 + i % 8)) + f" {i}" for i in range(count)]


async def measure(label: str, texts: list[str], call: Callable[[str], Awaitable[object]]) -> None:
    await call("warm-up")
    latencies = []
    for text in texts:
        started = time.perf_counter()
        await call(text)
        latencies.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{label:<44} {len(texts)} messages: p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  "
        f"p99 {q[98]:.2f} ms  max {max(latencies):.2f} ms"
    )


async def main(count: int, delay_ms: float) -> None:
    print(f"cores: {os.cpu_count()}  load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    texts = messages(count)
    print(f"message length: {min(map(len, texts))}-{max(map(len, texts))} characters")
    with tempfile.TemporaryDirectory() as tmp:
        async with LibreTranslateStandIn() as standin, aiohttp.ClientSession() as http:
            standin.delay = delay_ms / 1000
            provider = GuardedTranslator(LibreTranslateClient(http, standin.url, "", 10.0))
            await measure(
                f"libretranslate stand-in (+{delay_ms:g} ms)", texts, lambda t: provider.translate(t, "ti", "nl")
            )

            engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
            await upgrade(engine)
            sessions = create_sessionmaker(engine)
            async with sessions() as session, session.begin():
                user = User(telegram_id=1)
                session.add(user)

            async def cached(text: str) -> object:
                return await cached_translate(sessions, provider, text, "ti", "nl", user_id=user.id)

            await measure("cached_translate, miss (SQLite)", texts, cached)
            await measure("cached_translate, hit (SQLite)", texts, cached)
            await engine.dispose()

        root = Path(tmp) / "models"
        for source, target in (("ti", "en"), ("en", "nl")):
            build_marian_pair(root, source, target)
        started = time.perf_counter()
        local = await CTranslate2Translator.open(root, 10.0)
        print(f"ctranslate2 tiny models: 2 loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
        await measure("ctranslate2 tiny, ti→en (direct)", texts, lambda t: local.translate(t, "ti", "en"))
        await measure("ctranslate2 tiny, ti→nl (through English)", texts, lambda t: local.translate(t, "ti", "nl"))
        await local.close()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.delay_ms))

"""Translation latency per message through the provider interface (figures printed, never asserted).

    .venv/bin/python bench/translate.py [--messages 300] [--delay-ms 0]

1. LibreTranslate provider (as built at start-up: the client behind the outage guard) against the local
   stand-in server of tests/libretranslate_standin.py, over real HTTP on 127.0.0.1; `--delay-ms` adds
   a server-side delay per request (a real server's model time), 0 measures our side alone.
2. The same through `cached_translate` on a fresh SQLite database: a miss (provider + insert) and a hit;
   and a coach's reply in a case (bot.translate.conversation): the translation and its back-translation,
   both misses (two provider calls, two inserts).
3. The CTranslate2 provider on the tiny models of tests/tiny_mt.py (built here, no download): load time
   and latency for a direct pair (ti→en) and the pivot through English (ti→nl). The model is tiny, so
   this is the provider's own overhead (executor hop, sentencepiece, CTranslate2 call), not a real
   model's decoding time.
4. With `--opus-size`: a model of OPUS-MT's shape (6+6 layers, d_model 512, FFN 2048, 8 heads, a
   32,000-token vocabulary, int8) with random weights, built here; CTranslate2 is asked for exactly as
   many tokens as a real translation of each sentence would have (1.2 × the source), beam 2 and one
   thread, as the provider runs it. Random weights cost as much to run as trained ones of the same shape.
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
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import User
from bot.translate.cache import cached_translate
from bot.translate.conversation import translate_with_back
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
    """Wall-clock latency per message, and this process's CPU time per message (every thread: the event
    loop, the stand-in server and the model's thread), which other load on the machine does not inflate."""
    await call("warm-up")
    latencies = []
    cpu = time.process_time()
    for text in texts:
        started = time.perf_counter()
        await call(text)
        latencies.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(texts)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{label:<44} {len(texts)} messages: p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  "
        f"p99 {q[98]:.2f} ms  max {max(latencies):.2f} ms  cpu {cpu_ms:.2f} ms/message"
    )


def build_opus_sized(path: Path, vocab: int = 32000, d_model: int = 512, ffn: int = 2048, layers: int = 6) -> None:
    import numpy as np
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(0)

    def weights(*shape: int) -> Any:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)

    def norm(layer_norm: Any) -> None:
        layer_norm.gamma = np.ones(d_model, np.float32)
        layer_norm.beta = np.zeros(d_model, np.float32)

    spec = transformer_spec.TransformerSpec.from_config(layers, 8)
    for side in (spec.encoder, spec.decoder):
        norm(side.layer_norm)
        for layer in side.layer:
            norm(layer.ffn.layer_norm)
            layer.ffn.linear_0.weight, layer.ffn.linear_0.bias = weights(ffn, d_model), weights(ffn)
            layer.ffn.linear_1.weight, layer.ffn.linear_1.bias = weights(d_model, ffn), weights(d_model)
            attentions = [layer.self_attention, *([layer.attention] if hasattr(layer, "attention") else [])]
            for attention in attentions:
                norm(attention.layer_norm)
                rows = [3 * d_model, d_model] if len(attention.linear) == 2 else [d_model, 2 * d_model, d_model]
                for linear, n in zip(attention.linear, rows, strict=True):
                    linear.weight, linear.bias = weights(n, d_model), weights(n)
    spec.encoder.embeddings[0].weight = weights(vocab, d_model)
    spec.decoder.embeddings.weight = weights(vocab, d_model)
    spec.decoder.projection.weight = weights(vocab, d_model)
    spec.decoder.projection.bias = weights(vocab)
    tokens = ["<unk>", "<s>", "</s>", *(f"t{i}" for i in range(vocab - 3))]
    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization="int8")
    path.mkdir(parents=True)
    spec.save(str(path))


async def opus_sized(tmp: Path, count: int) -> None:
    import ctranslate2

    started = time.perf_counter()
    build_opus_sized(tmp / "opus-sized")
    size = sum(f.stat().st_size for f in (tmp / "opus-sized").iterdir()) / 2**20
    print(f"OPUS-MT-sized random model built in {time.perf_counter() - started:.1f} s, {size:.0f} MiB (int8)")
    started = time.perf_counter()
    model = ctranslate2.Translator(str(tmp / "opus-sized"), device="cpu", inter_threads=1, intra_threads=1)
    print(f"OPUS-MT-sized model loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
    loop = asyncio.get_running_loop()
    for source_tokens in (12, 40, 100):
        source = [f"t{(i * 7) % 30000}" for i in range(source_tokens)] + ["</s>"]
        length = int(source_tokens * 1.2)

        def run(source: list[str] = source, length: int = length) -> object:
            return model.translate_batch([source], beam_size=2, min_decoding_length=length, max_decoding_length=length)

        async def call(_: str, run: Callable[[], object] = run) -> object:
            return await loop.run_in_executor(None, run)

        await measure(f"OPUS-MT-sized, {source_tokens} → {length} tokens", ["x"] * count, call)


async def main(count: int, delay_ms: float, opus_size: bool) -> None:
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

            async def reply(text: str) -> object:  # what a coach's reply costs: translation and back
                return await translate_with_back(sessions, provider, user.id, f"reply {text}", "nl", "ti")

            await measure("coach reply, translation + back (misses)", texts, reply)
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
        if opus_size:
            await opus_sized(Path(tmp), max(10, count // 10))
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--opus-size", action="store_true", help="also time a model of OPUS-MT's shape")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.delay_ms, args.opus_size))

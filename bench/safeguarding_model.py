"""The safeguarding model's cost: training at start-up, and the recogniser's latency per message with
and without it (figures printed, never asserted; bench/README.md, section Safeguarding).

    .venv/bin/python bench/safeguarding_model.py [--repeats 3]

- Training: `load_training` + `train` as `open_services` runs them (wall and CPU time).
- Start-up: the embedded NLU training (child process) alone, and together with the safeguarding model
  in a thread as `open_services` runs them: the difference is what the model adds to start-up.
- Latency: `recognise` (patterns, then the model when they find nothing) per message, on the unseen
  set, the ordinary intents' examples and long messages (1,000 characters), patterns alone and
  patterns OR model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.data import load_examples, load_training  # noqa: E402
from bot.nlu.embedded import train_in_process  # noqa: E402
from bot.safeguarding import data, model  # noqa: E402
from bot.safeguarding.recognise import recognise  # noqa: E402


def training(repeats: int) -> model.SafeguardingModel:
    walls, cpus = [], []
    trained = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        texts = model.load_training(ROOT / "nlu")
        trained = model.train(texts)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert trained is not None
    size = trained.weights.nbytes + trained.category_weights.nbytes
    print(
        f"training on {len(texts.texts)} texts ({len(trained.vocabulary)} features, arrays {size / 2**20:.1f} MiB): "
        f"wall median {statistics.median(walls):.2f} s, cpu median {statistics.median(cpus):.2f} s "
        f"(runs: {', '.join(f'{w:.2f}' for w in walls)})"
    )
    return trained


async def startup(repeats: int) -> None:
    examples = load_training(ROOT / "nlu")
    alone, both = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        await train_in_process(examples)
        alone.append(time.perf_counter() - started)
        model.install(None)
        started = time.perf_counter()
        await asyncio.gather(train_in_process(examples), asyncio.to_thread(model.ensure_trained, ROOT / "nlu"))
        both.append(time.perf_counter() - started)
    print(
        f"start-up NLU training: alone median {statistics.median(alone):.2f} s, with the safeguarding model "
        f"beside it {statistics.median(both):.2f} s"
    )


def latency(label: str, texts: list[str]) -> None:
    recognise(texts[0])  # warm-up
    times = []
    for text in texts:
        started = time.perf_counter()
        recognise(text)
        times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=100)
    print(f"  {label:<34} n={len(texts):<5} p50 {q[49]:.3f} ms  p95 {q[94]:.3f} ms  p99 {q[98]:.3f} ms")


def main(repeats: int) -> None:
    print(f"cores: {os.cpu_count()}  load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    trained = training(repeats)
    asyncio.run(startup(repeats))
    unseen = [e.text for e in data.load(ROOT / "nlu" / "safeguarding" / "unseen")]
    ordinary = [e.text for e in load_examples(ROOT / "nlu" / "data")]
    long = [(t + " ") * (1000 // (len(t) + 1)) for t in ordinary[:300]]
    for name, installed in (("patterns alone", None), ("patterns OR model", trained)):
        model.install(installed)
        print(name)
        latency("unseen set", unseen)
        latency("ordinary intents' examples", ordinary)
        latency("1,000-character messages", long)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)

"""Start-up training time and parse latency of the embedded classifier (figures printed, never asserted).

    .venv/bin/python bench/nlu_latency.py [--repeats 3]

Training: load nlu/data and train on everything, as `werkhelpdesk run` does at start-up (wall time, and
CPU time to show the effect of other load). Parsing: `EmbeddedClassifier.predict` (normalisation,
features, calibrated model, ranking, entities, language) once per message for every training example
for the realistic held-out messages (several parts: each is classified too) and for long messages
(1,000 characters, the classifier's cap).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.realistic import load_realistic

ROOT = Path(__file__).resolve().parent.parent


def main(repeats: int) -> None:
    print(f"cores: {os.cpu_count()}  load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    walls, cpus = [], []
    model = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        examples = load_training(ROOT / "nlu")
        model = EmbeddedClassifier.train(examples)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert model is not None
    print(
        f"start-up training on {len(examples)} examples: wall "
        + ", ".join(f"{w:.2f}" for w in walls)
        + f" s (median {statistics.median(walls):.2f}); cpu median {statistics.median(cpus):.2f} s"
    )
    texts = [e.text for e in examples]
    realistic = [m.text for m in load_realistic(ROOT / "nlu" / "eval" / "realistic.yml")] * 4
    for label, batch in (
        ("training examples", texts),
        ("realistic messages (x4)", realistic),
        ("1,000-character messages", [t * 40 for t in texts[:300]]),
    ):
        model.predict(batch[0])  # warm-up
        latencies = []
        for text in batch:
            started = time.perf_counter()
            model.predict(text)
            latencies.append((time.perf_counter() - started) * 1000)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"parse latency, {len(batch)} {label}: p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  "
            f"p99 {q[98]:.2f} ms  max {max(latencies):.2f} ms"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)

"""Start-up training time and parse latency of the embedded classifier (figures printed, never asserted).

    .venv/bin/python bench/nlu_latency.py [--repeats 3] [--processes N]

Training, two ways. "In a child process": as `werkhelpdesk run` trains on a cold start (no cached model):
load nlu/data here, then `train_in_process` (a fresh interpreter that imports scikit-learn, trains with one
forked process per core and sends the classifier back). "Here": load and `EmbeddedClassifier.train` in
this process, scikit-learn already imported. Wall time, and CPU time of this process and of the child
processes (to show the effect of other load: on a busy machine wall time is mostly waiting for a core).
Parsing: `EmbeddedClassifier.predict` (normalisation, features, calibrated model, ranking, entities,
language) once per message for every training example, for the realistic held-out messages (several
parts: each is classified too) and for long messages (1,000 characters, the classifier's cap).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier, train_in_process
from bot.nlu.fitting import available_processes
from bot.nlu.realistic import load_realistic

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(label: str, repeats: int, train: Callable[[], EmbeddedClassifier]) -> EmbeddedClassifier:
    walls, cpus, children = [], [], []
    model = None
    for _ in range(repeats):
        wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
        model = train()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        children.append(_children_cpu() - child)
    assert model is not None
    print(
        f"{label}: wall "
        + ", ".join(f"{w:.2f}" for w in walls)
        + f" s (median {statistics.median(walls):.2f}); cpu median {statistics.median(cpus):.2f} s here"
        + f" + {statistics.median(children):.2f} s in child processes"
        + f"  (load average now {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    return model


def main(repeats: int, processes: int) -> None:
    print(f"cores: {os.cpu_count()}  load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    examples = load_training(ROOT / "nlu", followups=True)
    print(f"{len(examples)} examples (with nlu/nodes and nlu/openers)")
    _timed(
        "cold start training in a child process (load + child incl. imports)",
        repeats,
        lambda: asyncio.run(train_in_process(load_training(ROOT / "nlu", followups=True))),
    )
    model = _timed(
        f"training here (load + train, {processes} process(es) for the fits)",
        repeats,
        lambda: EmbeddedClassifier.train(load_training(ROOT / "nlu", followups=True), processes),
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
    parser.add_argument("--processes", type=int, default=available_processes(), help="for the training here")
    arguments = parser.parse_args()
    main(arguments.repeats, arguments.processes)

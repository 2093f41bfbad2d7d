"""The embedded classifier against a real Rasa server (DIET), on the same cross-validation folds.

    .venv/bin/python bench/rasa_compare.py                       # creates /tmp/rasavenv if needed, 5 folds
    .venv/bin/python bench/rasa_compare.py --venv /tmp/rasavenv --json /tmp/rasa_compare.json
    .venv/bin/python bench/rasa_compare.py --max-folds 1 --epochs 5   # smoke run, not a result
    nice -n 19 .venv/bin/python bench/rasa_compare.py --tf-threads 1 \
        --realistic nlu/eval/realistic.yml --realistic nlu/eval/realistic_b.yml --json /tmp/rasa_realistic.json

For every fold of `werkhelpdesk nlu evaluate` (5-fold, stratified by language and intent, seed 13):
- the embedded classifier is trained on the fold's training part and classifies its test part;
- the same training part is written as Rasa YAML, `rasa train nlu` trains a model with nlu/config.yml,
  `rasa run --enable-api` serves it, and every test message goes through POST /model/parse (one shared
  aiohttp session, one request at a time).
Prints macro-F1 per language, parse latency (median and p95; the embedded classifier in process, Rasa
over HTTP on localhost, as the bot calls it), training time per fold and peak memory (RSS) of each side.

With --realistic FILE (repeatable: nlu/eval/realistic.yml, nlu/eval/realistic_b.yml) it instead trains each
side once on everything the embedded classifier trains on (nlu/data, nlu/nodes, and the same opening-prefixed
copies; bot/nlu/compose.py) and scores every file's held-out realistic messages with that one model: answered
right at the threshold, asked back, answered wrong (bot/nlu/realistic.py), with DIET's own confidences and
ranking from POST /model/parse; also, for both sides, accuracy and macro-F1 of the top intent, parse p50/p95,
training wall and CPU seconds and peak RSS.

--tf-threads N limits TensorFlow in `rasa train` and `rasa run` to N threads (inter- and intra-op), for a
machine shared with others; run the whole script under `nice -n 19` there.

Rasa 3.6 needs Python 3.8-3.10: the script makes a virtualenv with --python (pyenv's 3.10 by default)
and installs rasa==3.6.21 into it unless --venv already has that version. Runs take long (DIET trains
100 epochs per fold on 2 cores); nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sklearn.metrics import f1_score, recall_score

from bot.nlu.compose import intent_training
from bot.nlu.data import Example, load_examples, load_training, rasa_yaml
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.evaluate import DEFAULT_THRESHOLD, folds_for
from bot.nlu.realistic import evaluate_realistic, format_realistic, load_realistic
from bot.nlu.types import NluResult

ROOT = Path(__file__).resolve().parent.parent
RASA_VERSION = "3.6.21"
DEFAULT_PYTHON = "/root/.pyenv/versions/3.10.13/bin/python"


@dataclass
class Side:
    name: str
    predicted: dict[int, str] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    train_seconds: list[float] = field(default_factory=list)
    train_cpu_seconds: list[float] = field(default_factory=list)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)


def ensure_venv(venv: Path, python: str) -> Path:
    """A virtualenv with rasa==RASA_VERSION; created (and rasa installed) when missing."""
    rasa = venv / "bin" / "rasa"
    if not (venv / "bin" / "python").exists():
        print(f"creating {venv} with {python}", flush=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if version != RASA_VERSION:
        print(f"installing rasa=={RASA_VERSION} into {venv} (takes several minutes)", flush=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--upgrade", "pip"], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", f"rasa=={RASA_VERSION}"], check=True)
    return rasa


@dataclass(frozen=True)
class Measured:
    wall_seconds: float
    cpu_seconds: float  # user + system of the child and its children, from wait4
    peak_rss_mb: float


def rasa_env(tf_threads: int | None) -> dict[str, str]:
    """The environment for `rasa train` / `rasa run`: quiet, and TensorFlow on `tf_threads` threads if set."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    if tf_threads is not None:
        n = str(tf_threads)
        # Rasa reads the first two (rasa/utils/tensorflow/environment.py), TensorFlow itself the next two
        for name in ("TF_INTER_OP_PARALLELISM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS"):
            env[name] = n
        for name in ("TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            env[name] = n
    return env


def run_measured(cmd: Sequence[str], log: Path, env: dict[str, str]) -> Measured:
    """Run `cmd` to completion; wall and CPU seconds and the child's peak RSS in MiB (from wait4)."""
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}); see {log}")
    return Measured(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def wait_until_up(session: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rasa run exited ({proc.returncode}); see {log}")
        try:
            async with session.get(f"{url}/status", timeout=aiohttp.ClientTimeout(total=5)) as response:
                if response.status == 200 and (await response.json()).get("model_file"):
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(1)
    raise RuntimeError(f"rasa run did not come up; see {log}")


async def parse_all(
    url: str, texts: Sequence[str], proc: subprocess.Popen[bytes], log: Path
) -> list[tuple[str, float]]:
    """POST /model/parse for each text, one at a time over one session: (intent, milliseconds)."""
    results: list[tuple[str, float]] = []
    async with aiohttp.ClientSession() as session:
        await wait_until_up(session, url, proc, log)
        for text in texts[:5]:  # warm-up: the first requests build TensorFlow's graphs
            async with session.post(f"{url}/model/parse", json={"text": text}) as response:
                await response.read()
        for text in texts:
            started = time.perf_counter()
            async with session.post(f"{url}/model/parse", json={"text": text}) as response:
                body = await response.json()
            results.append((str((body.get("intent") or {}).get("name") or ""), (time.perf_counter() - started) * 1000))
    return results


async def parse_results(
    url: str, texts: Sequence[str], proc: subprocess.Popen[bytes], log: Path
) -> list[tuple[NluResult, float]]:
    """POST /model/parse for each text: DIET's intent, confidence and ranking as an NluResult, and the
    milliseconds the request took (after a warm-up of five requests)."""
    results: list[tuple[NluResult, float]] = []
    async with aiohttp.ClientSession() as session:
        await wait_until_up(session, url, proc, log)
        for text in texts[:5]:  # warm-up: the first requests build TensorFlow's graphs
            async with session.post(f"{url}/model/parse", json={"text": text}) as response:
                await response.read()
        for text in texts:
            started = time.perf_counter()
            async with session.post(f"{url}/model/parse", json={"text": text}) as response:
                body = await response.json()
            ms = (time.perf_counter() - started) * 1000
            intent = body.get("intent") or {}
            ranking = tuple(
                (str(r.get("name")), float(r.get("confidence") or 0.0)) for r in body.get("intent_ranking") or []
            )
            result = NluResult(
                text, None, str(intent.get("name") or ""), float(intent.get("confidence") or 0.0), ranking
            )
            results.append((result, ms))
    return results


def realistic_scores(messages: Sequence[Any], results: Sequence[NluResult]) -> dict[str, dict[str, float]]:
    """Top intent against the expected one, whatever the confidence: accuracy and macro-F1 per language."""
    scores: dict[str, dict[str, float]] = {}
    for language in sorted({m.language for m in messages}):
        pairs = [(m.intent, r.intent) for m, r in zip(messages, results, strict=True) if m.language == language]
        truth, guess = [t for t, _ in pairs], [g for _, g in pairs]
        scores[language] = {
            "accuracy": sum(t == g for t, g in pairs) / len(pairs),
            "macro_f1": float(f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0)),
        }
    return scores


def run_realistic(
    rasa: Path, config: Path, work: Path, paths: Sequence[Path], threshold: float, env: dict[str, str]
) -> dict[str, Any]:
    """Train both sides once on the same texts; score every file of held-out realistic messages with each."""
    training = load_training(ROOT / "nlu")
    texts = intent_training(training)  # the embedded classifier trains on exactly these, and `nlu export` writes them
    files = {str(path): load_realistic(path) for path in paths}
    started, cpu_started = time.perf_counter(), time.process_time()
    embedded = EmbeddedClassifier.train(training)
    embedded_train = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu_started}
    embedded_parsed: dict[str, list[tuple[NluResult, float]]] = {}
    for name, messages in files.items():
        embedded_parsed[name] = []
        for m in messages:  # one message at a time, as the bot parses
            started = time.perf_counter()
            result = embedded.predict(m.text)
            embedded_parsed[name].append((result, (time.perf_counter() - started) * 1000))
    embedded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process: trained and parsed
    (work / "data").mkdir(parents=True, exist_ok=True)
    (work / "data" / "nlu.yml").write_text(rasa_yaml(texts), encoding="utf-8")
    train_cmd = [str(rasa), "train", "nlu", "--config", str(config), "--nlu", "data", "--out", "models"]
    print(f"training DIET on {len(texts)} texts (log: {work / 'train.log'})", flush=True)
    trained = run_measured([*train_cmd, "--fixed-model-name", "nlu"], work / "train.log", env)
    print(f"DIET trained in {trained.wall_seconds:.0f} s (CPU {trained.cpu_seconds:.0f} s)", flush=True)
    port = free_port()
    log = work / "run.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(rasa), "run", "--enable-api", "-m", "models/nlu.tar.gz", "-i", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
            start_new_session=True,
        )
    try:
        rasa_parsed = {
            name: asyncio.run(parse_results(f"http://127.0.0.1:{port}", [m.text for m in messages], server, log))
            for name, messages in files.items()
        }
        serve_rss = peak_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    found: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[2]:.1f} (15 min) at the end",
        "training_texts": len(texts),
        "train_seconds": {
            "embedded": embedded_train,
            "rasa": {"wall": trained.wall_seconds, "cpu": trained.cpu_seconds},
        },
        "peak_rss_mb": {
            "embedded (train + parse)": embedded_rss,
            "rasa train": trained.peak_rss_mb,
            "rasa serve": serve_rss,
        },
        "files": {},
    }
    for name, messages in files.items():
        found["files"][name] = {}
        for side, parsed in (("embedded", embedded_parsed[name]), ("rasa", rasa_parsed[name])):
            by_text = {r.text: r for r, _ in parsed}
            report = evaluate_realistic(by_text.__getitem__, messages, threshold)
            scores = realistic_scores(messages, [r for r, _ in parsed])
            lat = [ms for _, ms in parsed]
            print(f"== {name}: {side}")
            print(format_realistic(report, misses=False))
            print(
                "top intent, any confidence: "
                + ", ".join(
                    f"{lang} accuracy {s['accuracy']:.3f} macro-F1 {s['macro_f1']:.3f}" for lang, s in scores.items()
                )
            )
            print(f"parse p50 {statistics.median(lat):.2f} ms  p95 {percentile(lat, 95):.2f} ms")
            found["files"][name][side] = {
                **report.as_json(),
                "top_intent": scores,
                "latency_ms": {"p50": statistics.median(lat), "p95": percentile(lat, 95)},
            }
    print(
        f"training: embedded {embedded_train['wall']:.1f} s (CPU {embedded_train['cpu']:.1f} s, in this process), "
        f"DIET {trained.wall_seconds:.0f} s (CPU {trained.cpu_seconds:.0f} s)"
    )
    print(
        f"peak RSS: embedded (train + parse, whole process) {embedded_rss:.0f} MiB, "
        f"DIET training {trained.peak_rss_mb:.0f} MiB, DIET server {serve_rss:.0f} MiB"
    )
    return found


def rasa_config(work: Path, epochs: int | None) -> Path:
    if epochs is None:
        return ROOT / "nlu" / "config.yml"
    config = yaml.safe_load((ROOT / "nlu" / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = epochs
    path = work / "config.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def run_rasa_fold(
    rasa: Path,
    config: Path,
    fold_dir: Path,
    train: Sequence[Example],
    test: Sequence[Example],
    side: Side,
    env: dict[str, str],
) -> list[str]:
    (fold_dir / "data").mkdir(parents=True, exist_ok=True)
    (fold_dir / "data" / "nlu.yml").write_text(rasa_yaml(train), encoding="utf-8")
    train_cmd = [str(rasa), "train", "nlu", "--config", str(config), "--nlu", "data", "--out", "models"]
    trained = run_measured([*train_cmd, "--fixed-model-name", "nlu"], fold_dir / "train.log", env)
    side.train_seconds.append(trained.wall_seconds)
    side.train_cpu_seconds.append(trained.cpu_seconds)
    side.peak_rss_mb["train"] = max(side.peak_rss_mb.get("train", 0.0), trained.peak_rss_mb)
    port = free_port()
    log = fold_dir / "run.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(rasa), "run", "--enable-api", "-m", "models/nlu.tar.gz", "-i", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=fold_dir,
            start_new_session=True,
        )
    try:
        parsed = asyncio.run(parse_all(f"http://127.0.0.1:{port}", [e.text for e in test], server, log))
        side.peak_rss_mb["serve"] = max(side.peak_rss_mb.get("serve", 0.0), peak_rss_mb(server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    side.latencies_ms += [ms for _, ms in parsed]
    return [intent for intent, _ in parsed]


def run_embedded_fold(train: Sequence[Example], test: Sequence[Example], side: Side) -> list[str]:
    started, cpu_started = time.perf_counter(), time.process_time()
    model = EmbeddedClassifier.train(train)
    side.train_seconds.append(time.perf_counter() - started)
    side.train_cpu_seconds.append(time.process_time() - cpu_started)
    labels = model.predict_many([e.text for e in test])
    for example in test:  # one message at a time, as the bot parses
        started = time.perf_counter()
        model.predict(example.text)
        side.latencies_ms.append((time.perf_counter() - started) * 1000)
    return labels


EMBEDDED_MEMORY = """
import sys
from pathlib import Path

def rss(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

from bot.nlu.data import load_examples
from bot.nlu.embedded import EmbeddedClassifier
imported = rss("VmRSS")
examples = load_examples(Path(sys.argv[1]))
model = EmbeddedClassifier.train(examples)
for e in examples:
    model.predict(e.text)
print(imported, rss("VmRSS"), rss("VmHWM"))
"""


def embedded_memory(side: Side) -> None:
    """RSS of a fresh process that imports the bot's NLU, trains on all data and parses every example:
    after the imports, at the end, and its peak."""
    out = subprocess.run(
        [sys.executable, "-c", EMBEDDED_MEMORY, str(ROOT / "nlu" / "data")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    imported, trained, peak = (int(v) / 1024 for v in out)
    side.peak_rss_mb["after imports"] = imported
    side.peak_rss_mb["trained"] = trained
    side.peak_rss_mb["peak"] = peak


def percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def language_scores(examples: Sequence[Example], predicted: dict[int, str]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for language in sorted({e.language for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.language == language and i in predicted]
        truth = [examples[i].intent for i in idx]
        guess = [predicted[i] for i in idx]
        scores[language] = {
            "macro_f1": float(f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0)),
            "oos_recall": float(recall_score(truth, guess, labels=["out_of_scope"], average="macro", zero_division=0)),
        }
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, default=Path("/tmp/rasavenv"), help="virtualenv for Rasa")
    parser.add_argument("--python", default=DEFAULT_PYTHON, help="Python 3.10 to create the virtualenv with")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-folds", type=int, help="run only N folds (smoke runs, or a part on a busy machine)")
    parser.add_argument("--first-fold", type=int, default=1, help="start at this fold (1-based), for runs in parts")
    parser.add_argument("--epochs", type=int, help="override DIET's epochs (smoke runs); default nlu/config.yml")
    parser.add_argument("--work", type=Path, help="keep fold data, models and logs here (default: a temp dir)")
    parser.add_argument("--json", dest="json_path", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--realistic",
        type=Path,
        action="append",
        help="instead: score these held-out messages (nlu/eval/...); repeat for several files, one training",
    )
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="for --realistic")
    parser.add_argument("--tf-threads", type=int, help="TensorFlow threads for rasa (default: TensorFlow's own)")
    args = parser.parse_args()

    rasa = ensure_venv(args.venv, args.python)
    env = rasa_env(args.tf_threads)
    if args.realistic:
        work = args.work or Path(tempfile.mkdtemp(prefix="rasa_realistic_"))
        work.mkdir(parents=True, exist_ok=True)
        found = run_realistic(rasa, rasa_config(work, args.epochs), work, args.realistic, args.threshold, env)
        found["epochs"] = args.epochs or "nlu/config.yml"
        found["tf_threads"] = args.tf_threads
        if args.json_path:
            args.json_path.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
        return 0
    examples = load_examples(ROOT / "nlu" / "data")
    first = args.first_fold - 1
    folds = folds_for(examples, args.folds)[first:][: args.max_folds]
    work = args.work or Path(tempfile.mkdtemp(prefix="rasa_compare_"))
    work.mkdir(parents=True, exist_ok=True)
    config = rasa_config(work, args.epochs)
    embedded, diet = Side("embedded"), Side("rasa")
    started = time.perf_counter()
    for k, (train_idx, test_idx) in enumerate(folds):
        train = [examples[i] for i in train_idx]
        test = [examples[i] for i in test_idx]
        for i, label in zip(test_idx, run_embedded_fold(train, test, embedded), strict=True):
            embedded.predicted[i] = label
        predicted = run_rasa_fold(rasa, config, work / f"fold{first + k}", train, test, diet, env)
        for i, label in zip(test_idx, predicted, strict=True):
            diet.predicted[i] = label
        print(
            f"fold {first + k + 1} ({k + 1}/{len(folds)}): embedded trained in {embedded.train_seconds[-1]:.1f} s, "
            f"rasa in {diet.train_seconds[-1]:.0f} s, CPU {diet.train_cpu_seconds[-1]:.0f} s "
            f"({time.perf_counter() - started:.0f} s so far)",
            flush=True,
        )
    embedded_memory(embedded)

    sides: dict[str, Any] = {}
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[2]:.1f} (15 min) at the end",
        "versions": f"python {platform.python_version()} (embedded), rasa {RASA_VERSION}",
        "examples": len(examples),
        "folds": f"{len(folds)} of {args.folds} (from fold {args.first_fold})",
        "epochs": args.epochs or "nlu/config.yml",
        "tf_threads": args.tf_threads,
        "sides": sides,
    }
    for side in (embedded, diet):
        sides[side.name] = {
            "languages": language_scores(examples, side.predicted),
            "latency_ms": {
                "p50": statistics.median(side.latencies_ms),
                "p95": percentile(side.latencies_ms, 95),
            },
            "train_seconds_per_fold": statistics.mean(side.train_seconds),
            "train_cpu_seconds_per_fold": statistics.mean(side.train_cpu_seconds),
            "peak_rss_mb": side.peak_rss_mb,
        }
    print_table(results)
    if args.json_path:
        args.json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def print_table(results: dict[str, Any]) -> None:
    emb, diet = results["sides"]["embedded"], results["sides"]["rasa"]
    print()
    print(f"{results['date']}  {results['machine']}  {results['versions']}")
    print(f"examples {results['examples']}  folds {results['folds']}  DIET epochs: {results['epochs']}")
    print()
    print(f"{'lang':<5} {'embedded F1':>12} {'rasa F1':>9} {'diff':>7} {'emb oos rec':>12} {'rasa oos rec':>13}")
    for lang, e in emb["languages"].items():
        r = diet["languages"][lang]
        print(
            f"{lang:<5} {e['macro_f1']:>12.3f} {r['macro_f1']:>9.3f} {e['macro_f1'] - r['macro_f1']:>+7.3f}"
            f" {e['oos_recall']:>12.3f} {r['oos_recall']:>13.3f}"
        )
    print()
    for name, side in (("embedded", emb), ("rasa", diet)):
        lat = side["latency_ms"]
        rss = ", ".join(f"{k} {v:.0f} MiB" for k, v in side["peak_rss_mb"].items())
        print(
            f"{name:<9} parse p50 {lat['p50']:.2f} ms  p95 {lat['p95']:.2f} ms  "
            f"training {side['train_seconds_per_fold']:.1f} s/fold (CPU {side['train_cpu_seconds_per_fold']:.1f} s)  "
            f"peak RSS: {rss}"
        )


if __name__ == "__main__":
    sys.exit(main())

"""Start-up of `werkhelpdesk run` until it is ready (figures printed, never asserted).

    .venv/bin/python bench/startup.py [--repeats 3]

Each start is a fresh `python -m bot run` process (webhook mode, a stand-in Bot API: bench/lean_tg.py,
a migrated SQLite database) timed from spawning it until GET /readyz answers 200: interpreter, imports,
settings, translations, flows, database check, NLU, web server. "cold": an empty NLU_CACHE_DIR, so
the classifier is trained (in its child process) and cached; "cached": the same directory afterwards,
so the model is loaded. Also printed: the NLU line of the bot's log (trained or loaded, seconds), and the
CPU seconds of the bot process and its children (the training process and its fit workers) from start to
exit: on a shared machine the wall time is mostly waiting for a core, the CPU time is the work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import compile_catalogs, prepare_database  # noqa: E402
from tests import fake_bot_api as tg  # noqa: E402
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the children waited for, and theirs
    return usage.ru_utime + usage.ru_stime


async def one_start(env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds from spawning `werkhelpdesk run` to /readyz 200, CPU seconds of its processes (start to exit),
    and its NLU log line."""
    port = free_port()
    cpu = _children_cpu()
    started = time.perf_counter()
    process = await start_werkhelpdesk({**env, "WEB_PORT": str(port)}, "run")
    try:
        await wait_until_ok(f"http://127.0.0.1:{port}/readyz", seconds=120)
        ready = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    cpu = _children_cpu() - cpu
    nlu = next((line for line in stderr.decode().splitlines() if "embedded NLU" in line), "(no NLU line)")
    return ready, cpu, nlu.split("embedded NLU", 1)[-1].strip()


async def main(repeats: int) -> None:
    print(f"cores: {os.cpu_count()}  load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    fake = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "lean_tg.py"), stdout=asyncio.subprocess.PIPE
    )
    assert fake.stdout is not None
    ready_line = (await asyncio.wait_for(fake.stdout.readline(), 30)).decode()
    drain = asyncio.create_task(fake.stdout.read())  # its per-message lines are not needed here
    try:
        env = {
            **os.environ,
            "DATABASE_URL": await prepare_database("sqlite"),
            "LOCALES_DIR": compile_catalogs(),
            "TELEGRAM_TOKEN": tg.DEFAULT_TOKEN,
            "TELEGRAM_API_URL": ready_line.split()[1],
            "WEBHOOK_URL": "https://werkhelpdesk.example/webhook",
            "WEBHOOK_SECRET": "startup-benchmark-secret-01",
            "RASA_URL": "",
        }
        results: dict[str, list[float]] = {"cold": [], "cached": []}
        cpus: dict[str, list[float]] = {"cold": [], "cached": []}
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as cache:
                env["NLU_CACHE_DIR"] = cache
                for kind in ("cold", "cached"):
                    seconds, cpu, nlu = await one_start(env)
                    results[kind].append(seconds)
                    cpus[kind].append(cpu)
                    load = os.getloadavg()[0]
                    print(
                        f"{kind:<7} ready in {seconds:.2f} s, cpu {cpu:.2f} s  (NLU {nlu}; load {load:.2f})", flush=True
                    )
        for kind, values in results.items():
            print(
                f"{kind}: median {statistics.median(values):.2f} s, cpu {statistics.median(cpus[kind]):.2f} s"
                f" of {len(values)}"
            )
    finally:
        fake.send_signal(signal.SIGTERM)
        await asyncio.wait_for(fake.wait(), 30)
        drain.cancel()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeats))

"""bench/translate.py runs end to end (a short run) and prints a latency line for each provider path."""

from __future__ import annotations

import asyncio
import sys

from tests.netutil import ROOT


async def test_a_short_translation_bench_prints_every_figure() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "translate.py"),
        "--messages",
        "20",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()[-3000:]
    lines = [line for line in stdout.decode().splitlines() if "20 messages: p50" in line]
    labels = [line.split("  ")[0] for line in lines]
    assert len(lines) == 6, stdout.decode()
    assert labels[0].startswith("libretranslate stand-in")
    assert any("through English" in label for label in labels)

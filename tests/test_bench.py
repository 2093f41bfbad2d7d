"""The load benchmark runs end to end (a short run on SQLite, so that it leaves the test database alone):
its stand-ins for Telegram, lean and full, answer the bot, and every update it posts gets its reply."""

from __future__ import annotations

import asyncio
import re
import sys

import pytest

from tests.netutil import ROOT

pytestmark = pytest.mark.bench


@pytest.mark.parametrize("stand_ins", ["lean", "full"])
async def test_a_short_load_run_answers_every_update(stand_ins: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        *("--db", "sqlite", "--rate", "40", "--duration", "3", "--warmup", "1", "--nice", "0"),
        *("--stand-ins", stand_ins),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, stderr.decode()[-3000:]
    line = stdout.decode().splitlines()[0]
    assert f"{stand_ins} stand-ins" in line
    assert "problems" not in line, line
    counts = re.search(r"(\d+) updates, (\d+) replies, lost (\d+), duplicated (\d+), errors (\d+)", line)
    assert counts is not None, line
    updates, replies, lost, duplicated, errors = map(int, counts.groups())
    assert updates >= 60  # 40/s for 3 s, give or take the Poisson process
    assert replies >= updates
    assert (lost, duplicated, errors) == (0, 0, 0), line

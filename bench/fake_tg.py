"""The fake Telegram Bot API of tests/fake_bot_api.py as a process of its own, for bench/load.py.

    .venv/bin/python bench/fake_tg.py

Serves on a free port of 127.0.0.1 and prints ``READY <url>`` on stdout. Then, for every sendMessage
the bot makes, one JSON line ``[chat_id, monotonic_time, [callback_data, ...]]`` on stdout (the time is
``time.monotonic()`` when the call reached the fake; CLOCK_MONOTONIC is shared by the processes of a
Linux machine, so the driver compares it with its own post times). On SIGTERM or SIGINT it prints one
last line ``{"calls": {method: {status: count}}, "server_errors": n, "rates": {...}}`` (the send rates
Telegram limits, bench/rates.py) and exits.

A process of its own so that the fake's work (PTB's requests, JSON, the fake's bookkeeping) does not
share an event loop with the load driver. Callback query ids are accepted without the fake having seen
the update (the driver posts the webhook updates itself, as Telegram would), and the log of recorded
requests is trimmed so that memory stays flat during long runs.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rates import MESSAGE_METHODS, SendRates  # noqa: E402
from bot.cli import run_on_fast_loop  # noqa: E402
from tests.fake_bot_api import FakeBotAPI  # noqa: E402

KEEP_REQUESTS = 1_000


class StreamingFake(FakeBotAPI):
    """Reports every sendMessage on stdout, batched per event-loop iteration."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: Counter[tuple[str, int]] = Counter()
        self.rates = SendRates()
        self._lines: list[bytes] = []
        self._flush_scheduled = False

    async def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        arrived = time.monotonic()
        status, body = await super()._answer(method, params)
        self.answered[(method, status)] += 1
        if status == 200 and method in MESSAGE_METHODS and str(params.get("chat_id", "")).lstrip("-").isdigit():
            self.rates.add(int(params["chat_id"]), arrived)
        if len(self.requests) > 2 * KEEP_REQUESTS:
            del self.requests[:-KEEP_REQUESTS]
            self._mark = 0
        if method == "sendMessage" and status == 200:
            result = body["result"]
            rows = (result.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
            line = json.dumps([result["chat"]["id"], arrived, buttons], ensure_ascii=False, separators=(",", ":"))
            self._lines.append(line.encode() + b"\n")
            if not self._flush_scheduled:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_soon(self.flush)
        return status, body

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        self._open_callback_queries.add(str(params.get("callback_query_id") or ""))
        return await super()._answer_callback_query(params)

    def flush(self) -> None:
        self._flush_scheduled = False
        if self._lines:
            data, self._lines = b"".join(self._lines), []
            os.write(sys.stdout.fileno(), data)

    def summary(self) -> dict[str, Any]:
        calls: dict[str, dict[int, int]] = {}
        for (method, status), count in sorted(self.answered.items()):
            calls.setdefault(method, {})[status] = count
        return {"calls": calls, "server_errors": len(self.server_errors), "rates": self.rates.summary()}


async def serve() -> None:
    fake = StreamingFake()
    await fake.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    os.write(sys.stdout.fileno(), f"READY {fake.url}\n".encode())
    await stop.wait()
    fake.flush()
    await fake.stop()
    os.write(sys.stdout.fileno(), (json.dumps(fake.summary()) + "\n").encode())


if __name__ == "__main__":
    # The stand-ins for Telegram run without the cyclic garbage collector (collected between runs
    # instead), so that its pauses in them are not counted as the bot's latency.
    gc.freeze()
    gc.disable()
    run_on_fast_loop(serve())

"""A lean stand-in for the Telegram Bot API, for bench/load.py (the default; `--fake full` uses
bench/fake_tg.py, the test suite's full fake, instead).

    .venv/bin/python bench/lean_tg.py

Same protocol as bench/fake_tg.py: prints ``READY <url>`` on stdout, then one JSON line
``[chat_id, monotonic_time, [callback_data, ...]]`` per sendMessage (the time taken when the request
was read in full), and on SIGTERM or SIGINT one last line ``{"calls": {method: {status: count}},
"server_errors": n, "rates": {...}}`` (the send rates Telegram limits, bench/rates.py).

Why: the full fake (aiohttp, with the test suite's bookkeeping and checks) needed ~0.3 ms of CPU per
call, 0.2 of a core at 500 messages/s, on the same two cores as the bot under test. This one is an
HTTP/1.1 keep-alive server on a bare asyncio protocol that answers what the bot calls during the
benchmark (getMe, setMyCommands, setWebhook, sendMessage, answerCallbackQuery, sendChatAction, ...) in
the Bot API's JSON shape, and checks only what the benchmark needs: the token in the path, a JSON
body, a chat id and a text for sendMessage (400 otherwise, as Telegram).
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rates import MESSAGE_METHODS, SendRates  # noqa: E402
from bot.cli import run_on_fast_loop  # noqa: E402
from tests.fake_bot_api import DEFAULT_TOKEN  # noqa: E402

BOT_ID = int(DEFAULT_TOKEN.split(":", 1)[0])
ME = {"id": BOT_ID, "is_bot": True, "first_name": "Werkhelpdesk", "username": "werkhelpdesk_bot"}
PREFIX = f"/bot{DEFAULT_TOKEN}/".encode()
TRUE = orjson.dumps({"ok": True, "result": True})


def error(status: int, description: str) -> tuple[int, bytes]:
    return status, orjson.dumps({"ok": False, "error_code": status, "description": description})


def _params(body: bytes) -> dict[str, Any]:
    """A JSON body, or PTB's form-encoded one (each value JSON, or a plain string)."""
    if not body:
        return {}
    if body[:1] == b"{":
        return dict(orjson.loads(body))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = orjson.loads(value)
        except orjson.JSONDecodeError:
            params[key] = value
    return params


class Api:
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, int]] = Counter()
        self.server_errors = 0
        self.message_id = 0
        self.rates = SendRates()
        self._lines: list[bytes] = []
        self._flush_scheduled = False

    def answer(self, path: bytes, body: bytes, arrived: float) -> tuple[int, bytes]:
        if not path.startswith(PREFIX):
            return error(401, "Unauthorized")
        method = path[len(PREFIX) :].split(b"?", 1)[0].decode()
        try:
            params = _params(body)
        except orjson.JSONDecodeError:
            status, out = error(400, "Bad Request: can't parse JSON")
        else:
            status, out = self._method(method, params, arrived)
            if status == 200 and method in MESSAGE_METHODS and isinstance(params.get("chat_id"), int):
                self.rates.add(params["chat_id"], arrived)
        self.calls[(method, status)] += 1
        return status, out

    def _method(self, method: str, params: dict[str, Any], arrived: float) -> tuple[int, bytes]:
        if method == "sendMessage":
            chat_id, text = params.get("chat_id"), params.get("text")
            if not isinstance(chat_id, int) or not text:
                return error(400, "Bad Request: chat_id and text are required")
            self.message_id += 1
            rows = (params.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
            self._report(orjson.dumps([chat_id, arrived, buttons]) + b"\n")
            message = {
                "message_id": self.message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": ME,
                "text": text,
            }
            return 200, orjson.dumps({"ok": True, "result": message})
        if method == "getMe":
            return 200, orjson.dumps({"ok": True, "result": ME})
        if method == "getChat" and isinstance(params.get("chat_id"), int):  # the coaches' group (COACH_CHAT_ID)
            chat = {"id": params["chat_id"], "type": "supergroup", "title": "Coaches", "is_forum": False}
            return 200, orjson.dumps({"ok": True, "result": chat})
        return 200, TRUE  # setMyCommands, setWebhook, answerCallbackQuery, sendChatAction, ...

    def _report(self, line: bytes) -> None:
        self._lines.append(line)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if self._lines:
            data, self._lines = b"".join(self._lines), []
            os.write(sys.stdout.fileno(), data)

    def summary(self) -> dict[str, Any]:
        calls: dict[str, dict[str, int]] = {}
        for (method, status), count in sorted(self.calls.items()):
            calls.setdefault(method, {})[str(status)] = count
        return {"calls": calls, "server_errors": self.server_errors, "rates": self.rates.summary()}


class Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies (what aiohttp's client sends)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.buffer = b""
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's TCP transport is one

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            try:
                _, path, _ = head[0].split(b" ", 2)
                status, out = self.api.answer(path, body, time.monotonic())
            except Exception:  # a bug here, not the bot's: counted and reported by the driver
                self.api.server_errors += 1
                status, out = 500, b'{"ok":false,"error_code":500,"description":"fake failed"}'
            assert self.transport is not None
            self.transport.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (status, b"OK" if status == 200 else b"Error", len(out), out)
            )


async def serve() -> None:
    api = Api()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(api), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    os.write(sys.stdout.fileno(), f"READY http://127.0.0.1:{port}\n".encode())
    await stop.wait()
    server.close()
    api.flush()
    os.write(sys.stdout.fileno(), orjson.dumps(api.summary()) + b"\n")


if __name__ == "__main__":
    gc.freeze()  # as bench/fake_tg.py: no collector pauses in the stand-in for Telegram
    gc.disable()
    run_on_fast_loop(serve())

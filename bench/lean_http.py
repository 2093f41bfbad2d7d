"""The load driver's lean HTTP client (with `--stand-ins lean`, the default): POSTs to the bot's webhook
over keep-alive HTTP/1.1 connections, at most `limit` per URL (like Telegram's max_connections), on a
bare asyncio protocol. aiohttp's client needed ~0.3 ms of CPU per webhook call in the driver, on the same
two cores as the bot under test; this needs a fraction of that. It reads what aiohttp's server answers:
a status line, headers and a Content-Length body."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class HttpError(Exception):
    """The connection failed or the answer could not be read."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.WriteTransport | None = None
        self.buffer = b""
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(HttpError(f"connection lost: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
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
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            try:
                waiter.set_result((int(head[0].split(b" ", 2)[1]), body))
            except (IndexError, ValueError):
                waiter.set_exception(HttpError("unreadable status line"))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


class _Pool:
    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)

    async def post(self, raw: bytes) -> tuple[int, bytes]:
        async with self.slots:
            while self.idle and self.idle[-1].closed:
                self.idle.pop()
            if self.idle:
                connection = self.idle.pop()
            else:
                try:
                    _, connection = await asyncio.get_running_loop().create_connection(
                        _Connection, self.host, self.port
                    )
                except OSError as exc:
                    raise HttpError(f"cannot connect: {exc!r}") from exc
            status, body = await connection.request(raw)
            if not connection.closed:
                self.idle.append(connection)
            return status, body

    def close(self) -> None:
        for connection in self.idle:
            if connection.transport is not None:
                connection.transport.close()
        self.idle.clear()


class LeanClient:
    def __init__(self, limit_per_url: int) -> None:
        self._limit = limit_per_url
        self._pools: dict[str, tuple[_Pool, bytes]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body` to `url`; the status and the body of the answer. Raises HttpError."""
        if url not in self._pools:
            parts = urlsplit(url)
            assert parts.hostname is not None
            assert parts.port is not None
            head = f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(
                f"{name}: {value}\r\n" for name, value in headers.items()
            )
            self._pools[url] = (_Pool(parts.hostname, parts.port, self._limit), head.encode())
        pool, head = self._pools[url]
        return await pool.post(b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body))

    def close(self) -> None:
        for pool, _ in self._pools.values():
            pool.close()

"""python-telegram-bot's request interface (`telegram.request.BaseRequest`, its public extension point)
on aiohttp's client. Hand-written because sending through httpx took ~19% of the replica's CPU at 100
updates/s, through aiohttp ~4% (bench/README.md, "Load"); PTB still does the rest (status codes, 429
as RetryAfter, errors as TelegramError)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.tg.payload import parse_body

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _given(value: object, default: float | None) -> float | None:
    """A timeout argument of `do_request`: PTB's DEFAULT_NONE means "the one set at creation"."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value if isinstance(value, int | float) else None


class AiohttpRequest(BaseRequest):
    """Timeouts as PTB's HTTPXRequest takes them: connecting, waiting for a pooled connection,
    reading the answer (between reads), writing (bounded here by a total of all four)."""

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._default = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        parts = (read, write, connect, pool)
        total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        waiting = None if connect is None or pool is None else connect + pool  # aiohttp: pool + connecting
        return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """PTB's own parser logs an unreadable answer's whole text (which may hold users' names and
        messages) and refuses lone surrogates: `parse_body` does neither."""
        data = parse_body(payload)
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response")
        return data

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if files or any(t is not BaseRequest.DEFAULT_NONE for t in timeouts):
            write = self._media_write if files else self._write
            timeout = self._timeout(
                _given(read_timeout, self._read),
                _given(write_timeout, write),
                _given(connect_timeout, self._connect),
                _given(pool_timeout, self._pool),
            )
        else:
            timeout = self._default
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                body = form
            else:
                parameters = request_data.json_parameters
                if parameters:
                    body, headers = urlencode(parameters).encode(), FORM
        try:
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's time-outs (connecting, reading, in all) are TimeoutErrors
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

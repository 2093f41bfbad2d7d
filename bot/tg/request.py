"""python-telegram-bot's HTTP layer on aiohttp instead of httpx: the same errors (TimedOut,
NetworkError) at a fraction of httpx's CPU cost per call, which is what limits a busy replica.
Parameters go as a JSON body (the Bot API accepts one; encoding it costs far less than a form of
JSON-encoded fields), multipart when files go along."""

from __future__ import annotations

import logging

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}


def _chosen(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    def __init__(
        self, *, timeout: float | None, media_write_timeout: float | None = 20.0, pool_size: int = 256
    ) -> None:
        self._timeout = timeout
        self._media_write_timeout = media_write_timeout
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size), headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Telegram's answer, parsed with orjson. Unlike PTB's own, an answer that is no JSON is not
        logged: it may echo a newcomer's message."""
        try:
            parsed = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            log.error("the Bot API answered something that is no JSON (%d bytes)", len(payload))
            raise TelegramError("Invalid server response") from exc
        if not isinstance(parsed, dict):
            raise TelegramError("Invalid server response")
        return parsed

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None and files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            body = orjson.dumps(request_data.parameters)
            headers = JSON_HEADERS
        read = _chosen(read_timeout, self._timeout)
        write = _chosen(write_timeout, self._media_write_timeout if files else self._timeout)
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=_chosen(pool_timeout, self._timeout),
            sock_connect=_chosen(connect_timeout, self._timeout),
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

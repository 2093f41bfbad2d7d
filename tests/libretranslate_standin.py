"""A local stand-in for a LibreTranslate server: `POST /translate` as LibreTranslate answers it (JSON or
form body; `{"translatedText"}`, or `{"error"}` with 400, 403, 429 or 500), with a slow mode and a
record of the requests. Its "translation" is recognisable: `[<target>] <text>` (upper case for nl)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

LANGUAGES = ("nl", "en", "ar", "ti")


class LibreTranslateStandIn:
    def __init__(self, api_key: str = "") -> None:
        self.api_key = api_key  # when set, requests without it get 403 as from LibreTranslate with --api-keys
        self.mode = "ok"  # ok | slow | 429 | 500 | garbage
        self.delay = 0.0  # seconds added to every answer (the bench's network and model time)
        self.requests: list[dict[str, Any]] = []
        self.release = asyncio.Event()  # slow requests wait for this
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LibreTranslateStandIn:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _translate(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body: dict[str, Any] = await request.json()
        else:
            body = dict(await request.post())
        self.requests.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "slow":
            await self.release.wait()
        if self.mode == "429":
            return _error(429, "Slowdown: 30 per 1 minute")
        if self.mode == "500":
            return _error(500, "Cannot translate text: model failed")
        if self.mode == "garbage":
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        if self.api_key and body.get("api_key") != self.api_key:
            return _error(403, "Invalid API key")
        for field in ("q", "source", "target"):
            if not body.get(field):
                return _error(400, f"Invalid request: missing {field} parameter")
        if body["source"] not in LANGUAGES:
            return _error(400, f"{body['source']} is not supported")
        if body["target"] not in LANGUAGES:
            return _error(400, f"{body['target']} is not supported")
        text = str(body["q"])
        translated = f"[{body['target']}] {text.upper() if body['target'] == 'nl' else text}"
        return web.json_response({"translatedText": translated})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)

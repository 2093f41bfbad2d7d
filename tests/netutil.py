"""Helpers for tests and benchmarks that start real servers and bot processes on this machine."""

from __future__ import annotations

import asyncio
import random
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent


async def cut_database_connections(database_url: str) -> None:
    """What a PostgreSQL restart does to a running bot: every other connection to its database is cut."""
    from sqlalchemy import text

    from bot.db.engine import create_engine

    admin = create_engine(database_url)
    async with admin.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await conn.commit()
    await admin.dispose()


def free_port() -> int:
    """A port that is free now, chosen below the kernel's ephemeral range: a port from bind(0) is in that
    range, so the many outgoing connections of parallel tests could take it before the server binds it."""
    low = _ephemeral_low()
    for _ in range(100):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` served on 127.0.0.1 on a port the kernel picks; yields its base URL, stops it afterwards."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def wait_until_ok(url: str, seconds: float = 60.0) -> None:
    """Poll `url` until it answers 200 (a process we started has finished starting)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(seconds * 10)):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer 200 within {seconds} s")


async def start_werkhelpdesk(
    env: dict[str, str], *args: str, capture_stdout: bool = False, capture_stderr: bool = True
) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` (the `werkhelpdesk` command) as a separate process in the project folder."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE if capture_stdout else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE if capture_stderr else asyncio.subprocess.DEVNULL,
    )

"""One replica of several processes (`WEBHOOK_PROCESSES`): `werkhelpdesk run` forks them, they share the
web port and the inbox, every update is answered once and in order, the webhook is registered once,
SIGTERM stops them all cleanly, and a process that dies takes the replica down (for a restart) instead
of leaving it at half strength."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.processes import supervise
from bot.services import Services
from bot.settings import Settings
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok

SECRET = "processes-test-secret-0123"
HOOK = "https://werkhelpdesk.example/webhook"
QUESTIONS = ["ik wil CV maken", "dank je wel", "Hoe kan ik mijn diploma laten waarderen?"]
EXPECTED = [("cv_help", "start"), ("thanks", "start"), ("diploma_recognition", "start")]


def children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


ESTABLISHED, LISTEN = "01", "0A"  # TCP states in /proc/net/tcp


def connections_by_process(port: int, pids: list[int], state: str = ESTABLISHED) -> Counter[int]:
    """TCP sockets on local `port` in `state` (connections accepted, or listening), counted by the
    process holding them."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    held: Counter[int] = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[pid] += 1
    return held


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    port: int

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_url": HOOK, "webhook_secret": SECRET}


@pytest.fixture
async def replica(services: Services, fake: FakeBotAPI, database_url: str) -> AsyncIterator[Replica]:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a PostgreSQL database; SQLite serves one process (refused in settings)")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": services.settings.database_url,
        "LOCALES_DIR": str(services.settings.locales_dir),
        "TELEGRAM_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "WEBHOOK_URL": HOOK,
        "WEBHOOK_SECRET": SECRET,
        "WEB_PORT": str(port),
        "WEBHOOK_PROCESSES": "2",
    }
    process = await start_werkhelpdesk(env, "run")
    try:
        await wait_until_ok(f"http://127.0.0.1:{port}/readyz")
        for _ in range(300):  # the second process may still be starting when the first answers
            workers = children(process.pid)
            listening = connections_by_process(port, workers, LISTEN) if len(workers) == 2 else Counter()
            if len(listening) == 2 and len(fake.calls("setWebhook")) == 1:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"the two processes did not both listen on port {port}")
        yield Replica(process, port)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), 30)


async def post(session: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> int:
    async with session.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        return response.status


async def test_two_processes_share_the_port_and_answer_every_update_once_in_order(
    fake: FakeBotAPI, services: Services, replica: Replica
) -> None:
    workers = children(replica.process.pid)
    assert len(workers) == 2
    users = [tg.user(8000 + i, f"User{i}", language_code="nl") for i in range(24)]
    held: Counter[int] = Counter()
    # One keep-alive connection per chat, all open at once: the kernel spreads them over both processes.
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        for turn, question in enumerate(QUESTIONS):
            updates = [fake._prepare_update(tg.text_update(user, question)) for user in users]
            assert await asyncio.gather(*(post(session, replica.webhook, u) for u in updates)) == [200] * len(users)
            if turn == 0:
                held = connections_by_process(replica.port, workers)
            for user in users:
                await fake.wait_for(
                    "sendMessage", lambda p, u=user: int(p["chat_id"]) == u["id"], ok=True, count=1, timeout=30
                )
            fake.mark()
    assert set(held) == set(workers), f"connections by process: {dict(held)}"
    await asyncio.sleep(1.0)  # nothing more comes (a duplicate would)
    for user in users:
        sent = [c["text"] for c in fake.calls("sendMessage") if int(c["chat_id"]) == user["id"]]
        assert sent == [services.flows.text(flow, node, "nl") for flow, node in EXPECTED]
    assert len(fake.calls("setWebhook")) == 1  # by the first process only
    assert len(fake.calls("setMyCommands")) >= 1

    replica.process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(replica.process.communicate(), 30)
    log = stderr.decode()
    assert replica.process.returncode == 0, log[-2000:]
    assert "process 1 of 2" in log
    assert "process 2 of 2" in log
    assert not any(alive(pid) for pid in workers)


async def test_a_process_that_dies_stops_the_replica_for_a_restart(replica: Replica) -> None:
    first, second = children(replica.process.pid)
    os.kill(first, signal.SIGKILL)
    _, stderr = await asyncio.wait_for(replica.process.communicate(), 30)
    assert replica.process.returncode != 0
    assert "stopped on its own" in stderr.decode()
    assert not alive(second)


def test_more_processes_need_webhook_postgres_and_a_fixed_port() -> None:
    pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    webhook = {"webhook_url": HOOK, "webhook_secret": SECRET, "web_port": 8080}
    Settings(_env_file=None, webhook_processes=2, database_url=pg, **webhook)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValidationError, match="needs WEBHOOK_URL"):
        Settings(_env_file=None, webhook_processes=2, database_url=pg)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="needs PostgreSQL"):
        Settings(_env_file=None, webhook_processes=2, **webhook)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValidationError, match="fixed WEB_PORT"):
        Settings(_env_file=None, webhook_processes=2, database_url=pg, **{**webhook, "web_port": 0})  # type: ignore[call-arg, arg-type]


class Stop:
    """In a forked process: SIGTERM noted (installed before anything could send it)."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGTERM, self._note)

    def _note(self, *_: object) -> None:
        self.requested = True

    def wait(self) -> int:
        deadline = time.monotonic() + 20
        while not self.requested and time.monotonic() < deadline:
            time.sleep(0.01)
        return 0 if self.requested else 9


def test_supervise_passes_sigterm_on_and_reports_a_clean_stop() -> None:
    parent = os.getpid()
    before = signal.getsignal(signal.SIGTERM)

    def serve(index: int) -> int:
        stop = Stop()
        if index == 1:  # the last one forked asks the supervisor to stop, as an orchestrator would
            time.sleep(0.2)
            os.kill(parent, signal.SIGTERM)
        return stop.wait()  # 9 unless the supervisor passed the SIGTERM on

    assert supervise(2, serve) == 0
    assert signal.getsignal(signal.SIGTERM) == before  # the supervisor's handler is gone again


def test_supervise_reports_the_exit_code_of_a_process_that_stopped_on_its_own() -> None:
    def serve(index: int) -> int:
        stop = Stop()
        if index == 0:
            time.sleep(0.2)
            return 3
        return stop.wait()  # stopped by the supervisor: exits 0

    assert supervise(2, serve) == 3


async def test_processes_refuse_an_unmigrated_database_with_an_explanation(
    database_url: str, locales_dir: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL (refused in settings on SQLite, tested above)")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,  # the fixture left it empty: no migrations run
        "LOCALES_DIR": str(locales_dir),
        "TELEGRAM_TOKEN": "1:x",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "WEBHOOK_URL": HOOK,
        "WEBHOOK_SECRET": SECRET,
        "WEB_PORT": str(free_port()),
        "WEBHOOK_PROCESSES": "2",
        "RASA_URL": "",
    }
    process = await start_werkhelpdesk(env, "run")
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "cannot start" in stderr.decode()
    assert "werkhelpdesk db upgrade" in stderr.decode()
    assert "Traceback" not in stderr.decode()

"""`werkhelpdesk run` as a real process: polls the fake Bot API, answers, serves /healthz, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import free_port, start_werkhelpdesk, wait_until_ok


async def _run(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await start_werkhelpdesk(env, "run")


@pytest.fixture
def env(tmp_path: Path, locales_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "LOCALES_DIR": str(locales_dir),
        "RASA_URL": "",
        "WEB_PORT": str(free_port()),
    }


async def test_run_converses_and_stops_cleanly(env: dict[str, str]) -> None:
    engine = create_engine(env["DATABASE_URL"])
    await upgrade(engine)
    await engine.dispose()
    async with FakeBotAPI() as fake:
        env.update(TELEGRAM_TOKEN=fake.token, TELEGRAM_API_URL=fake.url)
        process = await _run(env)
        try:
            await wait_until_ok(f"http://127.0.0.1:{env['WEB_PORT']}/healthz")
            fake.push_update(tg.text_update(tg.user(1001, "Amal", language_code="ar"), "شلون بعادل شهادتي الجامعية؟"))
            (reply,) = await fake.wait_for("sendMessage", timeout=30)
            assert "IDW" in reply["text"]
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "شهاد" not in stderr.decode()  # no message text in the logs
    assert fake.token not in stderr.decode()  # nor the bot token


async def test_run_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    env.update(TELEGRAM_TOKEN="1:x", TELEGRAM_API_URL="http://127.0.0.1:9")
    process = await _run(env)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "werkhelpdesk db upgrade" in stderr.decode()


async def test_run_without_token_explains(env: dict[str, str]) -> None:
    env["TELEGRAM_TOKEN"] = ""
    process = await _run(env)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "TELEGRAM_TOKEN" in stderr.decode()

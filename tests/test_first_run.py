"""Issue 20, items 12 and 14: a newcomer's first run from the README, and tests that refuse to wipe a
database that is not for tests."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from bot.chat import chat
from bot.services import Services
from tests.conftest import ROOT, refuse_unless_test_database


def test_tests_refuse_a_database_whose_name_does_not_say_test() -> None:
    with pytest.raises(pytest.fail.Exception, match="must contain 'test'"):
        refuse_unless_test_database("postgresql+asyncpg://postgres@127.0.0.1:5432/werkhelpdesk")
    refuse_unless_test_database("postgresql+asyncpg://postgres@127.0.0.1:5432/test_faults")


def _upgrade(database: Path) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    done = subprocess.run(
        [os.sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_db_upgrade_says_created_then_up_to_date(tmp_path: Path) -> None:
    first = _upgrade(tmp_path / "new.db")
    assert "database created" in first
    assert "up to date" not in first
    assert _upgrade(tmp_path / "new.db").strip() == "database is up to date"


async def test_chat_new_starts_a_fresh_conversation(services: Services) -> None:
    await chat(services, "nl", io.StringIO("ik wil CV maken\n"), io.StringIO())
    out = io.StringIO()
    await chat(services, "nl", io.StringIO("/mydata\n"), out)
    assert "ik wil CV maken" in out.getvalue()  # the same conversation continues
    out = io.StringIO()
    await chat(services, "nl", io.StringIO("/mydata\n"), out, new=True)
    assert "ik wil CV maken" not in out.getvalue()


def test_setup_script_compiles_catalogs_with_valid_options_and_skips_unchanged_installs() -> None:
    script = (ROOT / "scripts" / "setup.sh").read_text()
    assert "--use-fuzzy" not in script
    assert "2>&1 ||" not in script
    assert ".werkhelpdesk-installed" in script

"""After /delete the newcomer's data is gone from disk too, and from the coach's Telegram chat (issue 20,
items 9 and 10)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.db.engine import _sqlite_pragmas
from bot.db.models import Intake, User
from bot.pipeline import Incoming, process
from bot.privacy import scrubs_done
from bot.services import Services

NAME = "Zoltanqx"
PHONE = "0687654329"


def _sqlite_files(services: Services) -> list[Path]:
    database = Path(make_url(services.settings.database_url).database or "")
    return [p for p in (database, Path(f"{database}-wal")) if p.exists()]


def test_the_bot_turns_on_secure_delete_itself(tmp_path: Path) -> None:
    """Not left to how SQLite was compiled (Debian's Python has it on, other builds do not)."""
    connection = sqlite3.connect(tmp_path / "x.db")
    connection.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(connection, None)  # type: ignore[arg-type]
    assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    connection.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_after_delete_the_name_and_phone_are_not_in_the_sqlite_files(services: Services) -> None:
    newcomer = 7301
    for text in (f"mijn nummer is {PHONE}, ik wil CV maken", "waar vind ik vacatures"):
        await process(services, Incoming(newcomer, newcomer, "text", text=text, first_name=NAME))
    async with services.sessions() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.telegram_id == newcomer))
        session.add(Intake(user_id=user_id, status="submitted", answers={"first_name": NAME, "phone": PHONE}))
    files = _sqlite_files(services)
    assert any(NAME.encode() in p.read_bytes() for p in files)  # the scan does find them before

    await process(services, Incoming(newcomer, newcomer, "command", command="delete"))
    await process(services, Incoming(newcomer, newcomer, "button", text="del:yes"))
    await scrubs_done()

    for path in _sqlite_files(services):
        content = path.read_bytes()
        assert NAME.encode() not in content, path
        assert PHONE.encode() not in content, path

"""Alembic, driven from code on an async engine (used by `werkhelpdesk db upgrade` and the tests)."""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_LOCK = zlib.crc32(b"werkhelpdesk migrations")


class MigrationsPendingError(RuntimeError):
    """The database schema is not at the newest migration."""


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def _one_at_a_time(conn: AsyncConnection) -> None:
    """Replicas starting together (PostgreSQL): one migrates, the others wait here until it commits and then
    find nothing left to do. The lock ends with the transaction."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await _one_at_a_time(conn)
        await conn.run_sync(lambda connection: command.upgrade(_config(connection), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Back to `revision` ("-1": the one before the current one)."""
    async with engine.begin() as conn:
        await _one_at_a_time(conn)
        await conn.run_sync(lambda connection: command.downgrade(_config(connection), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda connection: MigrationContext.configure(connection).get_current_revision())


async def ensure_current(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise MigrationsPendingError(
            f"the database is at migration {current or 'none'}, the code needs {head}: "
            "run `werkhelpdesk db upgrade` first"
        )

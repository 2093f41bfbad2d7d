"""Engine and session factory: created and disposed in one place (see bot.services)."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import Insert, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Erased rows are overwritten with zeros, whatever SQLite was compiled with (see bot.privacy.scrub).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def json_text(value: Any) -> str:
    """JSON columns' text, written by orjson (several times faster than the standard library; every
    update's payload is stored in the inbox, then read back)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


POOL_RECYCLE = 1800  # seconds: connections older than this are replaced


def create_engine(url: str) -> AsyncEngine:
    json = {"json_serializer": json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **json)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=POOL_RECYCLE, **json)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def insert_ignoring_duplicates(dialect: str, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite (the backends the bot supports)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).on_conflict_do_nothing()


async def vacuum(engine: AsyncEngine, table: Table) -> None:
    """VACUUM a table on PostgreSQL (nothing on SQLite). For a queue-like table: each row is updated
    once or twice and then dead to every index it was in, and until a vacuum each scan of those
    indexes walks over the dead entries. `SKIP_LOCKED`: a vacuum already running (another replica's,
    the autovacuum's) is not waited for."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        name = connection.dialect.identifier_preparer.quote(table.name)
        await connection.execute(text(f"VACUUM (SKIP_LOCKED) {name}"))


@asynccontextmanager
async def single_statement(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for work whose every statement may commit on its own (one statement is atomic):
    on PostgreSQL no BEGIN and COMMIT, two round trips fewer; SQLite in a transaction, as before."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with connection.begin():
            yield connection


@asynccontextmanager
async def one_replica_at_a_time(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Whether this process may do the work called `name` now: on PostgreSQL at most one process
    at a time gets True (an advisory lock held on one connection for the block; the server releases
    it should the connection break). SQLite has one process: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        got = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})).scalar())
        try:
            yield got
        finally:
            if got:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

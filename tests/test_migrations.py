"""The migrations build the schema the models describe, on both backends, and the flood rule's count
reads a sender's own messages by index rather than every incoming message."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.inbox import take_statement
from bot.db.migrate import downgrade, upgrade
from bot.db.models import Base, InboxUpdate, Message, User, utcnow
from bot.db.queries import table, typed_since
from tests.conftest import _reset_postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database brought up to the newest migration."""
    if database_url.startswith("postgresql"):
        await _reset_postgres(database_url)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


def _differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_the_migrations_build_the_schema_of_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []


async def test_the_previous_migration_and_back_again(engine: AsyncEngine) -> None:
    await downgrade(engine, "-1")
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) != []  # the newest migration changed something
    await upgrade(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []


async def test_the_flood_count_reads_the_senders_messages_by_index(engine: AsyncEngine) -> None:
    """With many incoming messages of others, counting one sender's recent ones must not visit them:
    the plan uses the (user_id, created_at) index and no scan of all incoming messages."""
    messages, users = table(Message), table(User)
    now = utcnow()
    async with engine.begin() as conn:
        ids = (
            (
                await conn.execute(
                    insert(users).returning(users.c.id),
                    [{"telegram_id": 1000 + i, "unreachable": False, "last_seen_at": now} for i in range(200)],
                )
            )
            .scalars()
            .all()
        )
        rows = [
            {
                "user_id": uid,
                "chat_id": 1000 + n,
                "direction": "in" if k % 2 else "out",
                "kind": "text",
                "text": "hallo",
                "created_at": now - timedelta(minutes=k),
                "attempts": 0,
            }
            for n, uid in enumerate(ids)
            for k in range(50)
        ]
        await conn.execute(insert(messages), rows)
        count = select(func.count()).select_from(messages).where(*typed_since(ids[0], now - timedelta(minutes=10)))
        assert (await conn.execute(count)).scalar_one() == 5
        compiled = count.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plan = "\n".join(str(r[-1]) for r in await conn.execute(text(explain + str(compiled))))
    assert "ix_messages_user_created" in plan, plan
    for scan_of_all in ("ix_messages_outbox", "Seq Scan", "SCAN messages"):
        assert scan_of_all not in plan, plan


def _removed_by_filter(node: dict[str, Any]) -> int:
    own = int(node.get("Rows Removed by Filter", 0))
    return own + sum(_removed_by_filter(child) for child in node.get("Plans", []))


async def test_the_lease_query_reads_only_waiting_updates(engine: AsyncEngine) -> None:
    """Processed updates stay in the inbox for a while. Leasing a batch must not walk through them,
    also with the plan PostgreSQL settles on for a prepared statement that runs often (a generic
    plan, which does not know the LIMIT): it did, through every processed row, before migration 0008."""
    inbox, now = table(InboxUpdate), utcnow()
    processed = [
        {"update_id": i, "chat_id": 5000 + i % 300, "payload": {}, "received_at": now, "processed_at": now}
        for i in range(1, 6001)
    ]
    waiting = [
        {"update_id": 7001, "chat_id": 5001, "payload": {}, "received_at": now},
        {"update_id": 7002, "chat_id": 5001, "payload": {}, "received_at": now},  # after 7001: not yet
        {"update_id": 7003, "chat_id": 5002, "payload": {}, "received_at": now},
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(inbox), [{"attempts": 0, **r} for r in processed])
        await conn.execute(insert(inbox), [{"attempts": 0, "processed_at": None, **r} for r in waiting])
    take = take_statement(engine.dialect.name == "postgresql")
    if engine.dialect.name != "postgresql":
        async with engine.begin() as conn:
            sql = str(take.compile(engine.sync_engine))
            values = (1, now.isoformat(), now.isoformat(), 64, 0)  # the plan does not depend on them
            plan = " ".join(str(r[-1]) for r in await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, values))
        assert "ix_inbox_waiting" in plan, plan
        return
    compiled = take.compile(dialect=engine.dialect)
    arguments = {"now": "now()", "until": "now() + interval '2 minutes'", "limit": "64", "attempts_1": "1"}
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("SET plan_cache_mode = force_generic_plan")  # as for a statement run often
        await driver.execute("PREPARE take_batch AS " + compiled.string)
        execute = ", ".join(arguments[name] for name in compiled.positiontup or ())
        (explained,) = await driver.fetchrow(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE take_batch({execute})")
        await driver.execute("DEALLOCATE take_batch")
        await conn.rollback()
    (root,) = json.loads(explained) if isinstance(explained, str) else explained
    assert root["Plan"]["Actual Rows"] == 2  # 7001 and 7003: per chat its oldest waiting update
    assert _removed_by_filter(root["Plan"]) < 100, json.dumps(root["Plan"], indent=1)


async def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    """`docker compose up --scale bot=3` runs `werkhelpdesk db upgrade` in every container at once: one
    migrates, the others wait for it and then find nothing to do, instead of failing on what now exists."""
    import asyncio
    import os
    import sys

    from bot.db.migrate import current_revision, head_revision

    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database (SQLite serves one process)")
    await _reset_postgres(database_url)
    env = {**os.environ, "DATABASE_URL": database_url}
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "db", "upgrade", env=env, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [(await run.wait(), (await run.stderr.read()).decode()[-600:]) for run in runs if run.stderr]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()

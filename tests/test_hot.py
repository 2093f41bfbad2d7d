"""The hot path's own machinery: errors and broken connections as elsewhere, statements it refuses."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import create_sessionmaker
from bot.db.hot import Lane, Tx, _compile, constant, statements, table, transaction
from bot.db.models import InboxUpdate, User, utcnow
from bot.services import Services
from tests.netutil import cut_database_connections


async def _store(services: Services, update_id: int) -> None:
    row = {
        "update_id": update_id,
        "chat_id": 1,
        "payload": {"update_id": update_id},
        "received_at": utcnow(),
        "attempts": 0,
    }
    async with transaction(services.engine, services.sessions, one_statement=True) as tx:
        await tx.store_inbox([row])


async def test_connections_cut_by_a_database_restart_are_replaced(services: Services, database_url: str) -> None:
    await _store(services, 1)
    if database_url.startswith("postgresql"):
        await cut_database_connections(database_url)
    failures = 0
    for update_id in (2, 3, 4):
        try:
            await _store(services, update_id)
        except OperationalError:  # the driver's error, as SQLAlchemy's: callers handle one kind
            failures += 1
    assert failures <= 1  # at most the first try meets a dead connection; the pool is then renewed
    async with services.sessions() as session:
        stored = set(await session.scalars(select(InboxUpdate.update_id)))
    assert stored >= {1, 3, 4}
    assert await _count(services) == len(stored)


async def _count(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)


async def test_a_failing_block_rolls_the_transaction_back(services: Services) -> None:
    async def failing() -> None:
        async with transaction(services.engine, services.sessions) as tx:
            await tx.store_inbox(
                [{"update_id": 9, "chat_id": 1, "payload": {}, "received_at": utcnow(), "attempts": 0}]
            )
            tx.session.add(User(telegram_id=4711))
            await tx.session.flush()  # the ORM's work is in the same transaction
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing()
    assert await _count(services) == 0
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


def test_statements_relying_on_python_side_defaults_are_refused() -> None:
    # users.created_at and last_seen_at have Python defaults, which the bypassed execution would not fill in
    with pytest.raises(ValueError, match="Python default"):
        _compile(insert(table(User)), asyncpg_dialect.dialect(), ("telegram_id",))
    compiled = _compile(
        insert(table(User)),
        asyncpg_dialect.dialect(),
        ("telegram_id", "created_at", "last_seen_at", "unreachable"),
    )
    assert compiled.sql.startswith("INSERT INTO users")


async def test_json_columns_keep_every_script_and_read_back_equal(services: Services) -> None:
    """JSON columns are written by orjson: text in any script unchanged, non-text keys as text."""
    payload = {"text": "شكرا ዲፕሎማይ ✅ dank je", "nested": {"ids": [1, 2**53 + 1]}, 7: "seven"}
    async with services.sessions() as session, session.begin():
        session.add(InboxUpdate(update_id=99_001, chat_id=1, payload=payload, received_at=utcnow()))
    async with transaction(services.engine, services.sessions) as tx:  # the hot path reads it back too
        (row,) = await tx.take(utcnow(), utcnow())
    async with services.sessions() as session:
        stored = await session.scalar(select(InboxUpdate.payload).where(InboxUpdate.update_id == 99_001))
    expected = {"text": "شكرا ዲፕሎማይ ✅ dank je", "nested": {"ids": [1, 2**53 + 1]}, "7": "seven"}
    assert stored == expected
    assert row[2] == expected


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("plans and plan_cache_mode are PostgreSQL's")
    return database_url


async def test_hot_transactions_plan_once_and_leave_the_connection_as_it_was(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url, pool_size=1, max_overflow=0)  # the same connection each time
    sessions = create_sessionmaker(engine)
    show = text("SHOW plan_cache_mode")
    try:
        async with engine.connect() as connection:
            before = (await connection.execute(show)).scalar()
        assert before != "force_generic_plan"
        async with transaction(engine, sessions) as tx:
            assert (await tx.rows(show, {}))[0]["plan_cache_mode"] == "force_generic_plan"

        async def failing() -> None:
            async with transaction(engine, sessions) as tx:
                assert (await tx.rows(show, {}))[0]["plan_cache_mode"] == "force_generic_plan"
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await failing()
        async with transaction(engine, sessions, one_statement=True) as tx:  # no transaction of its own
            assert (await tx.rows(show, {}))[0]["plan_cache_mode"] == before
        async with engine.connect() as connection:
            assert (await connection.execute(show)).scalar() == before
    finally:
        await engine.dispose()


async def test_a_failed_begin_leaves_no_transaction_on_the_pooled_connection(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.db.hot

    engine = create_async_engine(postgres_url, pool_size=1, max_overflow=0)  # the same connection each time
    sessions = create_sessionmaker(engine)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(bot.db.hot, "BEGIN", "BEGIN; SET LOCAL no_such_setting = 1")  # BEGIN runs, SET fails
            with pytest.raises(OperationalError):
                async with transaction(engine, sessions):
                    pass
        async with transaction(engine, sessions) as tx:
            assert (await tx.rows(text("SELECT 1 AS one"), {}))[0]["one"] == 1
    finally:
        await engine.dispose()


def test_the_code_constants_are_written_into_the_senders_query() -> None:
    """Planned once for all batches, the query must know which status it counts: 'waiting' is rare,
    'closed' the most common."""
    sql = _compile(statements(True).known, asyncpg_dialect.dialect(), None).sql
    assert "cases.status = 'waiting'" in sql
    assert "cases.status != 'closed'" in sql
    assert "messages.kind != 'button'" in sql
    with pytest.raises(ValueError, match="plain constant"):
        constant("x' OR '1'='1")


async def _backend_pid(tx: Tx) -> int:
    return int((await tx.rows(text("SELECT pg_backend_pid() AS pid"), {}))[0]["pid"])


async def test_a_lane_keeps_one_connection_and_gives_it_back(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url, pool_size=2, max_overflow=0)
    sessions = create_sessionmaker(engine)
    lane = Lane(engine)
    try:
        pids = set()
        for _ in range(3):
            async with transaction(engine, sessions, lane=lane) as tx:
                pids.add(await _backend_pid(tx))
                assert engine.pool.checkedout() == 1
        async with transaction(engine, sessions, one_statement=True, lane=lane) as tx:
            pids.add(await _backend_pid(tx))
        assert len(pids) == 1
        assert engine.pool.checkedout() == 1  # held between transactions
        await lane.close()
        assert engine.pool.checkedout() == 0
    finally:
        await lane.close()
        await engine.dispose()


async def test_a_lane_survives_errors_and_replaces_a_broken_or_interrupted_connection(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url, pool_size=3, max_overflow=0)
    sessions = create_sessionmaker(engine)
    lane = Lane(engine)
    try:
        async with transaction(engine, sessions, lane=lane) as tx:
            first = await _backend_pid(tx)

        # An error in the block: rolled back, and the same connection serves the next transaction.
        with pytest.raises(OperationalError):
            async with transaction(engine, sessions, lane=lane) as tx:
                await tx.rows(text("SELECT no_such_column FROM inbox"), {})
        async with transaction(engine, sessions, lane=lane) as tx:
            assert await _backend_pid(tx) == first
            assert (await tx.rows(text("SHOW plan_cache_mode"), {}))[0]["plan_cache_mode"] == "force_generic_plan"

        # The server cut the connection (a restart): that transaction fails, the next one reconnects.
        await cut_database_connections(postgres_url)
        with pytest.raises(OperationalError):
            async with transaction(engine, sessions, lane=lane) as tx:
                await _backend_pid(tx)
        async with transaction(engine, sessions, lane=lane) as tx:
            second = await _backend_pid(tx)
        assert second != first

        # Cancelled in the middle of a statement: the connection's state is unknown, so it is given up.
        async def slow() -> None:
            async with transaction(engine, sessions, lane=lane) as tx:
                await tx.rows(text("SELECT pg_sleep(5)"), {})

        task = asyncio.create_task(slow())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with transaction(engine, sessions, lane=lane) as tx:
            third = await _backend_pid(tx)
        assert third != second
        await lane.close()
        assert engine.pool.checkedout() == 0
    finally:
        await lane.close()
        await engine.dispose()

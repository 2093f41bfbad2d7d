"""The inbox table's statements: every update, from polling or webhook, is stored here first and
taken by the inbox workers, per chat the oldest unprocessed one, under a lease (SQLAlchemy Core)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Insert, Integer, Update, any_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert

from bot.db.engine import insert_ignoring_duplicates, single_statement
from bot.db.models import InboxUpdate, ProcessedUpdate
from bot.db.queries import table


@dataclass(frozen=True)
class Taken:
    update_id: int
    chat_id: int | None
    payload: dict[str, Any]


async def store(engine: AsyncEngine, rows: Sequence[dict[str, Any]]) -> None:
    """Store updates (update_id, chat_id, payload, received_at); a redelivered id is stored once."""
    if not rows:
        return
    statement = _store_statement(engine.dialect.name)
    async with single_statement(engine) as connection:
        await connection.execute(statement, [{"attempts": 0, **row} for row in rows])


@functools.cache
def _store_statement(dialect: str) -> Insert:
    return insert_ignoring_duplicates(dialect, table(InboxUpdate))


@functools.cache
def take_statement(postgres: bool) -> Update:
    """Lease: of each chat its oldest unprocessed update, if nobody holds a lease on it (parameters
    now, until, limit). Reads only the partial indexes of waiting updates (migration 0008). Built
    once, as the other statements here: building and keying a statement costs more CPU than running it."""
    inbox = table(InboxUpdate)
    older = inbox.alias("older")
    now = bindparam("now", type_=inbox.c.lease_until.type)
    eligible = (
        select(inbox.c.update_id)
        .where(
            inbox.c.processed_at.is_(None),
            or_(inbox.c.lease_until.is_(None), inbox.c.lease_until < now),
            ~exists().where(
                older.c.chat_id == inbox.c.chat_id,
                older.c.processed_at.is_(None),
                older.c.update_id < inbox.c.update_id,
            ),
        )
        .order_by(inbox.c.update_id)
        .limit(bindparam("limit", type_=Integer))
    )
    if postgres:
        eligible = eligible.with_for_update(skip_locked=True)  # replicas taking at once get different rows
    return (
        update(inbox)
        .where(inbox.c.update_id.in_(eligible.scalar_subquery()))
        .values(lease_until=bindparam("until", type_=inbox.c.lease_until.type), attempts=inbox.c.attempts + 1)
        .returning(inbox.c.update_id, inbox.c.chat_id, inbox.c.payload)
    )


async def take(
    engine: AsyncEngine, now: datetime, until: datetime, limit: int, done: Sequence[int] = ()
) -> list[Taken]:
    """Record `done` updates as processed, then lease up to `limit` updates (see `take_statement`),
    in update order: a chat whose update just got done may give its next. Each statement commits on
    its own (recording twice is harmless, and each take is one statement)."""
    if limit <= 0 and not done:
        return []
    async with single_statement(engine) as connection:
        if done:
            await connection.execute(_done_statement(), {"ids": list(done), "now": now})
        if limit <= 0:
            return []
        statement = take_statement(engine.dialect.name == "postgresql")
        rows = (await connection.execute(statement, {"now": now, "until": until, "limit": limit})).all()
    return sorted((Taken(int(r[0]), r[1], r[2]) for r in rows), key=lambda t: t.update_id)


async def renew(engine: AsyncEngine, update_ids: Sequence[int], until: datetime) -> None:
    """Extend the leases of updates still being processed (a live worker keeps its updates)."""
    if not update_ids:
        return
    inbox = table(InboxUpdate)
    async with engine.begin() as connection:
        await connection.execute(
            update(inbox)
            .where(inbox.c.update_id.in_(list(update_ids)), inbox.c.processed_at.is_(None))
            .values(lease_until=until)
        )


async def done(engine: AsyncEngine, update_ids: Sequence[int], now: datetime) -> None:
    await take(engine, now, now, 0, update_ids)


@functools.cache
def _done_statement() -> Update:
    inbox = table(InboxUpdate)
    return (
        update(inbox)
        .where(inbox.c.update_id.in_(bindparam("ids", expanding=True)))
        .values(processed_at=bindparam("now", type_=inbox.c.processed_at.type), lease_until=None)
    )


async def mark_processed(connection: AsyncConnection, update_ids: Sequence[int], now: datetime) -> set[int]:
    """In the turns' own transaction: the updates recorded as processed, in the inbox (once this
    commits, their chats' next updates may be taken) and among the processed ids (which recognise a
    redelivery after the inbox forgot it); returns the ids not processed before. On PostgreSQL one
    statement (the inbox's UPDATE in a CTE), on SQLite two."""
    if not update_ids:
        return set()
    ids = list(update_ids)
    if connection.dialect.name == "postgresql":
        marked = await connection.execute(_mark_statement(), {"ids": ids, "marked": ids, "now": now, "at": now})
        return set(cast("list[int]", marked.scalars().all()))
    rows = await connection.execute(processed_statement("sqlite"), [{"update_id": u, "processed_at": now} for u in ids])
    fresh = {int(u) for u in rows.scalars()}
    await connection.execute(_done_statement(), {"ids": ids, "now": now})
    return fresh


@functools.cache
def processed_statement(dialect: str) -> ReturningInsert[Any]:
    """Record update ids as processed, returning those that were not before (parameters update_id, processed_at)."""
    processed = table(ProcessedUpdate)
    return insert_ignoring_duplicates(dialect, processed).returning(processed.c.update_id)


@functools.cache
def _mark_statement() -> ReturningInsert[tuple[int]]:
    """PostgreSQL: WITH (UPDATE inbox …) INSERT INTO processed_updates SELECT unnest(ids) … ON CONFLICT
    DO NOTHING RETURNING update_id (parameters ids, marked: the same list; now, at: the same time)."""
    inbox, processed = table(InboxUpdate), table(ProcessedUpdate)
    marked = (
        update(inbox)
        .where(inbox.c.update_id == any_(bindparam("marked", type_=postgresql.ARRAY(BigInteger))))
        .values(processed_at=bindparam("at", type_=inbox.c.processed_at.type), lease_until=None)
        .cte("marked")
    )
    ids = func.unnest(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    fresh = select(ids, bindparam("now", type_=processed.c.processed_at.type))
    return (
        postgresql.insert(processed)
        .from_select([processed.c.update_id, processed.c.processed_at], fresh)
        .on_conflict_do_nothing()
        .returning(processed.c.update_id)
        .add_cte(marked)
    )

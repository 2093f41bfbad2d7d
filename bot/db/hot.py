"""The statements every webhook batch runs, in one transaction.

They are SQLAlchemy Core statements, built once. On PostgreSQL they are compiled once and run on the
asyncpg connection itself, in a transaction this module opens: SQLAlchemy's overhead per statement
and per transaction was most of a busy replica's CPU. The ORM session of the same connection and
transaction stays available for the rarer work (cases, intakes, unanswered questions). On SQLite the
same statements run through SQLAlchemy Core, in the session's transaction.

A driver error on PostgreSQL is raised as SQLAlchemy's `OperationalError`, and a broken connection
is invalidated, so that callers see the same errors and the pool the same connections as elsewhere."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from time import monotonic
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Insert,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import POOL_RECYCLE, insert_ignoring_duplicates
from bot.db.models import (
    CASE_CLOSED,
    CASE_WAITING,
    Case,
    Coach,
    ConversationState,
    InboxUpdate,
    Intake,
    Message,
    ProcessedUpdate,
    User,
)

USER_FIELDS = ("first_name", "chosen_language", "last_language", "telegram_language", "unreachable", "last_seen_at")
STATE_FIELDS = ("flow", "node", "low_confidence_streak")
BATCH_SIZE = 64


def table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _one_of(column: Any, name: str, postgres: bool) -> ColumnElement[bool]:
    """`column IN (:name…)`; on PostgreSQL `column = ANY(:name)`, one parameter for any number."""
    if postgres:
        return cast(ColumnElement[bool], column == any_(bindparam(name, type_=postgresql.ARRAY(BigInteger))))
    return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))


def constant(value: str) -> ColumnElement[Any]:
    """A constant of the code (a status, a kind) written into the SQL rather than sent as a
    parameter: the hot path's statements are planned once for all executions (see `transaction`),
    and a plan made for `status = $1` cannot know that 'waiting' is rare and 'closed' is not."""
    if not value.replace("_", "").isalnum():
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'")


def typed_by(user_id: Any) -> list[ColumnElement[bool]]:
    """The messages a user typed or pasted (not taps on buttons, not commands)."""
    messages = table(Message)
    return [
        messages.c.user_id == user_id,
        messages.c.direction == constant("in"),
        messages.c.kind != constant("button"),
        messages.c.kind != constant("command"),
    ]


def typed_since(user_id: Any, since: Any) -> list[ColumnElement[bool]]:
    """The flood rule's messages: what a user typed or pasted since `since` (taps on buttons and
    commands are deliberate, so they do not count). Both pipelines count with this."""
    return [*typed_by(user_id), table(Message).c.created_at > since]


@dataclass(frozen=True)
class Statements:
    known: Any
    coaches_among: Any
    claim: Any
    insert_users: Any
    update_users: Any
    save_states: Any
    insert_messages: Any
    store_inbox: Any
    take: Any
    pending: Any
    pending_elsewhere: Any
    forget_ephemeral: Any
    delivered: Any
    card_posted: Any
    inbox_done: Any


@cache
def statements(postgres: bool) -> Statements:
    users, intakes, states = table(User), table(Intake), table(ConversationState)
    cases, messages, coaches = table(Case), table(Message), table(Coach)
    inbox, processed = table(InboxUpdate), table(ProcessedUpdate)
    dialect = "postgresql" if postgres else "sqlite"
    dialect_insert: Callable[[Table], Any] = postgresql.insert if postgres else sqlite.insert

    # Everything a batch needs to know about its senders, as plain columns: the waiting cases, how
    # many senders are coaches, and per sender who is a user their intake, conversation state, open
    # case and recent typed messages. The counts come back even when no sender is a user yet: on
    # PostgreSQL it selects from the senders' ids (one row each; joined by index, whatever the
    # statistics say: on a fresh, growing table they made the planner scan all users and states),
    # elsewhere from a one-row table.
    if postgres:
        ids = bindparam("ids", type_=postgresql.ARRAY(BigInteger))
        source: Any = func.unnest(ids).table_valued("telegram_id").render_derived(name="sender")
        joined_on = users.c.telegram_id == source.c.telegram_id
    else:
        source = select(literal(1).label("one")).subquery("one")
        joined_on = _one_of(users.c.telegram_id, "ids", postgres)
    waiting = select(func.count()).select_from(cases).where(cases.c.status == constant(CASE_WAITING)).scalar_subquery()
    coach_count = (
        select(func.count()).select_from(coaches).where(_one_of(coaches.c.telegram_id, "ids", postgres))
    ).scalar_subquery()
    open_case = exists().where(cases.c.user_id == users.c.id, cases.c.status != constant(CASE_CLOSED))
    typed = select(func.count()).select_from(messages).where(*typed_since(users.c.id, bindparam("since")))
    recent = typed.scalar_subquery()
    known = (
        select(
            waiting.label("waiting"),
            coach_count.label("coaches"),
            users.c.id,
            users.c.telegram_id,
            *(users.c[f] for f in USER_FIELDS),
            intakes.c.status.label("intake_status"),
            intakes.c.field.label("intake_field"),
            intakes.c.answers.label("intake_answers"),
            intakes.c.editing.label("intake_editing"),
            intakes.c.selected.label("intake_selected"),
            states.c.user_id.label("state_user_id"),
            *(states.c[f] for f in STATE_FIELDS),
            open_case.label("in_case"),
            recent.label("recent"),
        )
        .select_from(source)
        .outerjoin(users, joined_on)
        .outerjoin(intakes, intakes.c.user_id == users.c.id)
        .outerjoin(states, states.c.user_id == users.c.id)
    )

    # Lease a batch: per chat its oldest unprocessed update, if nobody holds a lease on it.
    older = inbox.alias("older")
    eligible = (
        select(inbox.c.update_id)
        .where(
            inbox.c.processed_at.is_(None),
            or_(inbox.c.lease_until.is_(None), inbox.c.lease_until < bindparam("now")),
            ~exists().where(
                older.c.chat_id == inbox.c.chat_id,
                older.c.processed_at.is_(None),
                older.c.update_id < inbox.c.update_id,
            ),
        )
        .order_by(inbox.c.update_id)
        .limit(BATCH_SIZE)
    )
    if postgres:
        eligible = eligible.with_for_update(skip_locked=True)
    take = (
        update(inbox)
        .where(inbox.c.update_id.in_(eligible.scalar_subquery()))
        .values(lease_until=bindparam("until"), attempts=inbox.c.attempts + 1)
        .returning(inbox.c.update_id, inbox.c.chat_id, inbox.c.payload)
    )
    pending = select(inbox.c.update_id).where(inbox.c.processed_at.is_(None)).limit(1)
    pending_elsewhere = (
        select(inbox.c.update_id)
        .where(inbox.c.processed_at.is_(None), ~_one_of(inbox.c.chat_id, "busy", postgres))
        .limit(1)
    )

    # New conversation states and changed ones in one statement: an upsert (a new row's `pending` is
    # empty; a changed row keeps its own).
    upsert = dialect_insert(states)
    save_states = upsert.on_conflict_do_update(
        index_elements=[states.c.user_id],
        set_={f: upsert.excluded[f] for f in (*STATE_FIELDS, "updated_at")},
    )

    return Statements(
        known=known,
        coaches_among=select(coaches.c.telegram_id).where(_one_of(coaches.c.telegram_id, "ids", postgres)),
        claim=insert_ignoring_duplicates(dialect, processed).returning(processed.c.update_id),
        insert_users=insert(users).returning(users.c.id, sort_by_parameter_order=True),
        update_users=update(users).where(users.c.id == bindparam("uid")).values({f: bindparam(f) for f in USER_FIELDS}),
        save_states=save_states,
        insert_messages=insert(messages).returning(messages.c.id, sort_by_parameter_order=True),
        store_inbox=insert_ignoring_duplicates(dialect, inbox),
        take=take,
        pending=pending,
        pending_elsewhere=pending_elsewhere,
        forget_ephemeral=delete(messages).where(_one_of(messages.c.id, "ids", postgres)),
        delivered=update(messages)
        .where(messages.c.id == bindparam("oid"))
        .values(delivered_at=bindparam("now"), telegram_message_id=bindparam("tid"), attempts=messages.c.attempts + 1),
        card_posted=update(cases)
        .where(cases.c.id == bindparam("cid"))
        .values(group_chat_id=bindparam("gid"), group_message_id=bindparam("mid")),
        inbox_done=update(inbox)
        .where(_one_of(inbox.c.update_id, "ids", postgres))
        .values(processed_at=bindparam("now")),
    )


class Tx(ABC):
    """One transaction of the hot path. `session` is the ORM session in the same transaction."""

    def __init__(self, postgres: bool) -> None:
        self.statements = statements(postgres)

    @property
    @abstractmethod
    def session(self) -> AsyncSession: ...

    @abstractmethod
    async def rows(self, statement: Any, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The rows of a query (or of a statement's RETURNING) as mappings."""

    @abstractmethod
    async def many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per row, without results."""

    @abstractmethod
    async def inserted_ids(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """INSERT … RETURNING id, once per row: the ids in the order of the rows."""

    @abstractmethod
    async def claimed(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> set[int]:
        """INSERT … ON CONFLICT DO NOTHING RETURNING a key, once per row: the keys inserted."""

    # what the batch and the webhook worker do with them
    async def take(self, now: datetime, until: datetime) -> list[tuple[int, int | None, dict[str, Any]]]:
        rows = await self.rows(self.statements.take, {"now": now, "until": until})
        return [(int(r["update_id"]), r["chat_id"], r["payload"]) for r in rows]

    async def held_elsewhere(self, busy: Collection[int]) -> bool:
        """Unprocessed updates of chats not in `busy`."""
        if busy:
            rows = await self.rows(self.statements.pending_elsewhere, {"busy": sorted(busy)})
        else:
            rows = await self.rows(self.statements.pending, {})
        return bool(rows)

    async def insert_messages(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        return await self.inserted_ids(self.statements.insert_messages, rows)

    async def store_inbox(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.many(self.statements.store_inbox, rows)

    async def record_delivered(
        self,
        sent: Sequence[tuple[Any, int | None]],
        inbox_done: Sequence[int],
        now: datetime,
    ) -> None:
        """Sent messages delivered (ephemeral ones forgotten), case cards' message ids kept, and in
        webhook mode the updates processed. `sent` holds (Outgoing, Telegram message id) pairs."""
        s = self.statements
        forget = [out.id for out, _ in sent if out.kind == "ephemeral"]
        keep = [{"oid": out.id, "tid": tid, "now": now} for out, tid in sent if out.kind != "ephemeral"]
        cards = [
            {"cid": out.case_id, "gid": out.chat_id, "mid": tid}
            for out, tid in sent
            if out.kind == "card" and out.case_id is not None and tid is not None
        ]
        if forget:
            await self.many(s.forget_ephemeral, [{"ids": forget}])
        if keep:
            await self.many(s.delivered, keep)
        if cards:
            await self.many(s.card_posted, cards)
        if inbox_done:
            await self.many(s.inbox_done, [{"ids": list(inbox_done), "now": now}])


class CoreTx(Tx):
    """Through SQLAlchemy Core, in the session's transaction (SQLite, or any other database)."""

    def __init__(self, session: AsyncSession, connection: AsyncConnection, postgres: bool) -> None:
        super().__init__(postgres)
        self._session = session
        self._connection = connection

    @property
    def session(self) -> AsyncSession:
        return self._session

    async def rows(self, statement: Any, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [dict(row) for row in (await self._connection.execute(statement, dict(params))).mappings()]

    async def many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self._connection.execute(statement, [dict(r) for r in rows])

    async def inserted_ids(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        if not rows:
            return []
        return [int(i) for i in (await self._connection.execute(statement, [dict(r) for r in rows])).scalars()]

    async def claimed(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> set[int]:
        if not rows:
            return set()
        return {int(i) for i in (await self._connection.execute(statement, [dict(r) for r in rows])).scalars()}


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for asyncpg: its SQL, and how to turn named parameters into positional
    arguments (with SQLAlchemy's own conversions, e.g. JSON to text)."""

    sql: str
    arguments: Callable[[Mapping[str, Any]], list[Any]]


def _compile(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        # Python-side column defaults would be computed by SQLAlchemy's execution, which is bypassed here.
        raise ValueError(f"give every column with a Python default explicitly: {compiled.string[:80]}")
    if "POSTCOMPILE" in compiled.string:
        raise ValueError(f"no expanding IN on the hot path (use _one_of): {compiled.string[:80]}")
    names: list[str] = list(compiled.positiontup or [])
    processors = [compiled.binds[n].type.bind_processor(dialect) for n in names]
    # Values fixed in the statement itself (e.g. literal(1), the status constants).
    fixed = {n: compiled.binds[n].value for n in names if not compiled.binds[n].required}
    steps = [(n, p, fixed.get(n)) for n, p in zip(names, processors, strict=True)]

    def arguments(params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, process, default in steps:
            value = params.get(name, default)
            values.append(process(value) if process is not None and value is not None else value)
        return values

    return _Compiled(compiled.string, arguments)


class PgTx(Tx):
    """On the asyncpg connection itself, in the transaction `transaction` opened on it. The ORM
    session is opened on the same connection when it is first asked for (most transactions of the
    webhook worker's and the inbox writer's never need one)."""

    def __init__(self, connection: AsyncConnection, driver: asyncpg.Connection, dialect: Dialect) -> None:
        super().__init__(True)
        self._connection = connection
        self._driver = driver
        self._dialect = dialect
        self.opened: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self.opened is None:
            self.opened = AsyncSession(bind=self._connection, expire_on_commit=False)
        return self.opened

    def _compiled(self, statement: Any, keys: tuple[str, ...] | None = None) -> _Compiled:
        return _compiled_for(statement, keys, self._dialect)

    @staticmethod
    def _keys(statement: Any, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...] | None:
        """INSERTs are compiled for the columns the rows give (all rows give the same ones)."""
        return tuple(rows[0]) if rows and getattr(statement, "is_insert", False) else None

    async def rows(self, statement: Any, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        compiled = self._compiled(statement, self._keys(statement, [params]))
        try:
            return cast(list[Mapping[str, Any]], await self._driver.fetch(compiled.sql, *compiled.arguments(params)))
        except DRIVER_ERRORS as exc:
            raise OperationalError(compiled.sql, None, exc) from exc

    async def many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        compiled = self._compiled(statement, self._keys(statement, rows))
        try:
            await self._driver.executemany(compiled.sql, [compiled.arguments(r) for r in rows])
        except DRIVER_ERRORS as exc:
            raise OperationalError(compiled.sql, None, exc) from exc

    async def _fetchmany(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        compiled = self._compiled(statement, self._keys(statement, rows))
        try:
            return list(await self._driver.fetchmany(compiled.sql, [compiled.arguments(r) for r in rows]))
        except DRIVER_ERRORS as exc:
            raise OperationalError(compiled.sql, None, exc) from exc

    async def inserted_ids(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        if not rows:
            return []
        return [int(r[0]) for r in await self._fetchmany(statement, rows)]

    async def claimed(self, statement: Insert, rows: Sequence[Mapping[str, Any]]) -> set[int]:
        if not rows:
            return set()
        return {int(r[0]) for r in await self._fetchmany(statement, rows)}


DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)
# A connection the server closed can also leave the protocol in a state it reports as an internal
# client error (seen when the server was restarted while the connection sat in the pool).
_BROKEN = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    OSError,
)
_COMPILED: dict[tuple[int, tuple[str, ...] | None], tuple[Any, _Compiled]] = {}


def _compiled_for(statement: Any, keys: tuple[str, ...] | None, dialect: Dialect) -> _Compiled:
    """Compiled once per statement (and set of INSERT columns); the statements live for the process."""
    key = (id(statement), keys)
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not statement:
        entry = (statement, _compile(statement, dialect, keys))
        _COMPILED[key] = entry
    return entry[1]


# The hot path's transactions use generic plans: its statements are the same thousands of times a
# minute, and PostgreSQL's default kept planning the batch's query about its senders for each
# execution (the array of senders makes every custom plan look cheaper than the generic one): about a
# millisecond of the server's CPU per batch, more than executing it. One round trip, as BEGIN alone.
BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"


class Lane:
    """One pooled connection kept by a long-lived task (a webhook worker, the inbox writer) for all its
    hot-path transactions, one at a time. Checking a connection out of SQLAlchemy's pool and back in
    for every transaction, through its greenlet bridge, cost more client CPU than the BEGIN and COMMIT
    round trips themselves (measured: bench/README.md). PostgreSQL only. A connection that broke, or
    whose state is unknown after an interruption, is given up; the next transaction takes a new one.
    Connections are renewed after `recycle` seconds, as the pool would."""

    def __init__(self, engine: AsyncEngine, recycle: float = POOL_RECYCLE) -> None:
        self._engine = engine
        self._recycle = recycle
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self._since = 0.0

    async def connection(self) -> tuple[AsyncConnection, asyncpg.Connection]:
        connection, driver = self._connection, self._driver
        if connection is not None and driver is not None:
            if not (connection.invalidated or driver.is_closed() or monotonic() - self._since > self._recycle):
                return connection, driver
            await self.close()
        connection = await self._engine.connect()
        try:
            connection, driver = await _on_driver(connection)
        except BaseException:
            await connection.close()
            raise
        self._connection, self._driver, self._since = connection, driver, monotonic()
        return connection, driver

    def suspect(self, driver: asyncpg.Connection) -> bool:
        """Whether a connection that saw an error must be given up rather than used again."""
        return (
            self._connection is None or self._connection.invalidated or driver.is_closed() or driver.is_in_transaction()
        )

    async def give_up(self) -> None:
        """Close the connection for good (the pool opens a new one in its place)."""
        connection, self._connection, self._driver = self._connection, None, None
        if connection is None:
            return
        with suppress(Exception):
            if not connection.invalidated:
                await connection.invalidate()
        with suppress(Exception):
            await connection.close()

    async def close(self) -> None:
        """Give the connection back to the pool."""
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            await connection.close()


@asynccontextmanager
async def transaction(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    *,
    one_statement: bool = False,
    lane: Lane | None = None,
) -> AsyncIterator[Tx]:
    """A hot-path transaction: committed when the block ends, rolled back when it raises.

    `one_statement`: the block runs a single statement, atomic by itself (asyncpg's `executemany`
    too: its rows go with one Sync, in one implicit transaction), so on PostgreSQL no BEGIN and
    COMMIT round trips are needed. `lane`: on PostgreSQL, the connection of the caller's `Lane`
    instead of one from the pool."""
    if engine.dialect.name != "postgresql":
        async with sessions() as session, session.begin():
            yield CoreTx(session, await session.connection(), postgres=False)
        return
    if lane is None:
        async with engine.connect() as pooled:
            connection, driver = await _on_driver(pooled)
            async with _driver_transaction(engine, connection, driver, one_statement) as tx:
                yield tx
        return
    connection, driver = await lane.connection()
    try:
        async with _driver_transaction(engine, connection, driver, one_statement) as tx:
            yield tx
    except Exception:
        if lane.suspect(driver):
            await lane.give_up()
        raise
    except BaseException:  # interrupted (cancelled): what the connection is in the middle of is unknown
        await lane.give_up()
        raise


async def _on_driver(connection: AsyncConnection) -> tuple[AsyncConnection, asyncpg.Connection]:
    """The connection set up for the driver's own transactions, and the driver connection: SQLAlchemy
    issues no BEGIN or COMMIT of its own on it, and an ORM session on it works inside the driver's."""
    connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection, cast(asyncpg.Connection, (await connection.get_raw_connection()).driver_connection)


@asynccontextmanager
async def _driver_transaction(
    engine: AsyncEngine, connection: AsyncConnection, driver: asyncpg.Connection, one_statement: bool
) -> AsyncIterator[PgTx]:
    began = False
    try:
        if not one_statement:
            await driver.execute(BEGIN)
            began = True
    except DRIVER_ERRORS as exc:
        # BEGIN may have gone through and the SET after it failed: the connection must not keep that
        # aborted transaction (the pool's reset does not know this one).
        if not driver.is_closed() and driver.is_in_transaction():
            with suppress(*DRIVER_ERRORS):
                await driver.execute("ROLLBACK")
        await _invalidate_if_broken(engine, connection, exc)
        raise OperationalError("BEGIN", None, exc) from exc
    tx = PgTx(connection, driver, engine.dialect)
    try:
        yield tx
        if began:
            if tx.opened is not None and unflushed(tx.opened):
                await tx.opened.flush()
            await driver.execute("COMMIT")
    except BaseException as exc:
        if began and not driver.is_closed() and driver.is_in_transaction():
            with suppress(*DRIVER_ERRORS):
                await driver.execute("ROLLBACK")
        await _invalidate_if_broken(engine, connection, exc)
        if isinstance(exc, DRIVER_ERRORS):
            raise OperationalError("COMMIT", None, exc) from exc
        raise
    finally:
        # A session that never talked to the database holds nothing: closing it would only cost a
        # trip through SQLAlchemy's greenlet bridge.
        if tx.opened is not None and (tx.opened.in_transaction() or unflushed(tx.opened)):
            await tx.opened.close()


def unflushed(session: AsyncSession) -> bool:
    """Whether the session holds changes to flush (a flush of nothing still costs a greenlet switch)."""
    return bool(session.new or session.dirty or session.deleted)


async def _invalidate_if_broken(engine: AsyncEngine, connection: AsyncConnection, exc: BaseException) -> None:
    """A broken connection usually means a restarted server: then the pooled ones are broken too, so
    the pool is replaced, as SQLAlchemy does when it sees a disconnect."""
    cause = exc.orig if isinstance(exc, OperationalError) else exc
    if isinstance(cause, _BROKEN):
        await connection.invalidate()
        await engine.dispose(close=False)


__all__ = [
    "STATE_FIELDS",
    "USER_FIELDS",
    "CoreTx",
    "Lane",
    "PgTx",
    "Statements",
    "Tx",
    "statements",
    "table",
    "transaction",
    "typed_by",
    "typed_since",
    "unflushed",
]

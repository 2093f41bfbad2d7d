"""Outgoing messages are rows first (transcript and outbox in one), sent after the transaction commits."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import (
    cast as cast_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from bot.db.engine import insert_ignoring_duplicates, single_statement
from bot.db.models import CASE_WAITING, Case, InboxUpdate, Message, SendPace, User, utcnow
from bot.db.queries import table
from bot.messages import Reply
from bot.render import Keyboard, Renderer

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_DELIVERY_ATTEMPTS = 5
# Which message goes first when the bot must wait (bot.outbox.claim): someone waiting for the answer
# to what they just wrote, then everything else, then timers' re-announced case cards.
PRIORITY_ANSWER, PRIORITY_OTHER, PRIORITY_BACKGROUND = 0, 1, 2


@dataclass(frozen=True)
class Outgoing:
    """A message stored in the outbox, ready to send. kind: text, copy (copyMessage of a user's
    media), card (a case card for the coaches' group) or edit (edit an earlier bot message)."""

    id: int
    chat_id: int
    text: str
    buttons: Keyboard
    kind: str = "text"
    case_id: int | None = None
    thread_id: int | None = None
    copy_from_chat_id: int | None = None
    ref_message_id: int | None = None  # the message to copy or to edit
    attempts: int = 0  # failed tries so far (the sender's backoff)


def to_outgoing(row: Mapping[Any, Any]) -> Outgoing:
    """A `messages` row (as the Outbox collects it or as selected from the table) as a message to send."""
    buttons: Any = row["buttons"] or []
    return Outgoing(
        row["id"],
        row["chat_id"],
        row["text"] or "",
        tuple(tuple((b[0], b[1]) for b in r) for r in buttons),
        row["kind"],
        row["case_id"],
        row["thread_id"],
        row["copy_from_chat_id"],
        row["copy_message_id"],
        row.get("attempts") or 0,
    )


def message_row(**values: Any) -> dict[str, Any]:
    """A `messages` row with every column set, so that many rows go in one INSERT."""
    row: dict[str, Any] = dict.fromkeys(_ROW_COLUMNS)
    row.update(created_at=utcnow(), attempts=0, priority=PRIORITY_OTHER)
    row.update(values)
    return row


_ROW_COLUMNS = [column.name for column in table(Message).c if not column.primary_key]


class Outbox:
    """Collects the transcript rows of one update (what came in, what goes out) inside its
    transaction and writes them with one INSERT."""

    def __init__(self, session: AsyncSession, renderer: Renderer, update_id: int | None) -> None:
        self._session = session
        self._renderer = renderer
        self._update_id = update_id
        self._pending: list[dict[str, Any]] = []
        self._out: list[dict[str, Any]] = []
        self._chat_id: int | None = None  # the chat of the update being answered

    def _add(self, user: User | None, **values: Any) -> None:
        row = message_row(direction="out", update_id=self._update_id, user_id=user.id if user else None, **values)
        self._pending.append(row)
        self._out.append(row)

    def incoming(self, **values: Any) -> None:
        """The user's message, for the transcript."""
        self._chat_id = values.get("chat_id", self._chat_id)
        self._pending.append(message_row(direction="in", **values))

    def _priority(self, row: Mapping[str, Any]) -> int:
        if self._chat_id is not None and row["chat_id"] == self._chat_id:  # someone just wrote there
            return PRIORITY_ANSWER
        if self._update_id is None and row["kind"] == "card":
            return PRIORITY_BACKGROUND
        return PRIORITY_OTHER

    def reply(
        self,
        user: User | None,
        chat_id: int,
        lang: str,
        reply: Reply,
        *,
        case_id: int | None = None,
        thread_id: int | None = None,
        kind: str = "text",
    ) -> None:
        for part in self._renderer.render(reply, lang):
            self._add(
                user,
                chat_id=chat_id,
                kind=kind,
                text=part.text,
                language=lang,
                buttons=_buttons(part.buttons),
                case_id=case_id,
                thread_id=thread_id,
            )

    def copy(
        self,
        user: User | None,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        case_id: int,
        thread_id: int | None = None,
    ) -> None:
        self._add(
            user,
            chat_id=chat_id,
            kind="copy",
            case_id=case_id,
            thread_id=thread_id,
            copy_from_chat_id=from_chat_id,
            copy_message_id=message_id,
        )

    def edit(self, chat_id: int, message_id: int, lang: str, reply: Reply, *, case_id: int) -> None:
        part = self._renderer.render(reply, lang)[0]
        self._add(
            None,
            chat_id=chat_id,
            kind="edit",
            text=part.text,
            language=lang,
            buttons=_buttons(part.buttons),
            case_id=case_id,
            copy_message_id=message_id,
        )

    def delete(self, chat_id: int, message_id: int) -> None:
        """Delete one of the bot's earlier messages (deleteMessage; Telegram allows it for 48 hours)."""
        self._add(None, chat_id=chat_id, kind="delete", copy_message_id=message_id)

    def document(self, user: User | None, chat_id: int, content: str, filename: str) -> None:
        """A text file (e.g. the /mydata JSON); `buttons` carries the file name."""
        self._add(user, chat_id=chat_id, kind="document", text=content, buttons=[[[filename, ""]]])

    def ephemeral(self, chat_id: int, lang: str, reply: Reply) -> None:
        """A message to someone whose data was just erased: kept only until it is delivered."""
        self.reply(None, chat_id, lang, reply, kind="ephemeral")

    async def write(self) -> None:
        """Flush the ORM's own changes (users and cases first: the rows refer to them), then insert
        the rows collected so far."""
        await self._session.flush()
        rows = self.take_rows()
        if rows:
            await _write_rows(self._session, rows)

    def take_rows(self) -> list[dict[str, Any]]:
        """The rows collected since the last write, for `write_together` (after the ORM's flush)."""
        rows = list(self._pending)
        self._pending.clear()
        for row in rows:
            if row["direction"] == "out":
                row["priority"] = self._priority(row)
        return rows

    async def flush(self) -> list[Outgoing]:
        await self.write()
        return self.outgoing()

    def written(self) -> list[dict[str, Any]]:
        """The outgoing rows written already (they have their ids)."""
        return [row for row in self._out if "id" in row]

    def outgoing(self) -> list[Outgoing]:
        """The messages to send; they need their ids, so call after `write`."""
        return [to_outgoing(r) for r in self._out]


def _buttons(keyboard: Keyboard) -> list[list[list[str]]] | None:
    """A keyboard as the `buttons` column's JSON (None: no buttons)."""
    return [[list(button) for button in row] for row in keyboard] or None


async def write_together(
    connection: AsyncConnection, outboxes: Sequence[Outbox], booking: Booking | None = None
) -> list[Claimed]:
    """Several turns' remaining rows in one INSERT (turns sharing a transaction: one round trip);
    each turn's session has flushed its own changes already. `booking`: the replies that may go now
    are claimed for this replica's sender by that INSERT (see `book_written`)."""
    written = [row for outbox in outboxes for row in outbox.written()]  # by a turn itself, earlier
    rows = [row for outbox in outboxes for row in outbox.take_rows()]
    if booking is None:
        if rows:
            await _write_rows(connection, rows)
        return []
    return await book_written(connection, rows, booking, written)


async def _write_rows(executor: AsyncSession | AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows; each gets its id (the messages to send need it)."""
    inserted = (await executor.execute(_insert_rows(), [dict(r) for r in rows])).scalars().all()
    for row, message_id in zip(rows, inserted, strict=True):
        row["id"] = message_id


@functools.cache
def _insert_rows() -> ReturningInsert[Any]:
    """Statements used on every update or claim are built once: building and keying them (for
    SQLAlchemy's compiled cache) cost the replica more CPU than executing them."""
    return insert(table(Message)).returning(table(Message).c.id, sort_by_parameter_order=True)


def _unsent() -> tuple[ColumnElement[bool], ...]:
    """Outgoing messages still to send: not delivered, not given up."""
    messages = table(Message)
    return (
        messages.c.direction == "out",
        messages.c.delivered_at.is_(None),
        messages.c.attempts < MAX_DELIVERY_ATTEMPTS,
    )


def _undelivered_query(*, settled: bool = False) -> Select[Any]:
    """Outgoing messages not delivered yet. `settled`: only those no inbox worker is still sending:
    a reply to an update of the inbox that is not processed yet belongs to the worker that leased the
    update (its turn's INSERT booked it for that replica's sender, `book_written`; should the worker
    die, the update's next worker sends what is undelivered)."""
    messages, inbox = table(Message), table(InboxUpdate)
    query = select(messages).where(*_unsent()).order_by(messages.c.id)
    if settled:
        in_flight = exists().where(inbox.c.update_id == messages.c.update_id, inbox.c.processed_at.is_(None))
        query = query.where(~in_flight)
    return query


async def undelivered_for_user(session: AsyncSession, user_id: int) -> list[Outgoing]:
    """A user's undelivered messages (to answer a redelivered update)."""
    query = _undelivered_query().where(table(Message).c.user_id == user_id)
    return [to_outgoing(r) for r in (await session.execute(query)).mappings()]


async def undelivered(session: AsyncSession, limit: int = 100) -> list[Outgoing]:
    """For the outbox drain: undelivered messages that nobody is sending (see `_undelivered_query`)."""
    query = _undelivered_query(settled=True).limit(limit)
    return [to_outgoing(r) for r in (await session.execute(query)).mappings()]


# Outbound pacing ------------------------------------------------------------------------------------
# Design: each claim (one transaction, any replica) records what the previous sends became, locks the
# bot-wide row of `send_pace` (so claims take turns: rows need no row locks), takes of each chat its
# oldest undelivered message, by priority, then the chat served longest ago, and books each a send
# time: a free bot-wide slot, no earlier than the chat's last send plus its interval.

BOT_ROW = 0  # send_pace's bot-wide row (no Telegram chat has id 0)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Pace:
    """Seconds between two messages: to one private chat, to one group, of the whole bot."""

    chat: float
    group: float
    bot: float

    @classmethod
    def of(cls, settings: Settings) -> Pace:
        return cls(
            1 / settings.send_per_chat_per_second,
            60 / settings.send_per_group_per_minute,
            1 / settings.send_per_bot_per_second,
        )

    def interval(self, chat_id: int) -> float:
        return self.group if chat_id < 0 else self.chat


def span(seconds: float) -> timedelta:
    """`seconds` rounded up to whole microseconds: 30 steps of 1/30 s must not fit in one second."""
    return timedelta(microseconds=math.ceil(seconds * 1_000_000))


@dataclass(frozen=True)
class Claimed:
    out: Outgoing
    send_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed message. retry: not before `not_before`, not counted as an attempt
    (Telegram's 429); failed: counted, tried again after `not_before`; given_up: never again."""

    out: Outgoing
    status: Literal["delivered", "retry", "failed", "given_up"]
    telegram_id: int | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class Claim:
    claimed: list[Claimed]
    next_at: datetime | None  # when a claim may find more to send (None: when something new arrives)
    settled: frozenset[int] = frozenset()  # of the watched messages: sent, given up, or not worth waiting for


async def _settled(connection: AsyncConnection, watch: Collection[int], now: datetime) -> frozenset[int]:
    """Watched messages nobody need wait for: delivered (or gone), given up, waiting for Telegram
    (a 429, a failed try), or to a group (paced to one a few seconds: a turn does not wait for it)."""
    if not watch:
        return frozenset()
    messages = table(Message)
    rows = await connection.execute(
        select(
            messages.c.id, messages.c.chat_id, messages.c.delivered_at, messages.c.attempts, messages.c.not_before
        ).where(messages.c.id.in_(list(watch)))
    )
    waiting = {
        r.id
        for r in rows
        if r.delivered_at is None
        and r.attempts < MAX_DELIVERY_ATTEMPTS
        and r.chat_id >= 0
        and (r.not_before is None or r.not_before <= now)
    }
    return frozenset(watch) - waiting


# Called in `record`'s transaction with the cases whose group card was just recorded but which are no
# longer waiting (claimed before Telegram answered): it queues an edit of each card (the sender's).
CardRefresh = Callable[[AsyncConnection, Sequence[int]], Awaitable[None]]


async def record(
    connection: AsyncConnection, outcomes: Sequence[Outcome], now: datetime, refresh: CardRefresh | None = None
) -> None:
    """Write the outcomes of sends (the claim's lease on each ends)."""
    messages, cases = table(Message), table(Case)
    oid = messages.c.id == bindparam("oid")
    delivered = [o for o in outcomes if o.status == "delivered" and o.out.kind != "ephemeral"]
    if delivered:
        marks = [{"oid": o.out.id, "tid": o.telegram_id, "now": now} for o in delivered]
        await connection.execute(_delivered_statement(), marks)
    gone = [o.out.id for o in outcomes if o.status == "delivered" and o.out.kind == "ephemeral"]
    if gone:  # a message to someone whose data was erased: kept only until delivered
        await connection.execute(delete(messages).where(messages.c.id.in_(gone)))
    cards = [o for o in delivered if o.out.kind == "card" and o.out.case_id is not None and o.telegram_id is not None]
    if cards:
        statement = (
            update(cases)
            .where(cases.c.id == bindparam("cid"))
            .values(group_chat_id=bindparam("gchat"), group_message_id=bindparam("gmid"))
        )
        await connection.execute(
            statement, [{"cid": o.out.case_id, "gchat": o.out.chat_id, "gmid": o.telegram_id} for o in cards]
        )
        # Read after the update: a claim holding the case's row has committed by now, and a claim
        # after it sees the message id and edits the card itself (no double edit).
        if refresh is not None:
            ids = [o.out.case_id for o in cards]
            taken = select(cases.c.id).where(cases.c.id.in_(ids), cases.c.status != CASE_WAITING).order_by(cases.c.id)
            stale = list((await connection.execute(taken)).scalars())
            if stale:
                await refresh(connection, stale)
    again = [o for o in outcomes if o.status in ("retry", "failed")]
    if again:
        counted = bindparam("counted", type_=messages.c.attempts.type)
        statement = (
            update(messages)
            .where(oid)
            .values(attempts=messages.c.attempts + counted, not_before=bindparam("nb"), claimed_until=None)
        )
        rows: list[dict[str, Any]] = [
            {"oid": o.out.id, "counted": int(o.status == "failed"), "nb": o.not_before} for o in again
        ]
        await connection.execute(statement, rows)
    dropped = [o.out.id for o in outcomes if o.status == "given_up"]
    if dropped:
        await connection.execute(
            update(messages)
            .where(messages.c.id.in_(dropped))
            .values(attempts=MAX_DELIVERY_ATTEMPTS, claimed_until=None)
        )


@functools.cache
def _delivered_statement() -> Update:
    messages = table(Message)
    return (
        update(messages)
        .where(messages.c.id == bindparam("oid"))
        .values(delivered_at=bindparam("now"), telegram_message_id=bindparam("tid"), attempts=messages.c.attempts + 1)
        .values(claimed_until=None)
    )


def _heads(now: datetime, end: datetime, pace: Pace, limit: int) -> tuple[Select[Any], dict[str, Any]]:
    """Of each chat its oldest undelivered message, if it is not claimed, due by `end`, and its chat
    may be sent to by `end`; by priority, then the chat served longest ago, then age."""
    parameters = {
        "now": now,
        "end": end,
        "chat_end": end - span(pace.chat),
        "group_end": end - span(pace.group),
        "limit": limit,
    }
    return _heads_statement(), parameters


@functools.cache
def _heads_statement() -> Select[Any]:
    messages, paced = table(Message), table(SendPace)
    at = messages.c.claimed_until.type
    now, end = bindparam("now", type_=at), bindparam("end", type_=at)
    oldest = select(func.min(messages.c.id)).where(*_unsent()).group_by(messages.c.chat_id)
    chat_free = or_(
        paced.c.last_at.is_(None),
        and_(messages.c.chat_id >= 0, paced.c.last_at <= bindparam("chat_end", type_=at)),
        and_(messages.c.chat_id < 0, paced.c.last_at <= bindparam("group_end", type_=at)),
    )
    return (
        select(messages, paced.c.last_at.label("paced_at"))
        .select_from(messages.outerjoin(paced, paced.c.chat_id == messages.c.chat_id))
        .where(
            messages.c.id.in_(oldest),
            or_(messages.c.claimed_until.is_(None), messages.c.claimed_until < now),
            or_(messages.c.not_before.is_(None), messages.c.not_before <= end),
            chat_free,
        )
        .order_by(messages.c.priority, paced.c.last_at.nulls_first(), messages.c.id)
        .limit(bindparam("limit", type_=Integer))
    )


async def _lock_bot_row(connection: AsyncConnection) -> datetime:
    """The bot-wide row, locked until the transaction ends (its first write: SQLite's one writer too)."""
    last = (await connection.execute(_lock_statement())).scalar()
    if last is None:
        insert_row = insert_ignoring_duplicates(connection.dialect.name, table(SendPace))
        await connection.execute(insert_row, [{"chat_id": BOT_ROW, "last_at": LONG_AGO}])
        last = (await connection.execute(_lock_statement())).scalar_one()
    return cast(datetime, last)


@functools.cache
def _lock_statement() -> ReturningUpdate[tuple[datetime]]:
    paced = table(SendPace)
    return update(paced).where(paced.c.chat_id == BOT_ROW).values(last_at=paced.c.last_at).returning(paced.c.last_at)


@functools.cache
def _upsert_pace(dialect: str) -> Any:
    paced = table(SendPace)
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(paced)
    return statement.on_conflict_do_update(
        index_elements=[paced.c.chat_id], set_={"last_at": statement.excluded.last_at}
    )


async def claim(
    engine: AsyncEngine,
    now: datetime,
    pace: Pace,
    outcomes: Sequence[Outcome] = (),
    *,
    horizon: float = 0.2,
    lease: float = 120.0,
    limit: int = 50,
    watch: Collection[int] = (),
    renew: Collection[int] = (),
    refresh: CardRefresh | None = None,
    expected: bool = False,
) -> Claim:
    """Record `outcomes`, then claim (one transaction; when nothing is to be booked, two statements
    without one) up to `limit` messages with send times from `now` to `now + horizon`, within every
    limit of `pace`, shared by all replicas; which of the `watch`ed messages (not claimed now) are
    settled (see `_settled`). `renew`: messages still being
    sent by this replica keep their claim for another `lease`; `refresh`: see `record`. `expected`:
    new messages were just stored (no need to look whether there is anything before the lock)."""
    end = now + timedelta(seconds=horizon)
    probe = not expected
    if probe and not renew and limit > 0 and all(_plain_delivery(o) for o in outcomes):
        # The usual claim after a send: the outcomes are one statement and most often nothing waits;
        # both without a transaction (on PostgreSQL two round trips fewer), the booking only if needed.
        async with single_statement(engine) as connection:
            await record(connection, outcomes, now)
            if not (await connection.execute(*_heads(now, end, pace, 1))).first():
                return Claim([], None, await _settled(connection, watch, now))
        outcomes, probe = (), False  # recorded; and there is something to book
    async with engine.begin() as connection:
        await record(connection, outcomes, now, refresh)
        if renew:
            messages = table(Message)
            await connection.execute(
                update(messages)
                .where(messages.c.id.in_(list(renew)), messages.c.delivered_at.is_(None))
                .values(claimed_until=now + timedelta(seconds=lease))
            )
        claimed: list[Claimed] = []
        next_at: datetime | None = None
        if limit > 0:
            claimed, next_at = await _book(connection, now, end, pace, lease, limit, probe=probe)
        taken = {c.out.id for c in claimed}  # in flight now: not settled
        settled = await _settled(connection, [m for m in watch if m not in taken], now)
    return Claim(sorted(claimed, key=lambda c: c.send_at), next_at, settled)


def _plain_delivery(outcome: Outcome) -> bool:
    """Recorded by one UPDATE (nothing to delete, no case card to note)."""
    return outcome.status == "delivered" and outcome.out.kind not in ("ephemeral", "card")


async def _book(
    connection: AsyncConnection, now: datetime, end: datetime, pace: Pace, lease: float, limit: int, *, probe: bool
) -> tuple[list[Claimed], datetime | None]:
    """`claim`'s booking: the messages claimed, with their send times, and when to look again.
    `probe`: look for anything to send before taking the lock (a write), when nothing new is known."""
    step = span(pace.bot)
    if probe and not (await connection.execute(*_heads(now, end, pace, 1))).first():
        return [], None  # nothing to send: no lock, no write
    bot_last = await _lock_bot_row(connection)
    first = max(now, bot_last + step)
    if first > end:
        return [], first
    slots = _slots(first, step, end, limit)
    rows = (await connection.execute(*_heads(now, end, pace, 4 * limit))).mappings().all()
    claimed: list[Claimed] = []
    later: list[datetime] = []
    for row in rows:
        ready = _ready(row, row["paced_at"], pace, now)
        slot = next((s for s in slots if s >= ready), None)
        if slot is None:  # its chat's turn comes after this claim's slots
            later.append(ready)
            continue
        slots.remove(slot)
        claimed.append(Claimed(to_outgoing(row), slot))
        if not slots:
            later.append(max(c.send_at for c in claimed) + step)
            break
    if claimed and slots and min(pace.chat, pace.group) < (end - now).total_seconds():
        # a chat's next message only when its interval fits in the horizon (never at Telegram's limits)
        claimed += await _followers(connection, claimed, slots, pace, now, end)
    await _lease_and_pace(connection, claimed, timedelta(seconds=lease))
    return claimed, min(later) if later else None


def _slots(first: datetime, step: timedelta, end: datetime, limit: int) -> list[datetime]:
    """Up to `limit` bot-wide send times from `first`, `step` apart, none after `end`."""
    return [first + step * n for n in range(min(limit, (end - first) // step + 1))]


def _ready(row: Mapping[Any, Any], previous: datetime | None, pace: Pace, now: datetime) -> datetime:
    """When a message may go: its chat's interval after `previous` (that chat's last send), and not
    before its own `not_before` (a 429, a failed try)."""
    ready = now if previous is None else max(now, previous + span(pace.interval(row["chat_id"])))
    return ready if row.get("not_before") is None else max(ready, row["not_before"])


async def _lease_and_pace(
    connection: AsyncConnection, claimed: Sequence[Claimed], lease: timedelta, only: Collection[int] | None = None
) -> None:
    """Lease the claimed rows (of `only`, when given: the others were claimed by their INSERT) until
    their send time plus `lease`, and move the pacing rows on (the chats' and the bot-wide one)."""
    leases = [{"oid": c.out.id, "until": c.send_at + lease} for c in claimed if only is None or c.out.id in only]
    if leases:
        await connection.execute(_claim_rows(), leases)
    if not claimed:
        return
    # no pacing row for what goes to someone whose data was just erased (it would keep their id)
    paced_now = [c for c in claimed if c.out.kind not in ("ephemeral", "delete")]
    last_in_chat = {c.out.chat_id: c.send_at for c in sorted(paced_now, key=lambda c: c.send_at)}
    paced_rows = [{"chat_id": chat, "last_at": at} for chat, at in last_in_chat.items()]
    paced_rows.append({"chat_id": BOT_ROW, "last_at": max(c.send_at for c in claimed)})
    await connection.execute(_upsert_pace(connection.dialect.name), paced_rows)


@functools.cache
def _claim_rows() -> Update:
    messages = table(Message)
    return update(messages).where(messages.c.id == bindparam("oid")).values(claimed_until=bindparam("until"))


async def _followers(
    connection: AsyncConnection, heads: list[Claimed], slots: list[datetime], pace: Pace, now: datetime, end: datetime
) -> list[Claimed]:
    """A claimed chat's next messages, when its pace allows them before `end` too (several parts
    of one answer, when the chat's interval is shorter than the horizon): booked in order."""
    messages = table(Message)
    rows = await connection.execute(
        select(messages)
        .where(
            messages.c.chat_id.in_([c.out.chat_id for c in heads]),
            *_unsent(),
            messages.c.id.not_in([c.out.id for c in heads]),
        )
        .order_by(messages.c.chat_id, messages.c.id)
        .limit(4 * len(slots) + len(heads))
    )
    last = {c.out.chat_id: c.send_at for c in heads}
    first = {c.out.chat_id: c.out.id for c in heads}
    stopped: set[int] = set()
    more: list[Claimed] = []
    for row in rows.mappings():
        chat = row["chat_id"]
        if chat in stopped or row["id"] < first[chat]:
            continue
        taken = row["claimed_until"] is not None and row["claimed_until"] >= now
        ready = _ready(row, last[chat], pace, now)
        slot = next((s for s in slots if s >= ready), None)
        if taken or slot is None or ready > end:
            stopped.add(chat)  # the rest of this chat waits: in order
            continue
        slots.remove(slot)
        last[chat] = slot
        more.append(Claimed(to_outgoing(row), slot))
    return more


@dataclass(frozen=True)
class Booking:
    """For `book_written`: the limits and the sender's horizon and lease (as `claim`); `now`: the
    time of the booking (by default the clock's when the rows are written)."""

    pace: Pace
    horizon: float = 0.2
    lease: float = 120.0
    now: datetime | None = None


async def book_written(
    connection: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    booking: Booking,
    written: Sequence[dict[str, Any]] = (),
) -> list[Claimed]:
    """Insert `message_row`s (each gets its id), the replies among them claimed for this replica's
    sender by the INSERT itself (no claim round trip after the commit), booked as `claim` books
    them; only when the bot-wide row is free right now (never waits for it: SKIP LOCKED) and only
    a chat's replies with nothing older to send. The rest is left to `claim`. Should this replica
    die, the claims run out like any other. `written`: outgoing rows this transaction wrote before
    (with their ids), booked first and claimed by an UPDATE. Three statements: what is known of
    the chats, the INSERT, the pacing rows."""
    out = [*sorted(written, key=lambda r: r["id"]), *(row for row in rows if row["direction"] == "out")]
    booked = await _plan(connection, out, booking) if out else []
    until = timedelta(seconds=booking.lease)
    for row, slot in booked:
        row["claimed_until"] = slot + until
    if rows:
        await _write_rows(connection, rows)
    claimed = [Claimed(to_outgoing(row), slot) for row, slot in booked]
    await _lease_and_pace(connection, claimed, until, only={r["id"] for r in written})
    return sorted(claimed, key=lambda c: c.send_at)


async def _plan(
    connection: AsyncConnection, out: Sequence[dict[str, Any]], booking: Booking
) -> list[tuple[dict[str, Any], datetime]]:
    """`book_written`'s send times, before the rows are written (in row order: their id order)."""
    chats = sorted({row["chat_id"] for row in out})
    known = (await connection.execute(_chats_statement(), {"chats": chats})).all()
    bot_last = next((r.last_at for r in known if r.part == _BOT), None)
    if bot_last is None:
        return []  # another claim holds the row (or it is not there yet): the sender's loop claims them
    # a chat waits for something older unless its oldest unsent message is the first of `out` (written before)
    oldest = {r.chat_id: r.oldest for r in known if r.part == _WAITING}
    firsts: dict[int, Any] = {}
    for row in out:
        firsts.setdefault(row["chat_id"], row.get("id"))
    waiting = {chat for chat, oldest_id in oldest.items() if firsts.get(chat) != oldest_id}
    paced_at = {r.chat_id: r.last_at for r in known if r.part == _PACED}
    now, pace = booking.now or utcnow(), booking.pace
    end = now + timedelta(seconds=booking.horizon)
    slots = _slots(max(now, bot_last + span(pace.bot)), span(pace.bot), end, len(out))
    booked: list[tuple[dict[str, Any], datetime]] = []
    last: dict[int, datetime] = {}
    stopped: set[int] = set()
    for row in out:
        chat = row["chat_id"]
        if chat in stopped or (chat not in last and chat in waiting):
            stopped.add(chat)  # something older of this chat waits (or is sent by another): in order
            continue
        ready = _ready(row, last.get(chat, paced_at.get(chat)), pace, now)
        slot = next((s for s in slots if s >= ready), None)
        if slot is None or ready > end:
            stopped.add(chat)
            continue
        slots.remove(slot)
        last[chat] = slot
        booked.append((row, slot))
    return booked


_BOT, _PACED, _WAITING = 0, 1, 2  # the parts of `_chats_statement`'s answer


@functools.cache
def _chats_statement() -> CompoundSelect[Any]:
    """For `_plan`, in one statement (parameter `chats`): the bot-wide row's last send, locked unless
    another transaction holds it (then no such row: nothing waits for it); each chat's last send;
    of the chats with something still to send, its oldest message."""
    messages, paced = table(Message), table(SendPace)
    at = paced.c.last_at
    chats: BindParameter[int] = bindparam("chats", expanding=True)
    bot = select(paced.c.chat_id, at).where(paced.c.chat_id == BOT_ROW).with_for_update(skip_locked=True).cte("bot")
    waiting = (
        select(
            messages.c.chat_id,
            null().label("last_at"),
            literal_column(str(_WAITING)).label("part"),
            func.min(messages.c.id).label("oldest"),
        )
        .where(messages.c.chat_id.in_(chats), *_unsent())
        .group_by(messages.c.chat_id)
    )
    none = cast_(null(), Integer).label("oldest")
    return union_all(
        select(bot.c.chat_id, bot.c.last_at, literal_column(str(_BOT)).label("part"), none),
        select(paced.c.chat_id, at, literal_column(str(_PACED)).label("part"), none).where(paced.c.chat_id.in_(chats)),
        waiting,
    )


async def forget_pace(engine: AsyncEngine, before: datetime) -> None:
    """Chats not sent to since `before` need no pacing row (no row: served long ago)."""
    paced = table(SendPace)
    async with engine.begin() as connection:
        await connection.execute(delete(paced).where(paced.c.chat_id != BOT_ROW, paced.c.last_at < before))

"""The way of one message, independent of Telegram: understand, resolve the sender and language, and
route it once (the table in `bot.routes`), persisting state, transcript, case changes and outgoing
messages in one transaction. The caller sends the returned messages and marks them delivered;
undelivered ones stay in the outbox for a retry."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Select, and_, bindparam, delete, func, select, union_all, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot import followup
from bot.callbacks import decode
from bot.db import inbox as inbox_table
from bot.db.models import (
    CASE_CLOSED,
    Case,
    CaseEvent,
    Coach,
    ConversationState,
    InboxUpdate,
    Intake,
    Message,
    User,
    utcnow,
)
from bot.db.queries import typed_since, user_of
from bot.handoff import queue, service
from bot.handoff.service import Sender, Turn
from bot.incoming import Incoming as Incoming  # re-exported: callers build updates from here
from bot.languages import resolve_language
from bot.nlu.types import NluResult
from bot.outbox import (
    MAX_DELIVERY_ATTEMPTS,
    Booking,
    Claimed,
    Outbox,
    Outcome,
    Outgoing,
    record,
    undelivered_for_user,
    write_together,
)
from bot.outbox import undelivered as _undelivered
from bot.render import Renderer
from bot.routes import ROUTES
from bot.routes.flood import SLOW_DOWN as SLOW_DOWN
from bot.routing import Ctx, dispatch
from bot.services import Services
from bot.translate import conversation as machine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    outgoing: list[Outgoing]
    language: str | None = None


@dataclass(frozen=True)
class _Known:
    """What a turn reads about its sender, in one round trip (each statement costs the replica CPU)."""

    user: User
    coach: Coach | None
    case: Case | None
    intake: Intake | None
    state: ConversationState | None
    typed_recently: int | None  # the flood rule's count; None: not asked (a button or command)


@functools.cache
def _senders_statement(count: int, counted: bool = True) -> Select[Any]:
    """Everything about `count` senders (parameters `tid0`…, and `since` when `counted`: the flood
    rule's count), each row led by the Telegram id it is about: user, coach, open case, intake,
    conversation state. Built once (building and keying it cost more CPU than running it)."""
    ids = [select(bindparam(f"tid{n}", type_=BigInteger).label("telegram_id")) for n in range(count)]
    me = (ids[0] if count == 1 else union_all(*ids)).subquery("me")
    columns: list[Any] = [me.c.telegram_id, User, Coach, Case, Intake, ConversationState]
    if counted:
        since = bindparam("since", type_=Message.created_at.type)
        columns.append(select(func.count()).where(*typed_since(User.id, since)).scalar_subquery())
    return (
        select(*columns)
        .select_from(me)
        .outerjoin(User, User.telegram_id == me.c.telegram_id)
        .outerjoin(Coach, Coach.telegram_id == me.c.telegram_id)
        .outerjoin(Case, and_(Case.user_id == User.id, Case.status != CASE_CLOSED))  # at most one
        .outerjoin(Intake, Intake.user_id == User.id)
        .outerjoin(ConversationState, ConversationState.user_id == User.id)
    )


async def _senders(
    session: AsyncSession,
    incomings: Sequence[Incoming],
    now: datetime,
    window: int,
    *,
    counted: bool = True,
    touch: bool = False,
) -> dict[int, _Known]:
    """`_sender` for several turns' senders in one SELECT (and the new ones in one INSERT), by
    Telegram id; for turns that share a session and run one after the other. `touch`: the known
    users too (else the caller does, see `_route`)."""
    tids = sorted({i.telegram_user_id for i in incomings})
    if not tids:
        return {}
    parameters: dict[str, Any] = {f"tid{n}": tid for n, tid in enumerate(tids)}
    if counted:
        parameters["since"] = now - timedelta(seconds=window)
    rows = (await session.execute(_senders_statement(len(tids), counted), parameters)).all()
    first = {i.telegram_user_id: i for i in reversed(incomings)}  # of each sender their first turn
    known: dict[int, _Known] = {}
    new: list[User] = []
    for row in rows:
        if row[1] is not None:
            if touch:
                touch_user(row[1], first[row[0]])
            known[row[0]] = _Known(row[1], row[2], row[3], row[4], row[5], row[6] if counted else None)
            continue
        user = User(telegram_id=row[0])  # new: nothing refers to them yet
        touch_user(user, first[row[0]])  # before the INSERT: no UPDATE after it
        new.append(user)
        known[row[0]] = _Known(user, row[2], None, None, None, 0 if counted else None)
    if new:
        session.add_all(new)
        await session.flush()
    return known


async def _sender(session: AsyncSession, incoming: Incoming, now: datetime, window: int) -> _Known:
    """The sender's user row (created on their first update), coach row, open case, intake, dialog
    state and, for typed messages, the flood rule's count: one SELECT, starting from the sender's
    Telegram id so that a coach who never wrote to the bot is found in it too."""
    counted = incoming.kind not in {"button", "command"}
    read = await _senders(session, [incoming], now, window, counted=counted, touch=True)
    return read[incoming.telegram_user_id]


def turn_language(incoming: Incoming, nlu: NluResult | None, user: User, default: str) -> str:
    return resolve_language(
        text=incoming.words if nlu is not None else None,
        chosen=user.chosen_language,
        last=user.last_language,
        telegram_code=incoming.telegram_language or user.telegram_language,
        default=default,
    )


def touch_user(user: User, incoming: Incoming) -> None:
    """What every update tells about its sender."""
    if incoming.first_name:
        user.first_name = incoming.first_name[:64]
    if incoming.telegram_language:
        user.telegram_language = incoming.telegram_language[:16]
    now = utcnow()
    seen = user.last_seen_at
    if seen is None or now - seen > LAST_SEEN_PRECISION:
        user.last_seen_at = now  # for the retention period; finer would cost a write on every message
    user.unreachable = False  # they wrote to us, so they can be reached again


LAST_SEEN_PRECISION = timedelta(minutes=10)


async def _claim_update(session: AsyncSession, update_id: int | None) -> bool:
    """Record the update id; False when it was processed before (a redelivery)."""
    if update_id is None:
        return True
    statement = inbox_table.processed_statement(session.get_bind().dialect.name)
    return (await session.scalar(statement, {"update_id": update_id, "processed_at": utcnow()})) is not None


async def _is_plain_newcomer_turn(services: Services, incoming: Incoming) -> bool:
    """Whether this update goes to the bot's own dialog (so the NLU is needed), read before the
    transaction so that a slow Rasa server never holds a database transaction open."""
    if incoming.in_group:
        return False
    async with services.sessions() as session:
        if await queue.coach_by_telegram_id(session, incoming.telegram_user_id) is not None:
            return False
        user_id = await session.scalar(select(User.id).where(User.telegram_id == incoming.telegram_user_id))
        return user_id is None or await queue.open_case_of(session, user_id) is None


DB_RETRIES = 6
DB_RETRY_DELAY = 0.5  # seconds, doubled per attempt up to 10 s


def _connection_problem(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def process_reliably(services: Services, incoming: Incoming) -> Result:
    """`process`, retried with backoff while the database is unreachable (e.g. PostgreSQL restarting):
    the transaction was rolled back, so a retry processes the update exactly once."""
    delay = DB_RETRY_DELAY
    for attempt in range(1, DB_RETRIES + 1):
        try:
            return await process(services, incoming)
        except Exception as exc:
            if not _connection_problem(exc) or attempt == DB_RETRIES:
                raise
            log.warning("database unreachable (%s): retrying the update in %.1f s", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")  # pragma: no cover


async def understand(services: Services, incoming: Incoming) -> NluResult | None:
    """The embedded classifier takes a tenth of a millisecond: just run it. A Rasa server is a network
    call: ask it only for messages the dialog will read, and outside the database transaction."""
    words = (incoming.words or "").strip()
    if words and (not services.settings.rasa_url or await _is_plain_newcomer_turn(services, incoming)):
        return await services.nlu.parse(incoming.words or "")
    return None


class _NotYet:
    """`process` without an `understand` result: it asks the NLU itself."""


NOT_YET = _NotYet()


async def process(
    services: Services,
    incoming: Incoming,
    bind: AsyncConnection | None = None,
    nlu: NluResult | _NotYet | None = NOT_YET,
    translation: machine.Prepared | _NotYet | None = NOT_YET,
) -> Result:
    """One turn in its own transaction, or — `bind` — in the caller's transaction on that connection;
    `nlu`, `translation`: `understand`'s and `machine.prepare`'s results when already known (both are
    network calls: never inside a batch)."""
    if isinstance(nlu, _NotYet):
        nlu = await understand(services, incoming)
    if isinstance(translation, _NotYet):
        translation = await machine.prepare(services, incoming)
    # A fresh session (fresh identity map) per turn; bound to the caller's connection, its commit
    # leaves that transaction to the caller and its rollback rolls the whole of it back.
    session = services.sessions() if bind is None else services.sessions(bind=bind)
    async with session, session.begin():
        fresh = await _claim_update(session, incoming.update_id)
        routed = await _route(services, session, incoming, nlu, translation, fresh=fresh)
        if isinstance(routed, Result):
            return routed
        outbox, language = routed
        await outbox.write()
        return Result(outbox.outgoing(), language=language)


async def process_together(
    services: Services,
    connection: AsyncConnection,
    incomings: Sequence[Incoming],
    understood: Sequence[NluResult | None],
    prepared: Sequence[machine.Prepared | None],
    booking: Booking | None = None,
) -> tuple[list[Result], list[Claimed]]:
    """Several chats' inbox updates' turns in the caller's transaction on `connection`, each routed
    once as in `process`, one after the other in one session; a storage detail only (each statement
    costs the replica CPU): their update ids are recorded as processed, in the inbox too, in one
    statement, their senders read in one SELECT, the rows the turns changed written by one flush
    and their transcript rows by one INSERT at the end, which with `booking` also claims the
    replies that may go now for this replica's sender (`bot.outbox.book_written`): returned with
    the results."""
    ids = [i.update_id for i in incomings if i.update_id is not None]
    fresh = await inbox_table.mark_processed(connection, ids, utcnow())
    settings = services.settings
    routed: list[Result | tuple[Outbox, str]] = []
    async with services.sessions(bind=connection) as session, session.begin():
        turns = [i for i in incomings if i.update_id is None or i.update_id in fresh]
        read = await _senders(session, turns, utcnow(), settings.rate_window_seconds)
        seen: set[int] = set()
        others = False  # a turn that may change another sender's rows (a coach's, a group's)
        for incoming, nlu, translation in zip(incomings, understood, prepared, strict=True):
            is_fresh = incoming.update_id is None or incoming.update_id in fresh
            known = read.get(incoming.telegram_user_id)
            if others or incoming.telegram_user_id in seen:
                known = None  # read again: an earlier turn may have changed what it holds
            turn = await _route(services, session, incoming, nlu, translation, fresh=is_fresh, known=known)
            seen.add(incoming.telegram_user_id)
            sender = read.get(incoming.telegram_user_id)
            others = others or incoming.in_group or sender is None or sender.coach is not None
            routed.append(turn)
        await session.flush()  # users and cases first: the rows refer to them
    claimed = await write_together(connection, [r[0] for r in routed if not isinstance(r, Result)], booking)
    return [r if isinstance(r, Result) else Result(r[0].outgoing(), language=r[1]) for r in routed], claimed


async def _route(
    services: Services,
    session: AsyncSession,
    incoming: Incoming,
    nlu: NluResult | None,
    translation: machine.Prepared | None,
    *,
    fresh: bool,
    known: _Known | None = None,
) -> Result | tuple[Outbox, str]:
    """The turn: a redelivery's result (what of it is unsent), or the outbox with the rows still
    to write and the language of the replies. `known`: the sender as read for several turns."""
    if not fresh:
        user = await user_of(session, incoming.telegram_user_id)
        touch_user(user, incoming)
        return Result(await undelivered_for_user(session, user.id))
    settings = services.settings
    now = utcnow()
    if known is None:
        known = await _sender(session, incoming, now, settings.rate_window_seconds)
    else:
        touch_user(known.user, incoming)
        if incoming.kind in {"button", "command"}:
            known = dataclasses.replace(known, typed_recently=None)  # as `_sender`: not asked
    user = known.user
    outbox = Outbox(session, Renderer(services.translator, services.flows), incoming.update_id)
    turn = Turn(session, outbox, settings, services.flows, now, translation)
    language = turn_language(incoming, nlu, user, settings.default_language)
    button = decode(incoming.data) if incoming.kind == "button" else None
    ctx = Ctx(services, incoming, turn, Sender(user, language, known.coach), nlu, button, language)
    ctx.known(known.case, known.intake, known.state, known.typed_recently)
    await dispatch(ctx, ROUTES)
    return outbox, ctx.language


# delivery bookkeeping ------------------------------------------------------------------------------
async def mark_delivered(services: Services, out: Outgoing, telegram_id: int | None) -> None:
    """Delivered (an ephemeral message forgotten, a case card's message id kept)."""
    async with services.engine.begin() as connection:
        await record(connection, [Outcome(out, "delivered", telegram_id)], utcnow())


async def mark_unreachable(services: Services, chat_id: int) -> None:
    """The user blocked the bot: remember it, note it on their open case, stop delivering to them."""
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == chat_id))
        if user is not None:
            user.unreachable = True
            case = await queue.open_case_of(session, user.id)
            if case is not None:
                session.add(CaseEvent(case_id=case.id, action="unreachable", detail="the newcomer blocked the bot"))
        await session.execute(
            update(Message)
            .where(Message.chat_id == chat_id, Message.direction == "out", Message.delivered_at.is_(None))
            .values(attempts=MAX_DELIVERY_ATTEMPTS)
        )


async def undelivered(services: Services, limit: int = 100) -> list[Outgoing]:
    async with services.sessions() as session:
        return await _undelivered(session, limit)


async def set_chosen_language(services: Services, telegram_user_id: int, lang: str | None) -> None:
    async with services.sessions() as session, session.begin():
        user = await user_of(session, telegram_user_id)
        user.chosen_language = lang
        user.last_language = lang


INBOX_KEEP = timedelta(minutes=10)


async def forget_processed_updates(services: Services) -> int:
    """Webhook updates hold the users' messages: drop them a while after they were processed (the
    transcript keeps what is needed; a redelivery after that is still recognised by its update id)."""
    async with services.sessions() as session, session.begin():
        result = await session.execute(delete(InboxUpdate).where(InboxUpdate.processed_at < utcnow() - INBOX_KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def run_timers(services: Services) -> list[Outgoing]:
    renderer = Renderer(services.translator, services.flows)
    async with services.sessions() as session, session.begin():
        outbox = Outbox(session, renderer, None)
        turn = Turn(session, outbox, services.settings, services.flows, utcnow())
        await service.run_timers(turn)
        await followup.run_due(turn)
        return await outbox.flush()

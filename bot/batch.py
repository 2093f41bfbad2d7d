"""Many updates of different chats in one transaction: the webhook workers' fast path.

Most updates are a newcomer talking to the bot's own dialog. Those of one batch share one query for
what is known about the senders (coaches among them, users, intakes, conversation states, open cases,
recent messages, the queue length), one INSERT for new users, one for the transcript and one
statement per kind of state change, written with SQLAlchemy Core: the dialog itself (`own_dialog`) is
the pipeline's. Anything else — coaches, the coaches' group, open cases, an intake in progress, data
rights, satisfaction or coach buttons, floods, redeliveries — is left to `pipeline.process`, one
update at a time, exactly as in polling mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.db.hot import STATE_FIELDS, USER_FIELDS, Tx, transaction
from bot.db.models import ConversationState, User, utcnow
from bot.handoff.service import Sender, Turn
from bot.intake import form
from bot.intake import store as intake_store
from bot.nlu.types import NluResult
from bot.outbox import Outbox
from bot.pipeline import (
    STAFF_COMMANDS,
    Incoming,
    Result,
    needs_nlu,
    own_dialog,
    touch_user,
    turn_language,
)
from bot.render import Renderer
from bot.safeguarding.respond import concerns as safeguarding_concerns
from bot.services import Services

# Buttons and commands that are handled outside the bot's own dialog.
SPECIAL_BUTTONS = ("c:", "s:", "del:", "in:")
SPECIAL_COMMANDS = frozenset({"mydata", "delete", *STAFF_COMMANDS})


@dataclass
class Known:
    """What the database knows about the senders of a batch."""

    coaches: set[int]  # Telegram ids
    users: dict[int, User]  # by Telegram id; not in the session: `_write_back` stores their changes
    open_cases: set[int]  # user ids
    intakes: dict[int, form.IntakeState]  # by user id
    recent: dict[int, int]  # user id -> typed messages in the flood window
    states: dict[int, ConversationState]  # by user id; not in the session either
    waiting: int  # cases in the queue


async def _known(tx: Tx, incomings: Sequence[Incoming], now: datetime, window: int) -> Known:
    """One query (two when a sender is a coach). Users and states come as objects that are not in
    the session: the batch writes their changes itself, with one statement each (`_write_back`)."""
    telegram_ids = sorted({i.telegram_user_id for i in incomings})
    rows = await tx.rows(tx.statements.known, {"ids": telegram_ids, "since": now - timedelta(seconds=window)})
    known = Known(set(), {}, set(), {}, {}, {}, int(rows[0]["waiting"]))
    if rows[0]["coaches"]:
        found = await tx.rows(tx.statements.coaches_among, {"ids": telegram_ids})
        known.coaches = {int(r["telegram_id"]) for r in found}
    for row in rows:
        user_id = row["id"]
        if user_id is None:
            continue
        user = User(id=user_id, telegram_id=row["telegram_id"], **{f: row[f] for f in USER_FIELDS})
        known.users[user.telegram_id] = user
        if row["intake_status"] is not None:
            known.intakes[user_id] = intake_store.state_of(
                row["intake_status"],
                row["intake_field"],
                row["intake_answers"],
                row["intake_editing"],
                row["intake_selected"],
            )
        if row["state_user_id"] is not None:
            known.states[user_id] = ConversationState(user_id=user_id, **{f: row[f] for f in STATE_FIELDS})
        if row["in_case"]:
            known.open_cases.add(user_id)
        known.recent[user_id] = int(row["recent"] or 0)
    return known


def _users_snapshot(user: User) -> tuple[Any, ...]:
    return tuple(getattr(user, f) for f in USER_FIELDS)


def _state_snapshot(state: ConversationState | None) -> tuple[Any, ...] | None:
    return None if state is None else tuple(getattr(state, f) for f in STATE_FIELDS)


async def _insert_users(tx: Tx, new_users: Sequence[User], now: datetime) -> None:
    """One INSERT for the batch's new users; their ids are set on the objects."""
    rows = [
        {"telegram_id": u.telegram_id, "created_at": now, **{f: getattr(u, f) for f in USER_FIELDS}} for u in new_users
    ]
    for user, user_id in zip(new_users, await tx.inserted_ids(tx.statements.insert_users, rows), strict=True):
        user.id = user_id


async def _write_back(
    tx: Tx,
    users: Sequence[tuple[User, tuple[Any, ...]]],
    states: Sequence[tuple[ConversationState, tuple[Any, ...] | None]],
    now: datetime,
) -> None:
    """What the dialogs changed about the users and their conversation states: one statement for
    the changed users, one for the new and changed states."""
    changed = [
        {"uid": u.id, **{f: getattr(u, f) for f in USER_FIELDS}} for u, before in users if _users_snapshot(u) != before
    ]
    await tx.many(tx.statements.update_users, changed)
    saved = [
        {"user_id": s.user_id, "pending": [], "updated_at": now, **{f: getattr(s, f) for f in STATE_FIELDS}}
        for s, before in states
        if before is None or _state_snapshot(s) != before
    ]
    await tx.many(tx.statements.save_states, saved)


def is_plain(incoming: Incoming, known: Known, rate_limit: int) -> bool:
    """Whether this update only concerns the bot's own dialog (see the module docstring)."""
    if incoming.in_group or incoming.update_id is None or incoming.telegram_user_id in known.coaches:
        return False
    if safeguarding_concerns(incoming.kind, incoming.text):
        return False  # answered by pipeline.process, with the help lines and an urgent case
    if incoming.kind == "command" and incoming.command in SPECIAL_COMMANDS:
        return False
    if incoming.kind == "button" and (incoming.text or "").startswith(SPECIAL_BUTTONS):
        return False
    user = known.users.get(incoming.telegram_user_id)
    if user is None:
        return True
    if user.id in known.open_cases:
        return False
    intake = known.intakes.get(user.id)
    if intake is not None and (form.is_active(intake) or intake.status == "asking"):
        return False
    typed = incoming.kind not in {"button", "command"}
    return not (typed and known.recent.get(user.id, 0) >= rate_limit)


def _plain_indices(incomings: Sequence[Incoming], known: Known, rate_limit: int) -> list[int]:
    seen: set[int] = set()
    plain: list[int] = []
    for index, incoming in enumerate(incomings):
        if incoming.telegram_user_id in seen:
            continue  # one turn per person per batch; a second one waits for `process`
        seen.add(incoming.telegram_user_id)
        if is_plain(incoming, known, rate_limit):
            plain.append(index)
    return plain


async def process_batch(services: Services, incomings: Sequence[Incoming]) -> list[Result | None]:
    """Results in the order of `incomings`; None for the updates to give to `pipeline.process`.

    Raises when the transaction fails; then nothing of the batch was stored and every update can be
    processed one by one."""
    if not incomings:
        return []
    settings = services.settings
    candidates = list(range(len(incomings)))
    if settings.rasa_url:
        # A Rasa server is a network call: ask it only about plain turns, outside the transaction.
        async with transaction(services.engine, services.sessions) as tx:
            known = await _known(tx, incomings, utcnow(), settings.rate_window_seconds)
        candidates = _plain_indices(incomings, known, settings.rate_limit)
    nlu = await _understand(services, incomings, candidates)
    async with transaction(services.engine, services.sessions) as tx:
        # Read again inside the transaction: what was true before the NLU call may have changed.
        return await _answer(tx, services, incomings, nlu, set(candidates))


async def process_batch_in(tx: Tx, services: Services, incomings: Sequence[Incoming]) -> list[Result | None]:
    """`process_batch` inside the caller's transaction (the webhook worker's, which leased the
    batch in it): only with the embedded NLU, so that no network call happens while it is open."""
    assert not services.settings.rasa_url, "with a Rasa server, use process_batch"
    if not incomings:
        return []
    candidates = list(range(len(incomings)))
    nlu = await _understand(services, incomings, candidates)
    return await _answer(tx, services, incomings, nlu, set(candidates))


async def _understand(services: Services, incomings: Sequence[Incoming], candidates: list[int]) -> dict[int, NluResult]:
    return {i: await services.nlu.parse(incomings[i].text or "") for i in candidates if needs_nlu(incomings[i])}


async def _answer(
    tx: Tx,
    services: Services,
    incomings: Sequence[Incoming],
    nlu: dict[int, NluResult],
    asked: set[int],
) -> list[Result | None]:
    settings = services.settings
    now = utcnow()
    session = tx.session
    results: list[Result | None] = [None] * len(incomings)
    known = await _known(tx, incomings, now, settings.rate_window_seconds)
    plain = [i for i in _plain_indices(incomings, known, settings.rate_limit) if i in asked]
    fresh = await tx.claimed(
        tx.statements.claim, [{"update_id": incomings[i].update_id, "processed_at": now} for i in plain]
    )
    plain = [i for i in plain if incomings[i].update_id in fresh]  # redeliveries: `process` answers them
    if not plain:
        return results
    # What each update tells about its sender, and the turn's language; new users are then stored
    # with all of it in one INSERT.
    senders: dict[int, tuple[User, str]] = {}
    new_users: list[User] = []
    for index in plain:
        incoming = incomings[index]
        known_user = known.users.get(incoming.telegram_user_id)
        user = known_user or User(telegram_id=incoming.telegram_user_id, unreachable=False)
        touch_user(user, incoming)
        language = turn_language(incoming, nlu.get(index), user, settings.default_language)
        if known_user is None:
            user.last_language = language
            new_users.append(user)
        senders[index] = (user, language)
    if new_users:
        await _insert_users(tx, new_users, now)
    users = [(user, _users_snapshot(user)) for user, _ in senders.values()]
    states: list[tuple[ConversationState, tuple[Any, ...] | None]] = []
    flows = services.flows
    renderer = Renderer(services.translator, flows)
    rows: list[dict[str, Any]] = []  # the transcript rows of the whole batch: one INSERT
    outboxes: dict[int, Outbox] = {}
    languages: dict[int, str] = {}
    for index in plain:
        incoming = incomings[index]
        user, language = senders[index]
        state = known.states.get(user.id)
        before = _state_snapshot(state)
        if state is None:
            state = ConversationState(user_id=user.id, low_confidence_streak=0)
        states.append((state, before))
        outbox = outboxes[index] = Outbox(session, renderer, incoming.update_id, rows, insert=tx.insert_messages)
        turn = Turn(session, outbox, settings, flows, now)
        languages[index] = await own_dialog(
            turn,
            Sender(user, language, None),
            incoming,
            nlu.get(index),
            known.intakes.get(user.id),
            state,
            known.waiting,
        )
    await _write_back(tx, users, states, now)
    await outbox.write()  # any of them writes the shared rows (and flushes what the session holds)
    for index, outbox in outboxes.items():
        results[index] = Result(outbox.outgoing(), language=languages[index])
    return results


__all__ = ["Known", "is_plain", "process_batch", "process_batch_in"]

"""Many updates of different chats in one transaction: the webhook workers' fast path.

Most updates are a newcomer talking to the bot's own dialog. Those of one batch share the reads
(who is a coach, the users, open cases, intakes, recent messages, conversation states, the queue
length) and one transaction with one flush. Anything else — coaches, the coaches' group, open cases,
an intake in progress, data rights, satisfaction or coach buttons, floods, redeliveries — is left to
`pipeline.process`, one update at a time, exactly as in polling mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CASE_CLOSED, Case, Coach, ConversationState, Intake, Message, User, utcnow
from bot.handoff import queue
from bot.handoff.service import Sender, Turn
from bot.intake import form
from bot.intake import store as intake_store
from bot.nlu.types import NluResult
from bot.outbox import Outbox
from bot.pipeline import (
    STAFF_COMMANDS,
    Incoming,
    Result,
    claim_updates,
    needs_nlu,
    own_dialog,
    touch_user,
    turn_language,
)
from bot.render import Renderer
from bot.services import Services

# Buttons and commands that are handled outside the bot's own dialog.
SPECIAL_BUTTONS = ("c:", "s:", "del:", "in:")
SPECIAL_COMMANDS = frozenset({"mydata", "delete", *STAFF_COMMANDS})


@dataclass
class Known:
    """What the database knows about the senders of a batch."""

    coaches: set[int]  # Telegram ids
    users: dict[int, User]  # by Telegram id
    open_cases: set[int]  # user ids
    intakes: dict[int, form.IntakeState]  # by user id
    recent: dict[int, int]  # user id -> typed messages in the flood window
    states: dict[int, ConversationState]  # by user id


async def _known(session: AsyncSession, incomings: Sequence[Incoming], now: datetime, window: int) -> Known:
    """Two queries: the coaches among the senders, and the users with all the rest."""
    telegram_ids = sorted({i.telegram_user_id for i in incomings})
    coaches = set(await session.scalars(select(Coach.telegram_id).where(Coach.telegram_id.in_(telegram_ids))))
    open_case = exists().where(Case.user_id == User.id, Case.status != CASE_CLOSED)
    recent = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.user_id == User.id,
            Message.direction == "in",
            Message.kind.not_in(["button", "command"]),
            Message.created_at > now - timedelta(seconds=window),
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(User, Intake, ConversationState, open_case, recent)
        .outerjoin(Intake, Intake.user_id == User.id)
        .outerjoin(ConversationState, ConversationState.user_id == User.id)
        .where(User.telegram_id.in_(telegram_ids))
    )
    known = Known(coaches, {}, set(), {}, {}, {})
    for user, intake, state, in_case, typed in rows.all():
        known.users[user.telegram_id] = user
        if intake is not None:
            known.intakes[user.id] = intake_store.to_state(intake)
        if state is not None:
            known.states[user.id] = state
        if in_case:
            known.open_cases.add(user.id)
        known.recent[user.id] = int(typed or 0)
    return known


def is_plain(incoming: Incoming, known: Known, rate_limit: int) -> bool:
    """Whether this update only concerns the bot's own dialog (see the module docstring)."""
    if incoming.in_group or incoming.update_id is None or incoming.telegram_user_id in known.coaches:
        return False
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
    settings = services.settings
    now = utcnow()
    results: list[Result | None] = [None] * len(incomings)
    candidates = list(range(len(incomings)))
    if settings.rasa_url:
        # A Rasa server is a network call: ask it only about plain turns, outside the transaction.
        async with services.sessions() as session:
            known = await _known(session, incomings, now, settings.rate_window_seconds)
        candidates = _plain_indices(incomings, known, settings.rate_limit)
    nlu: dict[int, NluResult] = {}
    for index in candidates:
        if needs_nlu(incomings[index]):
            nlu[index] = await services.nlu.parse(incomings[index].text or "")
    flows = services.flows
    renderer = Renderer(services.translator, flows)
    async with services.sessions() as session, session.begin():
        # Read again inside the transaction: what was true before the NLU call may have changed.
        known = await _known(session, incomings, now, settings.rate_window_seconds)
        asked = set(candidates)
        plain = [i for i in _plain_indices(incomings, known, settings.rate_limit) if i in asked]
        fresh = await claim_updates(session, [incomings[i].update_id or 0 for i in plain])
        plain = [i for i in plain if incomings[i].update_id in fresh]  # redeliveries: `process` answers them
        if not plain:
            return results
        new_users = [
            User(telegram_id=incomings[i].telegram_user_id)
            for i in plain
            if incomings[i].telegram_user_id not in known.users
        ]
        if new_users:
            session.add_all(new_users)
            await session.flush()
            known.users.update({u.telegram_id: u for u in new_users})
        waiting = await queue.waiting_count(session)
        rows: list[dict[str, Any]] = []  # the transcript rows of the whole batch: one INSERT
        outboxes: dict[int, Outbox] = {}
        languages: dict[int, str] = {}
        for index in plain:
            incoming = incomings[index]
            user = known.users[incoming.telegram_user_id]
            touch_user(user, incoming)
            language = turn_language(incoming, nlu.get(index), user, settings.default_language)
            outbox = outboxes[index] = Outbox(session, renderer, incoming.update_id, rows)
            turn = Turn(session, outbox, settings, flows, now)
            languages[index] = await own_dialog(
                turn,
                Sender(user, language, None),
                incoming,
                nlu.get(index),
                known.intakes.get(user.id),
                known.states.get(user.id),
                waiting,
            )
        await outbox.write()  # any of them writes the shared rows
        await session.flush()
        for index, outbox in outboxes.items():
            results[index] = Result(outbox.outgoing(), language=languages[index])
    return results


__all__ = ["Known", "is_plain", "process_batch"]

"""The newcomer's data rights: see everything stored (/mydata), erase it (/delete), and the
retention purge (`werkhelpdesk privacy purge`)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from bot.db.engine import vacuum
from bot.db.models import (
    CASE_CLOSED,
    CachedTranslation,
    Case,
    CaseEvent,
    CaseView,
    Coach,
    ConversationState,
    InboxUpdate,
    Intake,
    Message,
    SendPace,
    TranslationDraft,
    UnansweredQuestion,
    User,
    WorkFollowup,
    utcnow,
)
from bot.handoff import queue
from bot.translate.cache import erase_translations, export_translations

log = logging.getLogger(__name__)
# The tables an erasure deletes from or rewrites: what `scrub` cleans up after.
ERASED_TABLES: tuple[Any, ...] = (
    Message,
    CaseEvent,
    Case,
    UnansweredQuestion,
    Intake,
    ConversationState,
    InboxUpdate,
    User,
    WorkFollowup,
    CachedTranslation,  # machine translation (issue 26): the cache and the coaches' translated replies
    TranslationDraft,
)
_SCRUBS: set[asyncio.Task[None]] = set()  # running scrubs (a task nobody refers to may be collected)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _transcript_entry(m: Message) -> dict[str, Any]:
    entry = {"at": _iso(m.created_at), "from": "you" if m.direction == "in" else "werkhelpdesk", "kind": m.kind}
    if m.direction == "out" and m.kind == "document":
        # A file the bot sent (an earlier export) by its name: its content in this export would
        # nest every earlier export, and the file would double at each /mydata.
        return {**entry, "text": None, "file": (m.buttons or [[[None]]])[0][0][0]}
    return {**entry, "text": m.text}


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything stored about the user, as a JSON-ready document."""
    state = await session.get(ConversationState, user.id)
    intake = await session.get(Intake, user.id)
    cases = list(await session.scalars(select(Case).where(Case.user_id == user.id).order_by(Case.id)))
    messages = list(await session.scalars(select(Message).where(Message.user_id == user.id).order_by(Message.id)))
    unanswered = list(await session.scalars(select(UnansweredQuestion).where(UnansweredQuestion.user_id == user.id)))
    followups = list(
        await session.scalars(select(WorkFollowup).where(WorkFollowup.user_id == user.id).order_by(WorkFollowup.id))
    )
    views = list(
        await session.scalars(select(CaseView).where(CaseView.case_id.in_([c.id for c in cases])).order_by(CaseView.id))
    )
    return {
        "profile": {
            "telegram_id": user.telegram_id,
            "first_name": user.first_name,
            "chosen_language": user.chosen_language,
            "language": user.last_language,
            "telegram_language": user.telegram_language,
            "first_seen": _iso(user.created_at),
            "last_seen": _iso(user.last_seen_at),
        },
        "conversation": {"flow": state.flow, "node": state.node} if state else None,
        "intake": {
            "status": intake.status,
            "answers": intake.answers,
            "consent_given": _iso(intake.consent_at),
            "submitted": _iso(intake.submitted_at),
        }
        if intake
        else None,
        "cases": [
            {
                "id": c.id,
                "status": c.status,
                "topic": c.topic,
                "opened": _iso(c.created_at),
                "closed": _iso(c.closed_at),
                "outcome": c.outcome,
                "satisfaction": c.satisfaction,
                "priority": c.priority,
                "safeguarding": c.safeguarding,
            }
            for c in cases
        ],
        # the coach console's access log: who opened the case or its files, and when
        "case_views": [{"case": v.case_id, "coach": v.coach_name, "what": v.what, "at": _iso(v.at)} for v in views],
        "unanswered_questions": [{"text": u.text, "at": _iso(u.created_at)} for u in unanswered],
        # the later question "did you find work?" the newcomer agreed to, and their answers
        "work_outcomes": [
            {
                "months_after_intake": f.months,
                "due": _iso(f.due_at),
                "asked": _iso(f.sent_at),
                "answer": f.answer,
                "answered": _iso(f.answered_at),
                "stopped": _iso(f.stopped_at),
            }
            for f in followups
        ],
        # machine translation (issue 26): cached translations and the coaches' translated replies
        "machine_translations": await export_translations(session, user.id),
        "transcript": [_transcript_entry(m) for m in messages],
    }


def export_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class Erased:
    messages: int
    cases_anonymised: int


async def erase(session: AsyncSession, user: User) -> Erased:
    """Erase the user's personal data: profile, conversation, intake, transcript, unanswered
    questions and what their cases contain. Cases stay as anonymous rows (status, language, topic,
    outcome, times) for reporting; an open case is closed with a note for its coach."""
    cases = list(await session.scalars(select(Case).where(Case.user_id == user.id)))
    for case in cases:
        if case.status != CASE_CLOSED:
            await queue.close(session, case, "erased")
        case.group_message_id = None
    case_ids = [c.id for c in cases]
    # Relays and cards about the case hold the newcomer's name and words; then the newcomer's own messages.
    removed = await _deleted(session, Message.case_id.in_(case_ids)) if case_ids else 0
    removed += await _deleted(session, (Message.user_id == user.id) | (Message.chat_id == user.telegram_id))
    if case_ids:
        await session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).values(detail=None))
        await session.execute(delete(CaseView).where(CaseView.case_id.in_(case_ids)))  # the access log
        session.add_all(
            CaseEvent(case_id=cid, action="erased", detail="the newcomer's data was erased on request")
            for cid in case_ids
        )
        await session.execute(update(Case).where(Case.id.in_(case_ids)).values(user_id=None, safeguarding=None))
    await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.user_id == user.id))
    await session.execute(delete(Intake).where(Intake.user_id == user.id))
    await session.execute(delete(WorkFollowup).where(WorkFollowup.user_id == user.id))
    await session.execute(delete(ConversationState).where(ConversationState.user_id == user.id))
    await erase_translations(session, user.id)
    # Webhook updates already processed (the one asking for erasure goes with the periodic clean-up).
    await session.execute(
        delete(InboxUpdate).where(InboxUpdate.chat_id == user.telegram_id, InboxUpdate.processed_at.is_not(None))
    )
    await session.execute(delete(SendPace).where(SendPace.chat_id == user.telegram_id))  # when we last wrote to them
    await session.delete(user)
    await session.flush()
    _scrub_after_commit(session)
    return Erased(removed, len(case_ids))


async def _deleted(session: AsyncSession, where: ColumnElement[bool]) -> int:
    """Delete the messages `where` holds; how many there were."""
    return (await session.execute(delete(Message).where(where))).rowcount or 0  # type: ignore[attr-defined]


async def scrub(engine: AsyncEngine, *, vacuum_postgres: bool = False) -> None:
    """After an erasure commits, make the erased bytes unreadable where the bot can: SQLite checkpoints and truncates
    its WAL; with `vacuum_postgres` (the retention purge) PostgreSQL VACUUMs now (docs/reliability.md)."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            for _ in range(50):  # a reader still in the old snapshot makes the checkpoint wait: retry
                row = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()
                if row is not None and row[0] == 0:
                    return
                await asyncio.sleep(0.1)
        log.warning("the write-ahead log could not be truncated after an erasure; the next checkpoint will")
        return
    if vacuum_postgres:
        for model in ERASED_TABLES:
            await vacuum(engine, model.__table__)


def _scrub_after_commit(session: AsyncSession) -> None:
    """Schedule `scrub` for when this session's transaction commits (the pipeline commits the erasure
    with the rest of the turn; a rollback leaves nothing to scrub)."""
    bind = session.bind
    engine = bind if isinstance(bind, AsyncEngine) else bind.engine if isinstance(bind, AsyncConnection) else None
    if engine is None or engine.dialect.name != "sqlite":
        return
    session.info["scrub"] = True
    if session.info.get("scrub_listening"):
        return
    session.info["scrub_listening"] = True

    def committed(_session: Session) -> None:
        if session.info.pop("scrub", False):
            task = asyncio.get_running_loop().create_task(scrub(engine))
            _SCRUBS.add(task)
            task.add_done_callback(_SCRUBS.discard)

    def rolled_back(_session: Session, _transaction: object) -> None:
        session.info.pop("scrub", None)

    event.listen(session.sync_session, "after_commit", committed)
    event.listen(session.sync_session, "after_soft_rollback", rolled_back)


async def scrubs_done() -> None:
    """Wait for the scrubs scheduled so far (tests; a clean shutdown)."""
    if _SCRUBS:
        await asyncio.gather(*list(_SCRUBS), return_exceptions=True)


@dataclass(frozen=True)
class PurgeReport:
    users: int
    messages: int
    cases_anonymised: int


async def purge_inactive(
    session: AsyncSession,
    *,
    inactive_for: timedelta,
    now: datetime | None = None,
    erase_user: Callable[[User], Awaitable[Erased]] | None = None,
) -> PurgeReport:
    """Erase newcomers inactive for longer than `inactive_for` (with `erase_user`, which also retracts
    what coaches received: bot.handoff.service.erase_newcomer). Safe to run from cron: running it again
    finds nothing more to do."""
    cutoff = (now or utcnow()) - inactive_for
    coach_ids = select(Coach.telegram_id)
    users = list(
        await session.scalars(select(User).where(User.last_seen_at < cutoff, User.telegram_id.not_in(coach_ids)))
    )
    messages = cases = 0
    for user in users:
        erased = await (erase_user(user) if erase_user else erase(session, user))
        messages += erased.messages
        cases += erased.cases_anonymised
    return PurgeReport(len(users), messages, cases)

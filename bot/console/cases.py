"""What the console shows and does. Every action goes through the same services as the Telegram
commands (bot.handoff.service), inside one transaction whose outgoing messages wait in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_WAITING,
    PRIORITY_URGENT,
    CannedReply,
    Case,
    CaseEvent,
    CaseView,
    Coach,
    Intake,
    Message,
    User,
)
from bot.handoff.service import Turn

VIEWS = ("waiting", "mine", "open", "closed")
MEDIA_KINDS = frozenset({"photo", "voice", "video", "document", "audio", "video_note", "sticker", "animation"})
TRANSCRIPT_LIMIT = 300
QUEUE_LIMIT = 200


def is_urgent(case: Case) -> bool:
    return case.priority == PRIORITY_URGENT


@dataclass(frozen=True)
class QueueFilter:
    view: str = "waiting"
    language: str = ""
    topic: str = ""
    urgent: bool = False
    waited_minutes: int = 0  # only cases waiting at least this long


@dataclass(frozen=True)
class QueueRow:
    case: Case
    name: str
    coach: str | None
    waited_minutes: int
    urgent: bool


def _view_clause(view: str, coach: Coach) -> list[ColumnElement[bool]]:
    if view == "mine":
        return [Case.coach_id == coach.id, Case.status == CASE_CLAIMED]
    if view == "open":
        return [Case.status != CASE_CLOSED]
    if view == "closed":
        return [Case.status == CASE_CLOSED]
    return [Case.status == CASE_WAITING]


async def counts(session: AsyncSession, coach: Coach) -> dict[str, int]:
    rows = await session.execute(select(Case.status, Case.coach_id, func.count()).group_by(Case.status, Case.coach_id))
    out = dict.fromkeys(VIEWS, 0)
    for status, coach_id, number in rows:
        mine = coach_id == coach.id
        if status == CASE_WAITING:
            out["waiting"] += number
        if status != CASE_CLOSED:
            out["open"] += number
        if status == CASE_CLAIMED and mine:
            out["mine"] += number
        if status == CASE_CLOSED:
            out["closed"] += number
    return out


async def queue(session: AsyncSession, coach: Coach, wanted: QueueFilter, now: datetime) -> list[QueueRow]:
    query = select(Case, User.first_name, Coach.name).outerjoin(User, User.id == Case.user_id)
    query = query.outerjoin(Coach, Coach.id == Case.coach_id).where(*_view_clause(wanted.view, coach))
    if wanted.language:
        query = query.where(Case.language == wanted.language)
    if wanted.topic:
        query = query.where(Case.topic == wanted.topic)
    if wanted.waited_minutes > 0:
        query = query.where(Case.created_at <= now - timedelta(minutes=wanted.waited_minutes))
    urgent = Case.priority == PRIORITY_URGENT
    if wanted.urgent:
        query = query.where(urgent)
    query = query.order_by(urgent.desc())
    newest_first = wanted.view == "closed"
    query = query.order_by(Case.created_at.desc() if newest_first else Case.created_at, Case.id).limit(QUEUE_LIMIT)
    rows = []
    for case, name, coach_name in await session.execute(query):
        waited = int((now - case.created_at).total_seconds() // 60)
        rows.append(QueueRow(case, name or "?", coach_name, waited, is_urgent(case)))
    return rows


async def topics(session: AsyncSession) -> list[str]:
    return [
        t
        for t in await session.scalars(
            select(Case.topic).where(Case.topic.is_not(None)).distinct().order_by(Case.topic)
        )
        if t
    ]


@dataclass(frozen=True)
class Line:
    """One message of the transcript as the coach sees it."""

    id: int
    who: str  # newcomer, bot, coach
    kind: str
    text: str | None
    at: datetime
    media: bool
    # machine translation (bot.web.console_translate fills these in)
    translation: str | None = None  # a newcomer's words in the coach's language
    translation_missing: bool = False  # wanted, but the provider did not answer
    original: str | None = None  # a translated reply: the coach's own words


@dataclass
class CaseView_:
    case: Case
    newcomer: User | None
    coach: Coach | None
    lines: list[Line]
    intake: dict[str, Any] | None
    events: list[tuple[CaseEvent, str | None]]
    notes: list[tuple[CaseEvent, str | None]] = field(default_factory=list)
    coaches: list[Coach] = field(default_factory=list)  # all of them, by name (the transfer list)
    newest: int = 0  # the newest message id read, buttons included: the page polls for newer ones


async def transcript(session: AsyncSession, newcomer: User, names: list[str]) -> tuple[list[Line], int]:
    """The newcomer's chat with the bot and the coaches (not the copies relayed to coaches), and the
    newest message id in it. `names`: of all coaches (their replies start with the name)."""
    query = (
        select(Message.id, Message.direction, Message.kind, Message.text, Message.created_at, Message.case_id)
        .where(Message.user_id == newcomer.id, Message.chat_id == newcomer.telegram_id)
        .order_by(Message.id.desc())
        .limit(TRANSCRIPT_LIMIT)
    )
    rows = (await session.execute(query)).all()  # columns, not ORM objects: a page has up to 300
    prefixes = tuple(f"{n}: " for n in names)
    lines = []
    for id_, direction, kind, text, at, case_id in reversed(rows):
        if kind == "button":
            continue  # callback data, meaningless to a coach (the bot's answer follows anyway)
        if direction == "in":
            who = "newcomer"
        elif kind == "copy" or (case_id is not None and (text or "").startswith(prefixes)):
            who = "coach"
        else:
            who = "bot"
        lines.append(Line(id_, who, kind, text, at, kind in MEDIA_KINDS))
    return lines, rows[0][0] if rows else 0


def newest_message() -> ScalarSelect[int | None]:
    """The id of the newest message of a newcomer's chat, buttons included (what the transcript
    reads from), for the `User` of the enclosing query."""
    return (
        select(func.max(Message.id))
        .where(Message.user_id == User.id, Message.chat_id == User.telegram_id)
        .scalar_subquery()
    )


async def last_message_id(session: AsyncSession, case: Case) -> int:
    if case.user_id is None:
        return 0
    return await session.scalar(select(newest_message()).where(User.id == case.user_id)) or 0


async def case_view(session: AsyncSession, case_id: int) -> CaseView_ | None:
    """Everything the case page shows, in four queries (the case with its newcomer and intake, the
    coaches, the events, the transcript); None for an unknown case."""
    found = (
        await session.execute(
            select(Case, User, Intake)
            .outerjoin(User, User.id == Case.user_id)
            .outerjoin(Intake, Intake.user_id == User.id)
            .where(Case.id == case_id)
        )
    ).first()
    if found is None:
        return None
    case, newcomer, intake = found
    coaches = list(await session.scalars(select(Coach).order_by(Coach.name)))
    by_id = {c.id: c for c in coaches}
    events = [
        (e, by_id[e.coach_id].name if e.coach_id in by_id else None)
        for e in await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    ]
    lines, newest = await transcript(session, newcomer, [c.name for c in coaches]) if newcomer else ([], 0)
    return CaseView_(
        case,
        newcomer,
        by_id.get(case.coach_id) if case.coach_id else None,
        lines,
        dict(intake.answers) if intake and intake.answers else None,
        [(e, n) for e, n in events if e.action != "note"],
        [(e, n) for e, n in events if e.action == "note"],
        coaches,
        newest,
    )


async def record_view(session: AsyncSession, case: Case, coach: Coach, what: str) -> None:
    """The access log the newcomer sees in /mydata (an INSERT of its own: no unit of work to flush)."""
    await session.execute(insert(CaseView).values(case_id=case.id, coach_id=coach.id, coach_name=coach.name, what=what))


async def file_id_of(session: AsyncSession, message: Message) -> str | None:
    """The Telegram file of a newcomer's media message, stored with it."""
    return message.file_id


# actions -------------------------------------------------------------------------------------------
class Refused(Exception):
    """The action is not possible (any more): the message id says why."""

    def __init__(self, reason: str, **params: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def must_be_mine(case: Case, coach: Coach) -> None:
    if case.status != CASE_CLAIMED or case.coach_id != coach.id:
        raise Refused("not_yours")


async def claim(turn: Turn, coach: Coach, case_id: int) -> Case:
    """The same claim as the Telegram button; a second coach learns who was first."""
    from bot.handoff import service

    user = await service.coach_user(turn.session, coach)
    lang = service.coach_language(coach, user)
    case = await service.claim(turn, coach, user, lang, case_id)
    if case is None:
        existing = await turn.session.get(Case, case_id)
        taken_by = await turn.session.get(Coach, existing.coach_id) if existing and existing.coach_id else None
        if taken_by is not None:
            raise Refused("taken", name=taken_by.name)
        if existing is not None and existing.status == CASE_WAITING:
            raise Refused("mt_wait")  # machine translation on: it waits for a coach who speaks its language
        raise Refused("gone")
    return case


async def reply(turn: Turn, coach: Coach, case: Case, text: str) -> None:
    """The coach's answer to the newcomer through the outbox, as a Telegram reply would go."""
    from bot.handoff import queue as handoff_queue
    from bot.handoff import service

    must_be_mine(case, coach)
    newcomer, lang = await service.newcomer_of(turn, case)
    await handoff_queue.touch(turn.session, case)
    service.relay_text(turn, coach, case, newcomer, lang, text)


async def reply_file(turn: Turn, coach: Coach, case: Case, message_id: int) -> None:
    """A file the coach attached, already in their own chat with the bot (`message_id`), copied to the
    newcomer through the outbox: the way a file a coach sends in Telegram goes."""
    from bot.handoff import queue as handoff_queue
    from bot.handoff import service

    must_be_mine(case, coach)
    newcomer, _lang = await service.newcomer_of(turn, case)
    await handoff_queue.touch(turn.session, case)
    turn.outbox.copy(newcomer, newcomer.telegram_id, coach.telegram_id, message_id, case_id=case.id)
    service.mark_replied(turn, case)


async def canned_replies(session: AsyncSession) -> list[CannedReply]:
    return list(await session.scalars(select(CannedReply).order_by(CannedReply.title)))

"""What the console shows and does. Every action goes through the same services as the Telegram
commands (bot.handoff.service), inside one transaction whose outgoing messages wait in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    String,
    Subquery,
    bindparam,
    func,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.console.json_rows import json_rows, timestamp
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
    utcnow,
)
from bot.handoff import queue as handoff_queue
from bot.handoff import service
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
        out["closed" if status == CASE_CLOSED else "open"] += number
        if status == CASE_WAITING:
            out["waiting"] += number
        if status == CASE_CLAIMED and coach_id == coach.id:
            out["mine"] += number
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


class Named(NamedTuple):
    """A coach as a case page lists them (the transfer list, the case's coach)."""

    id: int
    name: str


class Event(NamedTuple):
    """One entry of a case's history or notes, with the name of the coach who made it."""

    at: datetime
    action: str
    detail: str | None
    name: str | None


class Titled(NamedTuple):
    id: int
    title: str


@dataclass
class CaseView_:
    case: Case
    newcomer: User | None
    coach: Named | None
    lines: list[Line]
    intake: dict[str, Any] | None
    events: list[Event]
    notes: list[Event] = field(default_factory=list)
    coaches: list[Named] = field(default_factory=list)  # all of them, by name (the transfer list)
    newest: int = 0  # the newest message id read, buttons included: the page polls for newer ones
    canned: list[Titled] = field(default_factory=list)  # the canned replies' titles


# The case page in one SELECT (built once): the case, its newcomer and intake as columns, and each
# list as a JSON array (bot/console/json_rows.py). The lists are sorted here after reading.
_CASE_COLUMNS = [a.key for a in inspect(Case).column_attrs]
_USER_COLUMNS = [a.key for a in inspect(User).column_attrs]
_CASE_ID = bindparam("case_id", type_=Integer)
_newest_lines = (
    select(Message.id, Message.direction, Message.kind, Message.text, Message.created_at, Message.case_id)
    .join(User, (User.id == Message.user_id) & (User.telegram_id == Message.chat_id))
    .join(Case, Case.user_id == User.id)
    .where(Case.id == _CASE_ID)
    .order_by(Message.id.desc())
    .limit(TRANSCRIPT_LIMIT)
    .subquery()
)
_coaches = select(Coach.id, Coach.name).subquery()
_events = select(CaseEvent.id, CaseEvent.at, CaseEvent.action, CaseEvent.detail, CaseEvent.coach_id)
_events_of_case = _events.where(CaseEvent.case_id == _CASE_ID).subquery()
_canned = select(CannedReply.id, CannedReply.title).subquery()


def _list(sub: Subquery) -> ScalarSelect[Any]:
    return select(json_rows(*sub.c)).select_from(sub).correlate(None).scalar_subquery()


_CASE_PAGE = (
    select(
        *(getattr(Case, k) for k in _CASE_COLUMNS),
        *(getattr(User, k) for k in _USER_COLUMNS),
        Intake.answers,
        _list(_coaches).label("coaches"),
        _list(_events_of_case).label("events"),
        _list(_canned).label("canned"),
        _list(_newest_lines).label("lines"),
    )
    .outerjoin(User, User.id == Case.user_id)
    .outerjoin(Intake, Intake.user_id == User.id)
    .where(Case.id == _CASE_ID)
)
_RECORD_VIEW = insert(CaseView)
# PostgreSQL: the view is logged by the same statement that reads the page (a data-modifying CTE, run
# whether or not the SELECT refers to it): one round trip, and no page read without its log row.
# SQLite has no such CTE: there the INSERT follows the read on the same connection.
_VIEWER = ("viewer_id", "viewer_name", "viewed_at")
_logged = insert(CaseView).from_select(
    ["case_id", "coach_id", "coach_name", "what", "at"],
    select(
        Case.id,
        bindparam(_VIEWER[0], type_=Integer),
        bindparam(_VIEWER[1], type_=String),
        literal("case", String),
        bindparam(_VIEWER[2], type_=CaseView.at.type),
    ).where(Case.id == _CASE_ID),
)
_CASE_PAGE_LOGGED = _CASE_PAGE.add_cte(_logged.cte("logged"))


def _lines(rows: list[list[Any]], names: list[str]) -> list[Line]:
    """The transcript as the coach sees it, oldest first. `names`: of all coaches (their replies
    start with the name)."""
    prefixes = tuple(f"{n}: " for n in names)
    lines = []
    for id_, direction, kind, text, at, case_id in sorted(rows):
        if kind == "button":
            continue  # callback data, meaningless to a coach (the bot's answer follows anyway)
        if direction == "in":
            who = "newcomer"
        elif kind == "copy" or (case_id is not None and (text or "").startswith(prefixes)):
            who = "coach"
        else:
            who = "bot"
        lines.append(Line(id_, who, kind, text, timestamp(at), kind in MEDIA_KINDS))
    return lines


def newest_message() -> ScalarSelect[int | None]:
    """The id of the newest message of a newcomer's chat, buttons included (what the transcript
    reads from), for the `User` of the enclosing query."""
    return (
        select(func.max(Message.id))
        .where(Message.user_id == User.id, Message.chat_id == User.telegram_id)
        .scalar_subquery()
    )


async def case_view(db: AsyncConnection, case_id: int, viewer: Coach | None = None) -> CaseView_ | None:
    """Everything the case page shows, in one statement; None for an unknown case. With `viewer`, the
    view is recorded in the access log (a poll of an open page reads without). The case and the
    newcomer are built from columns (not loaded into a session: the page only reads them)."""
    params: dict[str, Any] = {"case_id": case_id}
    statement = _CASE_PAGE
    if viewer is not None and db.dialect.name == "postgresql":
        params.update(zip(_VIEWER, (viewer.id, viewer.name, utcnow()), strict=True))
        statement = _CASE_PAGE_LOGGED
    row = (await db.execute(statement, params)).first()
    if row is None:
        return None
    if viewer is not None and statement is _CASE_PAGE:
        await record_view(db, case_id, viewer, "case")
    n_case, n_user = len(_CASE_COLUMNS), len(_USER_COLUMNS)
    case = Case(**dict(zip(_CASE_COLUMNS, row[:n_case], strict=True)))
    user_values = row[n_case : n_case + n_user]
    newcomer = User(**dict(zip(_USER_COLUMNS, user_values, strict=True))) if user_values[0] is not None else None
    answers, coach_rows, event_rows, canned_rows, line_rows = row[n_case + n_user :]
    coaches = sorted((Named(id_, name) for id_, name in coach_rows), key=lambda c: (c.name, c.id))
    name_of = {c.id: c.name for c in coaches}
    events = [
        Event(timestamp(at), action, detail, name_of.get(coach_id) if coach_id is not None else None)
        for _id, at, action, detail, coach_id in sorted(event_rows)
    ]
    return CaseView_(
        case,
        newcomer,
        Named(case.coach_id, name_of[case.coach_id]) if case.coach_id in name_of else None,
        _lines(line_rows, [c.name for c in coaches]),
        dict(answers) if answers else None,
        [e for e in events if e.action != "note"],
        [e for e in events if e.action == "note"],
        coaches,
        max((r[0] for r in line_rows), default=0),
        sorted((Titled(id_, title) for id_, title in canned_rows), key=lambda c: (c.title, c.id)),
    )


async def viewed_since(db: AsyncConnection, case_id: int, coach: Coach, since: datetime) -> bool:
    """Whether the access log has this coach's view of the case since `since`."""
    seen = select(CaseView.id).where(CaseView.case_id == case_id, CaseView.coach_id == coach.id, CaseView.at >= since)
    return (await db.execute(seen.limit(1))).first() is not None


async def record_view(db: AsyncConnection | AsyncSession, case_id: int, coach: Coach, what: str) -> None:
    """The access log the newcomer sees in /mydata (an INSERT of its own: no unit of work to flush)."""
    row = {"case_id": case_id, "coach_id": coach.id, "coach_name": coach.name, "what": what, "at": utcnow()}
    await db.execute(_RECORD_VIEW, row)


# actions -------------------------------------------------------------------------------------------
class Refused(Exception):
    """The action is not possible (any more): the message id says why."""

    def __init__(self, reason: str, **params: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def must_be_mine(case: Case, coach: Coach) -> None:
    if case.status == CASE_CLOSED:  # e.g. a second tab's "Close": not "claim it first"
        raise Refused("closed")
    if case.status != CASE_CLAIMED or case.coach_id != coach.id:
        raise Refused("not_yours")


async def claim(turn: Turn, coach: Coach, case_id: int) -> Case:
    """The same claim as the Telegram button; a second coach learns who was first."""
    user = await service.coach_user(turn.session, coach)
    lang = service.coach_language(coach, user)
    case = await service.claim(turn, coach, user, lang, case_id)
    if case is None:
        existing = await turn.session.get(Case, case_id)
        taken_by = await turn.session.get(Coach, existing.coach_id) if existing and existing.coach_id else None
        if existing is not None and existing.status == CASE_CLAIMED and existing.coach_id == coach.id:
            return existing  # a double click on "Claim": the second press finds the case already theirs
        if taken_by is not None:
            raise Refused("taken", name=taken_by.name)
        if existing is not None and existing.status == CASE_WAITING:
            raise Refused("mt_wait")  # machine translation on: it waits for a coach who speaks its language
        raise Refused("gone")
    return case


async def reply(turn: Turn, coach: Coach, case: Case, text: str) -> None:
    """The coach's answer to the newcomer through the outbox, as a Telegram reply would go."""
    must_be_mine(case, coach)
    newcomer, lang = await service.newcomer_of(turn, case)
    await handoff_queue.touch(turn.session, case)
    service.relay_text(turn, coach, case, newcomer, lang, text)


async def reply_file(turn: Turn, coach: Coach, case: Case, message_id: int) -> None:
    """A file the coach attached, already in their own chat with the bot (`message_id`), copied to the
    newcomer through the outbox: the way a file a coach sends in Telegram goes."""
    must_be_mine(case, coach)
    newcomer, _lang = await service.newcomer_of(turn, case)
    await handoff_queue.touch(turn.session, case)
    turn.outbox.copy(newcomer, newcomer.telegram_id, coach.telegram_id, message_id, case_id=case.id)
    service.mark_replied(turn, case)


async def canned_replies(session: AsyncSession) -> list[CannedReply]:
    return list(await session.scalars(select(CannedReply).order_by(CannedReply.title)))

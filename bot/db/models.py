"""Tables. Conversation, transcript and update bookkeeping are rows, so replicas and restarts agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OUTBOX = text("direction = 'out' AND delivered_at IS NULL")
WAITING = text("processed_at IS NULL")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in UTC on every backend: SQLite keeps no time zone, so its values come back
    naive; they were stored as UTC, and are given that zone back here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """A newcomer (or coach) as the bot knows them: the Telegram id and the language, little else."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(64))
    chosen_language: Mapped[str | None] = mapped_column(String(8))
    last_language: Mapped[str | None] = mapped_column(String(8))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationState(Base):
    """Where the user is in the dialog: the current flow node and what the bot is waiting for."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    node: Mapped[str | None] = mapped_column(String(64))
    low_confidence_streak: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Message(Base):
    """The transcript: every incoming and outgoing message. Outgoing rows double as the outbox:
    `delivered_at` stays empty until Telegram accepted the message."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_user_created", "user_id", "created_at"),
        # The outbox: only undelivered outgoing messages (an index of every message's direction
        # tempted the planner into scanning all incoming ones for the flood rule).
        Index("ix_messages_outbox", "id", postgresql_where=OUTBOX, sqlite_where=OUTBOX),
        Index("ix_messages_created", "created_at"),  # reports (migration 0015)
        # The sender's claim: of each chat its oldest undelivered message (bot.outbox.claim).
        Index("ix_messages_outbox_chat", "chat_id", "id", postgresql_where=OUTBOX, sqlite_where=OUTBOX),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The newcomer or coach the message is with; empty for messages to the coaches' group.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    kind: Mapped[str] = mapped_column(String(16))  # text, button, command, photo, sticker, ...
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    buttons: Mapped[list[Any] | None] = mapped_column()
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Relays: the case, and for media the message to copy (copyMessage from_chat_id/message_id).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL", name="fk_messages_case_id"))
    copy_from_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    file_id: Mapped[str | None] = mapped_column(String(256))  # an incoming media message's Telegram file
    copy_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # Reports (migration 0015): how the bot's own dialog answered a newcomer's text (faq, asked_back,
    # unanswered); empty for everything else and for messages older than the migration.
    answer: Mapped[str | None] = mapped_column(String(16))
    # Outbound pacing (bot.outbox.claim): 0 the answer to an update in its own chat, 1 other
    # messages, 2 timers' re-announced case cards; not before this time (a 429, a failed try);
    # claimed by a sender until this time (a replica that died leaves it to others afterwards).
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    not_before: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()


class SendPace(Base):
    """Outbound pacing shared by all replicas: when the last message to a chat was (to be) sent;
    chat_id 0 is the bot-wide row, which every claim locks (so claims take turns)."""

    __tablename__ = "send_pace"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_at: Mapped[datetime] = mapped_column()


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is answered once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coach(Base):
    """Someone who may work the queue. Staff are coaches with extra rights."""

    __tablename__ = "coaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(64))  # comma separated: "ar,nl"
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # Languages whose FAQ translations this person may edit and review in the console ("ar,ti").
    translator_languages: Mapped[str] = mapped_column(String(64), default="", server_default="")
    active_case_id: Mapped[int | None] = mapped_column(Integer)  # where their private messages go
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def speaks(self) -> list[str]:
        return [lang for lang in self.languages.split(",") if lang]

    def translates(self) -> list[str]:
        return [lang for lang in (self.translator_languages or "").split(",") if lang]


CASE_WAITING = "waiting"
CASE_CLAIMED = "claimed"
CASE_CLOSED = "closed"
PRIORITY_NORMAL = "normal"
PRIORITY_URGENT = "urgent"


class Case(Base):
    """A conversation handed to the coaches. waiting -> claimed -> closed (released: back to waiting)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_created", "created_at"),  # reports (migration 0015)
        # A newcomer has at most one open case.
        Index(
            "uq_cases_one_open_per_user",
            "user_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Empty once the newcomer's data is erased: the case stays as an anonymous count.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=CASE_WAITING)
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))  # asked, low_confidence, sensitive, intake
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Safeguarding (migration 0010): urgent cases come first. The category is special-category data:
    # stored only here, shown only to coaches, exported by /mydata, erased by /delete, never logged.
    priority: Mapped[str] = mapped_column(String(16), default=PRIORITY_NORMAL, server_default=PRIORITY_NORMAL)
    safeguarding: Mapped[str | None] = mapped_column(String(32))
    # Reports (migration 0015): the coach's first message to the newcomer (text or media).
    first_reply_at: Mapped[datetime | None] = mapped_column()


class CaseEvent(Base):
    """Audit trail of a case: who did what, when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # created, claimed, released, transferred, closed, note, ...
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Timer(Base):
    """A reminder due at a time; processed by a periodic job on any replica."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # reannounce, idle_reminder
    due_at: Mapped[datetime] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()


class UnansweredQuestion(Base):
    """A message the bot could not answer well (low confidence or out of scope), so staff see which
    FAQ is missing. Deleted with the user's data."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Intake(Base):
    """The newcomer's intake answers (stored only after consent) and where they are in it."""

    __tablename__ = "intakes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    field: Mapped[str | None] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    selected: Mapped[list[Any]] = mapped_column(default=list)
    consent_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxUpdate(Base):
    """An update received by webhook, stored before Telegram gets its 200 so that nothing is lost;
    any replica processes it, the oldest unprocessed update of a chat first."""

    __tablename__ = "inbox"
    # Processed updates stay a while (see pipeline.INBOX_KEEP): the lease query reads indexes of the
    # waiting ones only, in update order and per chat; the clean-up finds the processed ones by time.
    __table_args__ = (
        Index("ix_inbox_waiting", "update_id", postgresql_where=WAITING, sqlite_where=WAITING),
        Index("ix_inbox_waiting_chat", "chat_id", "update_id", postgresql_where=WAITING, sqlite_where=WAITING),
        Index("ix_inbox_processed", "processed_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A worker took it until then; after that (the worker died) any worker may take it again.
    lease_until: Mapped[datetime | None] = mapped_column()


# Machine translation between coach and newcomer (issue 26): the translation cache.
class CachedTranslation(Base):
    """A machine translation kept so that the same text in the same conversation is not sent to the
    provider twice. It belongs to the newcomer whose conversation it is (their words, or a coach's words
    to them) and is erased with their data; the original text is not stored here, only its hash."""

    __tablename__ = "translations"
    __table_args__ = (Index("uq_translations_user_key", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of source, target and the original text
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)  # the translation
    provider: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Coach console (issue 23): sign-in links, sessions, canned replies, the access log ---------------------
class ConsoleLoginToken(Base):
    """A one-time sign-in link sent by the bot: only the SHA-256 of its token is stored."""

    __tablename__ = "console_login_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds the token; the row its hash, so a database dump signs nobody in."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedReply(Base):
    """A ready answer staff keep: a title and the text per language (a missing language stays missing)."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseView(Base):
    """The access log: a coach opened a case page or one of its media files."""

    __tablename__ = "case_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    coach_name: Mapped[str] = mapped_column(String(64))  # as it was, so the log survives the coach's removal
    what: Mapped[str] = mapped_column(String(16))  # case, media
    at: Mapped[datetime] = mapped_column(default=utcnow)


# Reports and work outcomes (issue 25) -------------------------------------------------------------------
class WorkFollowup(Base):
    """One later question "did you find work?" the newcomer agreed to at the end of the intake: due
    some months after it, sent by the periodic job on any replica, answered with a button. The row is
    its own timer; /delete erases it with the user."""

    __tablename__ = "work_followups"
    __table_args__ = (Index("ix_work_followups_due", "sent_at", "stopped_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    months: Mapped[int] = mapped_column(Integer)  # since the intake
    language: Mapped[str] = mapped_column(String(8))  # of the newcomer when they agreed
    intake_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(String(16))  # paid_work, internship, education, volunteering, not_yet
    answered_at: Mapped[datetime | None] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()  # "stop asking" (or a newer consent replaced it)


class ReportDay(Base):
    """The reports' daily rollup of newcomers' messages (a year is a million rows; its days are a few
    thousand): filled for whole past UTC days the first time a report reads them. Counts only, no
    user: what /delete erases later stays counted here as it happened."""

    __tablename__ = "report_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # done (the day is filled), activity, topic
    language: Mapped[str] = mapped_column(String(8), primary_key=True)  # "*": every language
    intent: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)


# Machine translation between coach and newcomer (issue 26): a coach's reply waiting for confirmation.
DRAFT_OPEN = "draft"  # translated (or not: translation unavailable), waiting for the coach's decision
DRAFT_EDITING = "editing"  # Telegram: the coach's next message is the corrected translation
DRAFT_SENT = "sent"  # the (possibly edited) translation went out
DRAFT_SENT_ORIGINAL = "sent_original"  # the coach chose to send their own words
DRAFT_DISCARDED = "discarded"


class TranslationDraft(Base):
    """A coach's words to a newcomer of another language, their machine translation and its
    back-translation. Nothing is sent until the coach confirms; confirming moves the status out of
    `draft` with a conditional UPDATE, so a second press sends nothing. It keeps the coach's original
    for the transcript and the newcomer's "show the original" button, and goes with /delete."""

    __tablename__ = "translation_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)  # the newcomer
    source: Mapped[str] = mapped_column(String(8))  # the coach's language
    target: Mapped[str] = mapped_column(String(8))  # the newcomer's language
    original: Mapped[str] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)  # empty: translation unavailable
    back: Mapped[str | None] = mapped_column(Text)  # the translation translated back into `source`
    provider: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(String(32))  # why there is no translation (a Reason)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT_OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class ContentRevision(Base):
    """One published state of the FAQ content: every flow's YAML text, who published it and why.
    The highest `number` is what the bot serves; restoring publishes an old state as a new number."""

    __tablename__ = "content_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: of two staff publishing on the same revision at once, one is refused and tries again.
    number: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))  # as it was, so the history survives the coach's removal
    source: Mapped[str] = mapped_column(String(16))  # seed, import, console, restore
    comment: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[dict[str, Any]] = mapped_column()  # flow id -> the flow file's YAML text
    # The flows/ texts this revision was seeded or imported from (sha256), to tell when the files changed.
    files_hash: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[list[Any]] = mapped_column(default=list)  # what changed: flow, node, field, language, who


class ContentDraft(Base):
    """An unpublished edit of one field (a node's text in one language, a review mark, a button target)."""

    __tablename__ = "content_drafts"
    __table_args__ = (UniqueConstraint("flow", "node", "field", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))  # text, reviewed, goto.N
    lang: Mapped[str] = mapped_column(String(8), default="")
    value: Mapped[str] = mapped_column(Text)
    # A translation or review: the Dutch it was made against (a later Dutch edit leaves it stale).
    nl_hash: Mapped[str | None] = mapped_column(String(16))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NluExample(Base):
    """A training example staff added from an unanswered question; it trains the embedded classifier from
    the revision that published it (`revision` None: waits for the next publication)."""

    __tablename__ = "nlu_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    intent: Mapped[str] = mapped_column(String(64))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int | None] = mapped_column(Integer)

"""Outgoing messages are rows first (transcript and outbox in one), sent after the transaction commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import InboxUpdate, Message, User, utcnow
from bot.db.queries import table
from bot.messages import Reply
from bot.render import Keyboard, Renderer

MAX_DELIVERY_ATTEMPTS = 5


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
    )


def message_row(**values: Any) -> dict[str, Any]:
    """A `messages` row with every column set, so that many rows go in one INSERT."""
    row: dict[str, Any] = dict.fromkeys(_ROW_COLUMNS)
    row.update(created_at=utcnow(), attempts=0)
    row.update(values)
    return row


_ROW_COLUMNS = (
    "user_id",
    "chat_id",
    "direction",
    "kind",
    "text",
    "language",
    "intent",
    "confidence",
    "buttons",
    "update_id",
    "telegram_message_id",
    "case_id",
    "copy_from_chat_id",
    "copy_message_id",
    "thread_id",
    "delivered_at",
    "file_id",
    "answer",
)


class Outbox:
    """Collects the transcript rows of one update (what came in, what goes out) inside its
    transaction and writes them with one INSERT."""

    def __init__(self, session: AsyncSession, renderer: Renderer, update_id: int | None) -> None:
        self._session = session
        self._renderer = renderer
        self._update_id = update_id
        self._pending: list[dict[str, Any]] = []
        self._out: list[dict[str, Any]] = []

    def _add(self, **values: Any) -> None:
        row = message_row(direction="out", update_id=self._update_id, **values)
        self._pending.append(row)
        self._out.append(row)

    def incoming(self, **values: Any) -> None:
        """The user's message, for the transcript."""
        self._pending.append(message_row(direction="in", **values))

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
                user_id=user.id if user else None,
                chat_id=chat_id,
                kind=kind,
                text=part.text,
                language=lang,
                buttons=[[list(b) for b in row] for row in part.buttons] or None,
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
            user_id=user.id if user else None,
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
            user_id=None,
            chat_id=chat_id,
            kind="edit",
            text=part.text,
            language=lang,
            buttons=[[list(b) for b in row] for row in part.buttons] or None,
            case_id=case_id,
            copy_message_id=message_id,
        )

    def delete(self, chat_id: int, message_id: int) -> None:
        """Delete one of the bot's earlier messages (deleteMessage; Telegram allows it for 48 hours)."""
        self._add(user_id=None, chat_id=chat_id, kind="delete", copy_message_id=message_id)

    def document(self, user: User | None, chat_id: int, content: str, filename: str) -> None:
        """A text file (e.g. the /mydata JSON); `buttons` carries the file name."""
        self._add(
            user_id=user.id if user else None,
            chat_id=chat_id,
            kind="document",
            text=content,
            buttons=[[[filename, ""]]],
        )

    def ephemeral(self, chat_id: int, lang: str, reply: Reply) -> None:
        """A message to someone whose data was just erased: kept only until it is delivered."""
        self.reply(None, chat_id, lang, reply, kind="ephemeral")

    async def write(self) -> None:
        """Flush the ORM's own changes (users and cases first: the rows refer to them), then insert
        the rows collected so far."""
        await self._session.flush()
        if not self._pending:
            return
        rows = list(self._pending)
        self._pending.clear()
        for row, message_id in zip(rows, await self._insert(rows), strict=True):
            row["id"] = message_id

    async def _insert(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        statement = insert(table(Message)).returning(table(Message).c.id, sort_by_parameter_order=True)
        return list((await self._session.execute(statement, [dict(r) for r in rows])).scalars().all())

    async def flush(self) -> list[Outgoing]:
        await self.write()
        return self.outgoing()

    def outgoing(self) -> list[Outgoing]:
        """The messages to send; they need their ids, so call after `write`."""
        return [to_outgoing(r) for r in self._out]


def _undelivered_query(*, settled: bool = False) -> Any:
    """Outgoing messages not delivered yet. `settled`: only those no webhook worker is still sending:
    a reply to an update of the inbox that is not processed yet belongs to the worker that leased the
    update (it records the delivery with its next batch; should it die, the update's next worker
    sends what is undelivered)."""
    table = cast(Table, Message.__table__)
    query = (
        select(table)
        .where(table.c.direction == "out", table.c.delivered_at.is_(None), table.c.attempts < MAX_DELIVERY_ATTEMPTS)
        .order_by(table.c.id)
    )
    if settled:
        inbox = cast(Table, InboxUpdate.__table__)
        in_flight = exists().where(inbox.c.update_id == table.c.update_id, inbox.c.processed_at.is_(None))
        query = query.where(~in_flight)
    return query


async def undelivered_for_user(session: AsyncSession, user_id: int) -> list[Outgoing]:
    rows = await session.execute(_undelivered_query().where(Message.__table__.c.user_id == user_id))
    return [to_outgoing(r) for r in rows.mappings()]


async def undelivered(session: AsyncSession, limit: int = 100) -> list[Outgoing]:
    """For the outbox drain: undelivered messages that nobody is sending (see `_undelivered_query`)."""
    rows = await session.execute(_undelivered_query(settled=True).limit(limit))
    return [to_outgoing(r) for r in rows.mappings()]


async def mark_failed(session: AsyncSession, outgoing_id: int, *, give_up: bool = False) -> None:
    values: dict[str, Any] = {"attempts": MAX_DELIVERY_ATTEMPTS} if give_up else {"attempts": Message.attempts + 1}
    await session.execute(update(Message).where(Message.id == outgoing_id).values(**values))

"""The way of one message, independent of Telegram: resolve the sender and language, route (coach,
case relay or the bot's own dialog), understand, decide, and persist state, transcript, case changes
and outgoing messages in one transaction. The caller sends the returned messages and marks them
delivered; undelivered ones stay in the outbox for a retry."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from bot.db.engine import insert_ignoring_duplicates
from bot.db.models import (
    Case,
    CaseEvent,
    Coach,
    ConversationState,
    InboxUpdate,
    Message,
    ProcessedUpdate,
    UnansweredQuestion,
    User,
    utcnow,
)
from bot.db.queries import table, typed_since
from bot.dialog import (
    ButtonIn,
    CommandIn,
    Dialog,
    DialogConfig,
    EditedIn,
    Event,
    HandoffInfo,
    MediaIn,
    State,
    TextIn,
    node_reply,
)
from bot.handoff import queue, service
from bot.handoff.service import Sender, Turn
from bot.intake import form, validate
from bot.intake import store as intake_store
from bot.languages import LANGUAGES, resolve_language
from bot.messages import Button, Reply, t_
from bot.nlu.types import NluResult
from bot.outbox import Outbox, Outgoing, undelivered_for_user
from bot.render import Renderer
from bot.safeguarding import respond as safeguarding
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, as the adapter saw it."""

    telegram_user_id: int
    chat_id: int
    kind: str  # text, button, command, edited, or a media kind (photo, sticker, voice, ...)
    text: str | None = None  # message text, caption, callback data or command arguments
    command: str | None = None
    update_id: int | None = None
    message_id: int | None = None
    first_name: str | None = None
    telegram_language: str | None = None
    in_group: bool = False  # sent in the coaches' group (only that group reaches the pipeline)
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    file_id: str | None = None  # the Telegram file of a media message (the console's download link)


@dataclass(frozen=True)
class Result:
    outgoing: list[Outgoing]
    language: str | None = None


def _event(incoming: Incoming, nlu: NluResult | None) -> Event:
    if incoming.kind == "command":
        return CommandIn(incoming.command or "", incoming.text or "")
    if incoming.kind == "button":
        return ButtonIn(incoming.text or "")
    if incoming.kind == "edited":
        return EditedIn()
    if nlu is not None and incoming.text is not None:
        return TextIn(incoming.text, nlu)
    if incoming.kind == "text":  # only spaces: there are no words to understand
        return TextIn(incoming.text or "", NluResult(incoming.text or "", None, "", 0.0, ()))
    return MediaIn(incoming.kind)


def needs_nlu(incoming: Incoming) -> bool:
    return incoming.kind not in {"command", "button", "edited"} and bool(incoming.text and incoming.text.strip())


async def _user(session: AsyncSession, incoming: Incoming) -> User:
    user = await session.scalar(select(User).where(User.telegram_id == incoming.telegram_user_id))
    if user is None:
        user = User(telegram_id=incoming.telegram_user_id)
        session.add(user)
        await session.flush()
    touch_user(user, incoming)
    return user


def turn_language(incoming: Incoming, nlu: NluResult | None, user: User, default: str) -> str:
    return resolve_language(
        text=incoming.text if nlu is not None else None,
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
    processed = table(ProcessedUpdate)
    statement = insert_ignoring_duplicates(session.get_bind().dialect.name, processed).returning(processed.c.update_id)
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


def store_incoming(
    outbox: Outbox,
    user: User,
    incoming: Incoming,
    language: str,
    nlu: NluResult | None,
    intent: str | None,
    case_id: int | None,
) -> None:
    outbox.incoming(
        user_id=user.id,
        chat_id=incoming.chat_id,
        kind=incoming.kind,
        text=f"/{incoming.command} {incoming.text or ''}".strip() if incoming.kind == "command" else incoming.text,
        language=language,
        intent=nlu.intent if nlu else intent,
        confidence=nlu.confidence if nlu else None,
        update_id=incoming.update_id,
        telegram_message_id=incoming.message_id,
        case_id=case_id,
        thread_id=incoming.thread_id,
        file_id=incoming.file_id,
    )


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


async def process(services: Services, incoming: Incoming) -> Result:
    nlu: NluResult | None = None
    # The embedded classifier takes a tenth of a millisecond: just run it. A Rasa server is a network
    # call: ask it only for messages the dialog will read, and outside the database transaction.
    if needs_nlu(incoming) and (not services.settings.rasa_url or await _is_plain_newcomer_turn(services, incoming)):
        nlu = await services.nlu.parse(incoming.text or "")
    flows = services.flows
    settings = services.settings
    renderer = Renderer(services.translator, flows)
    async with services.sessions() as session, session.begin():
        fresh = await _claim_update(session, incoming.update_id)
        user = await _user(session, incoming)
        if not fresh:
            return Result(await undelivered_for_user(session, user.id))  # a redelivery: what is unsent
        outbox = Outbox(session, renderer, incoming.update_id)
        now = utcnow()
        turn = Turn(session, outbox, settings, flows, now)
        coach = await queue.coach_by_telegram_id(session, incoming.telegram_user_id)
        language = turn_language(incoming, nlu, user, settings.default_language)
        sender = Sender(user, language, coach)

        # The coaches' group: only registered coaches are heard there.
        if incoming.in_group:
            if coach is not None:
                await _coach_update(turn, sender, incoming)
            return Result(await outbox.flush(), language=language)

        # Staff: reload and preview the content.
        if coach is not None and coach.is_staff and incoming.kind == "command" and incoming.command in STAFF_COMMANDS:
            _staff_command(services, outbox, sender, incoming)
            store_incoming(outbox, user, incoming, language, None, None, None)
            return Result(await outbox.flush(), language=language)

        # A registered coach in private chat: coach commands, claim buttons, relays to their case.
        if coach is not None and await _coach_update(turn, sender, incoming):
            store_incoming(outbox, user, incoming, language, None, None, coach.active_case_id)
            return Result(await outbox.flush(), language=language)

        # Safeguarding before anything else: a disclosure gets the help lines and an urgent case.
        if coach is None and safeguarding.concerns(incoming.kind, incoming.text):
            store_incoming(outbox, user, incoming, language, None, None, None)
            await safeguarding.respond(
                turn, sender, incoming.kind, incoming.text, incoming.chat_id, incoming.message_id
            )
            return Result(await outbox.flush(), language=language)

        # A flood of messages: store them all, answer with one polite notice per window.
        if (
            coach is None
            and incoming.kind not in {"button", "command"}
            and await _flooding(session, user.id, now, settings.rate_limit, settings.rate_window_seconds)
        ):
            store_incoming(outbox, user, incoming, language, None, None, None)
            if not await _noticed(session, user.id, now, settings.rate_window_seconds):
                outbox.reply(user, incoming.chat_id, language, Reply(SLOW_DOWN), kind="ratelimit")
            return Result(await outbox.flush(), language=language)

        # The newcomer's data rights, whatever else is going on.
        if await _data_rights(turn, services, sender, incoming):
            return Result(await outbox.flush(), language=language)

        # Coach buttons pressed (or forged) by someone who is not a coach: nothing at all.
        if incoming.kind == "button" and (incoming.text or "").startswith("c:"):
            store_incoming(outbox, user, incoming, language, None, None, None)
            return Result(await outbox.flush(), language=language)

        # A newcomer whose conversation is with a coach: relay, the bot stays quiet.
        case = await queue.open_case_of(session, user.id)
        if incoming.kind == "button" and (incoming.text or "").startswith("s:"):
            store_incoming(outbox, user, incoming, language, None, None, None)
            if await service.satisfaction(turn, sender, incoming.text or "", incoming.chat_id):
                return Result(await outbox.flush(), language=language)
        intake = await intake_store.load(session, user.id)
        if form.is_active(intake) and _is_intake_input(incoming):
            assert intake is not None
            store_incoming(outbox, user, incoming, language, None, None, case.id if case else None)
            await _intake_step(turn, sender, incoming, intake, case)
            return Result(await outbox.flush(), language=language)
        if intake is not None and intake.status == "asking" and incoming.kind in {"command", "button"}:
            await intake_store.save(session, user.id, replace(intake, status="paused"))  # they went elsewhere
        if case is not None:
            store_incoming(outbox, user, incoming, language, None, None, case.id)
            await service.newcomer_in_case(
                turn,
                sender,
                case,
                kind=incoming.kind,
                command=incoming.command,
                text=incoming.text,
                chat_id=incoming.chat_id,
                message_id=incoming.message_id,
            )
            return Result(await outbox.flush(), language=language)

        # The bot's own dialog.
        state_row = await session.get(ConversationState, user.id)
        waiting = await queue.waiting_count(session)
        language = await own_dialog(turn, sender, incoming, nlu, intake, state_row, waiting)
        return Result(await outbox.flush(), language=language)


async def own_dialog(
    turn: Turn,
    sender: Sender,
    incoming: Incoming,
    nlu: NluResult | None,
    intake: form.IntakeState | None,
    state_row: ConversationState | None,
    waiting: int,
) -> str:
    """A newcomer's turn in the bot's own dialog (no coach, case or active intake involved): decide,
    then update state and transcript and queue the replies. Returns the language of the replies."""
    session, settings, flows, outbox, user = turn.session, turn.settings, turn.flows, turn.outbox, sender.user
    language = sender.lang
    if state_row is None:
        state_row = ConversationState(user_id=user.id, pending=[])
        session.add(state_row)
    state = State(state_row.flow, state_row.node, state_row.low_confidence_streak or 0)
    handoff_info = HandoffInfo(service.wait_message(turn, waiting, language))
    dialog = Dialog(
        DialogConfig(flows, settings.nlu_threshold, frozenset({"menu", "language", "coach", "intake"})),
        handoff_info,
    )
    outcome = dialog.decide(_event(incoming, nlu), state)
    if outcome.chosen_language is not None:
        user.chosen_language = language = outcome.chosen_language
    user.last_language = language
    state_row.flow, state_row.node = outcome.state.flow, outcome.state.node
    state_row.low_confidence_streak = outcome.state.low_confidence_streak
    store_incoming(outbox, user, incoming, language, nlu, outcome.intent, None)
    if outcome.unanswered and nlu is not None and incoming.text:
        session.add(
            UnansweredQuestion(
                user_id=user.id,
                text=incoming.text[:2000],
                language=language,
                intent=nlu.intent,
                confidence=nlu.confidence,
            )
        )
    for reply in outcome.replies:
        outbox.reply(user, incoming.chat_id, language, reply)
    if outcome.start_intake:
        started = form.start(intake)
        await intake_store.save(session, user.id, started.state)
        for reply in started.replies:
            outbox.reply(user, incoming.chat_id, language, reply)
    if outcome.handoff is not None:
        topic = outcome.handoff.topic or state_row.flow
        await service.start_case(turn, user, language, topic=topic, reason=outcome.handoff.reason)
    return language


STAFF_COMMANDS = frozenset({"reload", "preview"})
SLOW_DOWN = t_(
    "You are sending many messages very fast. I have saved them all; please wait a moment, then send "
    "your question in one message."
)


async def _flooding(session: AsyncSession, user_id: int, now: datetime, limit: int, window: int) -> bool:
    recent = await session.scalar(
        select(func.count()).select_from(Message).where(*typed_since(user_id, now - timedelta(seconds=window)))
    )
    return (recent or 0) >= limit


async def _noticed(session: AsyncSession, user_id: int, now: datetime, window: int) -> bool:
    notice = await session.scalar(
        select(Message.id)
        .where(
            Message.user_id == user_id,
            Message.kind == "ratelimit",
            Message.created_at > now - timedelta(seconds=window),
        )
        .limit(1)
    )
    return notice is not None


def _is_intake_input(incoming: Incoming) -> bool:
    """What the intake takes: answers (text) and its own buttons; /cancel pauses it."""
    if incoming.kind == "text":
        return True
    if incoming.kind == "button":
        return (incoming.text or "").startswith("in:")
    return incoming.kind == "command" and incoming.command == "cancel"


async def _intake_step(
    turn: Turn, sender: Sender, incoming: Incoming, intake: form.IntakeState, case: Case | None
) -> None:
    municipalities = validate.municipalities()
    if incoming.kind == "command":
        step = form.on_button(intake, "in:stop", municipalities.match)
    elif incoming.kind == "button":
        step = form.on_button(intake, incoming.text or "", municipalities.match)
    else:
        step = form.on_text(intake, incoming.text or "", municipalities.match)
    await intake_store.save(turn.session, sender.user.id, step.state)
    for reply in step.replies:
        turn.outbox.reply(sender.user, incoming.chat_id, sender.lang, reply)
    if step.submit:
        await service.intake_submitted(turn, sender.user, sender.lang, dict(step.state.answers), case)


async def _data_rights(turn: Turn, services: Services, sender: Sender, incoming: Incoming) -> bool:
    """/mydata, /delete and its confirmation buttons."""
    user, lang, chat = sender.user, sender.lang, incoming.chat_id
    if incoming.kind == "command" and incoming.command == "mydata":
        document = await privacy.export(turn.session, user)
        intake = document["intake"] or {}
        summary = form.summary(
            intake.get("answers") or {},
            t_("This is what I have stored about you. The attached file has everything, including all messages."),
        )
        turn.outbox.reply(user, chat, lang, Reply(summary))
        turn.outbox.document(user, chat, privacy.export_json(document), "werkhelpdesk-my-data.json")
        return True
    if incoming.kind == "command" and incoming.command == "delete":
        buttons = ((Button(t_("Yes, delete everything"), "del:yes"), Button(t_("No, keep it"), "del:no")),)
        turn.outbox.reply(
            user,
            chat,
            lang,
            Reply(
                t_(
                    "Do you want me to delete everything I stored about you: your answers, your messages and your "
                    "conversations with coaches? This cannot be undone."
                ),
                buttons,
            ),
        )
        return True
    if incoming.kind == "button" and incoming.text == "del:no":
        turn.outbox.reply(user, chat, lang, Reply(t_("Nothing was deleted."), ((Button(t_("Main menu"), "a:menu"),),)))
        return True
    if incoming.kind == "button" and incoming.text == "del:yes":
        case = await queue.open_case_of(turn.session, user.id)
        coach = await turn.session.get(Coach, case.coach_id) if case is not None and case.coach_id else None
        await service.erase_newcomer(turn, user)  # also retracts what coaches received
        # The updates that carried their words, this one included (the rest of the chat's stay to be answered).
        await turn.session.execute(
            delete(InboxUpdate).where(
                InboxUpdate.chat_id == incoming.chat_id, InboxUpdate.update_id <= (incoming.update_id or 0)
            )
        )
        done = t_("All your data has been deleted. If you write to me again, we start fresh.")
        turn.outbox.ephemeral(chat, lang, Reply(done))
        if coach is not None:
            await service.tell_coach(
                turn, coach, t_("Case #%(id)s was closed: the newcomer deleted their data.", id=case.id if case else 0)
            )
        return True
    return False


def _staff_command(services: Services, outbox: Outbox, sender: Sender, incoming: Incoming) -> None:
    user, lang, chat = sender.user, sender.lang, incoming.chat_id
    if incoming.command == "reload":
        # Never loads here (inside this update's transaction): the content watcher looks at once, off
        # the event loop, and every other replica within CONTENT_POLL_SECONDS.
        services.content.request_refresh()
        msg = t_(
            "Content revision %(revision)s is being served. A newly published revision reaches every replica "
            "within seconds; this one looks now. Publish changes in the console or with `werkhelpdesk flows import`.",
            revision=str(services.content.number),
        )
        outbox.reply(user, chat, lang, Reply(msg))
        return
    args = (incoming.text or "").split()
    flow = services.flows.flows.get(args[0]) if args else None
    preview_lang = args[1] if len(args) > 1 and args[1] in LANGUAGES else lang
    if flow is None:
        names = ", ".join(sorted(services.flows.flows))
        outbox.reply(
            user,
            chat,
            lang,
            Reply(
                t_(
                    "Use /preview followed by a flow and optionally a language, e.g. /preview cv_help ar. Flows: %(flows)s",
                    flows=names,
                )
            ),
        )
        return
    outbox.reply(user, chat, preview_lang, node_reply(flow, flow.start, frozenset({"menu", "language", "coach"})))


async def _coach_update(turn: Turn, sender: Sender, incoming: Incoming) -> bool:
    """Handle an update of a registered coach; False when it is not coach business (then the coach
    gets the newcomer experience, e.g. to try the bot)."""
    coach = sender.coach
    assert coach is not None
    if incoming.kind == "button":
        data = incoming.text or ""
        if data.startswith("c:"):
            await service.coach_button(turn, sender, data, incoming.telegram_user_id)
            return True
        return False
    if incoming.kind == "command":
        if incoming.command in service.COACH_COMMANDS and not incoming.in_group:
            await service.coach_command(turn, sender, incoming.command or "", incoming.text or "", incoming.chat_id)
            return True
        return False
    if incoming.kind == "edited":
        return incoming.in_group
    case = await service.case_for_coach_message(
        turn, coach, incoming.chat_id, incoming.reply_to_message_id, incoming.thread_id
    )
    if case is None:
        if not incoming.in_group:
            turn.outbox.reply(
                sender.user,
                incoming.chat_id,
                sender.lang,
                Reply(service.NO_ACTIVE_CASE),
            )
        return True
    await service.coach_relay(
        turn,
        sender,
        case,
        kind=incoming.kind,
        text=incoming.text,
        chat_id=incoming.chat_id,
        message_id=incoming.message_id,
    )
    return True


# delivery bookkeeping ------------------------------------------------------------------------------
async def mark_delivered(services: Services, out: Outgoing, telegram_id: int | None) -> None:
    """Delivered (an ephemeral message forgotten, a case card's message id kept)."""
    async with services.sessions() as session, session.begin():
        if out.kind == "ephemeral":
            await session.execute(delete(Message).where(Message.id == out.id))
            return
        await session.execute(
            update(Message)
            .where(Message.id == out.id)
            .values(delivered_at=utcnow(), telegram_message_id=telegram_id, attempts=Message.attempts + 1)
        )
        if out.kind == "card" and out.case_id is not None and telegram_id is not None:
            await session.execute(
                update(Case)
                .where(Case.id == out.case_id)
                .values(group_chat_id=out.chat_id, group_message_id=telegram_id)
            )


async def mark_failed(services: Services, outgoing_id: int, *, give_up: bool = False) -> None:
    from bot.outbox import mark_failed as _mark

    async with services.sessions() as session, session.begin():
        await _mark(session, outgoing_id, give_up=give_up)


async def mark_unreachable(services: Services, chat_id: int) -> None:
    """The user blocked the bot: remember it, note it on their open case, stop delivering to them."""
    from bot.outbox import MAX_DELIVERY_ATTEMPTS

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
    from bot.outbox import undelivered as _undelivered

    async with services.sessions() as session:
        return await _undelivered(session, limit)


async def set_chosen_language(services: Services, telegram_user_id: int, lang: str | None) -> None:
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == telegram_user_id))
        if user is None:
            user = User(telegram_id=telegram_user_id)
            session.add(user)
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
        await service.run_timers(Turn(session, outbox, services.settings, services.flows, utcnow()))
        return await outbox.flush()

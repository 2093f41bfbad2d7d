"""What happens around a case: announcing it to the coaches, coach commands, relaying both ways,
closing with a satisfaction question, and the reminder timers. Runs inside the update's transaction
and writes every outgoing message to the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CoachButton, SatisfactionButton, encode
from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_WAITING,
    PRIORITY_URGENT,
    Case,
    Coach,
    Intake,
    Message,
    Timer,
    User,
)
from bot.db.queries import typed_by, user_of
from bot.dialog import MENU, QUEUED
from bot.flows.model import FlowSet
from bot.handoff import coaches, queue
from bot.handoff.hours import OfficeHours, format_opening
from bot.languages import LANGUAGES, NATIVE_NAMES
from bot.messages import Button, Msg, Plain, Reply, t_, tn_
from bot.outbox import Outbox
from bot.settings import Settings
from bot.translate import conversation as machine
from bot.translate import drafts

if TYPE_CHECKING:
    from bot.privacy import Erased  # bot.privacy imports bot.handoff: imported where used

RELAY_NOTE = t_("You are talking with a coach. Send /cancel to go back to the bot.")
SAVED_WAITING = t_(
    "Thank you, your message is saved. A coach will read it as soon as they pick up your question. "
    "Send /cancel to go back to the bot."
)
CASE_CLOSED_MSG = t_(
    "Your conversation with the coach has ended. You are talking to the bot again. Did the coach help you?"
)
CANCELLED = t_("You left the queue. You are talking to the bot again.")
THANKS_FEEDBACK = t_("Thank you for your answer!")

NO_COACH_NOW = t_(
    "Right now no coach can be reached through this helpdesk. For personal help, contact the work coach "
    "(werkcoach) of your municipality or VluchtelingenWerk (https://www.vluchtelingenwerk.nl); vacancies are "
    "on https://www.werk.nl. You can still leave your question here: it is kept for when a coach is available."
)
NO_ACTIVE_CASE = t_("You have no active case. /mine lists your cases, /claim takes a new one.")
COACH_COMMANDS = frozenset({"queue", "claim", "mine", "release", "transfer", "close", "note", "intake", "console"})


@dataclass(frozen=True)
class Sender:
    """The person behind an update in a private chat or the coaches' group."""

    user: User
    lang: str
    coach: Coach | None


@dataclass
class Turn:
    session: AsyncSession
    outbox: Outbox
    settings: Settings
    flows: FlowSet
    now: datetime
    # machine translation asked before the transaction (bot.translate.conversation.prepare)
    translation: machine.Prepared | None = None

    @property
    def hours(self) -> OfficeHours:
        return OfficeHours.of(self.settings)


def satisfaction_buttons(case_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t_("Yes, it helped"), encode(SatisfactionButton(case_id, 3))),
            Button(t_("A little"), encode(SatisfactionButton(case_id, 2))),
            Button(t_("No"), encode(SatisfactionButton(case_id, 1))),
        ),
    )


def wait_message(turn: Turn, waiting: int, lang: str) -> Msg:
    """What happens next, honestly: nobody to reach, the queue now, or when the coaches are back."""
    if not coaches.believed_reachable(turn.settings):
        return NO_COACH_NOW
    if turn.hours.is_open(turn.now):
        minutes = max(turn.settings.minutes_per_case, waiting * turn.settings.minutes_per_case)
        if waiting == 0:
            return tn_(
                "Do you want to talk to a coach? Nobody is waiting before you; "
                "a coach usually replies within about %(num)d minute.",
                "Do you want to talk to a coach? Nobody is waiting before you; "
                "a coach usually replies within about %(num)d minutes.",
                minutes,
            )
        # One number per message (gettext's plural forms follow one count): the wait, which the
        # queue's length is already in.
        return tn_(
            "Do you want to talk to a coach? Others are waiting before you; "
            "a coach usually replies within about %(num)d minute.",
            "Do you want to talk to a coach? Others are waiting before you; "
            "a coach usually replies within about %(num)d minutes.",
            minutes,
        )
    return t_(
        "Do you want to talk to a coach? Our coaches are not working right now. A coach will reply on %(when)s.",
        when=format_opening(turn.hours.next_opening(turn.now), lang),
    )


def expected_wait(turn: Turn, waiting: int, lang: str) -> Msg:
    """After the intake is sent: how long until a coach replies (the same estimate as the offer)."""
    if not coaches.believed_reachable(turn.settings):
        return NO_COACH_NOW
    if turn.hours.is_open(turn.now):
        minutes = max(turn.settings.minutes_per_case, waiting * turn.settings.minutes_per_case)
        return tn_(
            "A coach usually replies within about %(num)d minute.",
            "A coach usually replies within about %(num)d minutes.",
            minutes,
        )
    return t_(
        "Our coaches are not working right now. A coach will reply on %(when)s.",
        when=format_opening(turn.hours.next_opening(turn.now), lang),
    )


async def last_topic(session: AsyncSession, flows: FlowSet, user_id: int) -> str | None:
    """The newest intent of the newcomer's messages that is one of the FAQ's topics (greetings,
    thanks or asking for a person are not a topic)."""
    intents = await session.scalars(
        select(Message.intent)
        .where(Message.user_id == user_id, Message.direction == "in", Message.intent.is_not(None))
        .order_by(Message.id.desc())
        .limit(20)
    )
    return next((i for i in intents if i and flows.is_topic(i)), None)


async def _case_topic(turn: Turn, case: Case, user: User) -> str | None:
    """The case's topic when it is an FAQ topic, else (asked for a person, the intake) the last one
    recognised in the conversation."""
    topic = case.topic
    if topic and (turn.flows.for_intent(topic) or topic in turn.flows.flows):
        return topic
    return await last_topic(turn.session, turn.flows, user.id) or topic


def topic_title(flows: FlowSet, topic: str | None, lang: str) -> str:
    """The topic as coaches read it (the flow's title), for the console too."""
    flow = flows.for_intent(topic) if topic else None
    flow = flow or (flows.flows.get(topic) if topic else None)
    return (flow.title.get(lang) or flow.title["nl"]) if flow else "-"


async def last_texts(session: AsyncSession, user_id: int, limit: int = 5) -> list[str]:
    """What the newcomer last wrote, as cards show it (button presses and commands are callback data
    and command names, which would mean nothing to a coach; the card's topic line tells where they were)."""
    query = select(Message.text).where(*typed_by(user_id), Message.text.is_not(None))
    intake = await session.get(Intake, user_id)
    if intake is not None and intake.consent_at is not None:
        # The intake's answers (the phone among them) reach the coach on the intake card, once.
        answering = Message.created_at >= intake.consent_at
        if intake.submitted_at is not None:
            answering &= Message.created_at <= intake.submitted_at
        query = query.where(~answering)
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return [t[:300] for t in reversed([r for r in rows if r])]


async def card(turn: Turn, case: Case, user: User, lang: str, coach: Coach | None = None) -> Reply:
    """The summary card coaches see: language, topic, the last messages, waiting since."""
    since = format_opening(case.created_at.astimezone(turn.hours.zone), lang)
    await turn.outbox.write()  # this turn's message belongs on the card too
    lines = "\n".join(f"> {text}" for text in await last_texts(turn.session, user.id)) or "-"
    params: dict[str, str | int] = {
        "id": case.id,
        "name": user.first_name or "?",
        "language": NATIVE_NAMES.get(case.language, case.language),
        "topic": topic_title(turn.flows, await _case_topic(turn, case, user), lang),
        "since": since,
        "messages": lines,
    }
    if coach is not None:
        return Reply(
            t_(
                "Case #%(id)s – %(name)s\nLanguage: %(language)s\nTopic: %(topic)s\nWaiting since: %(since)s\n"
                "Taken by %(coach)s.\nLast messages:\n%(messages)s",
                coach=coach.name,
                **params,
            )
        )
    return Reply(
        t_(
            "New case #%(id)s – %(name)s\nLanguage: %(language)s\nTopic: %(topic)s\nWaiting since: %(since)s\n"
            "Last messages:\n%(messages)s",
            **params,
        ),
        ((Button(t_("Claim"), encode(CoachButton("claim", case.id))),),),
    )


async def coach_user(session: AsyncSession, coach: Coach) -> User:
    """The coach's own user row (their chat with the bot)."""
    return await user_of(session, coach.telegram_id)


def coach_language(coach: Coach, user: User | None) -> str:
    for lang in (user.chosen_language if user else None, user.last_language if user else None, *coach.speaks()):
        if lang in LANGUAGES:
            return lang
    return "nl"


async def announce(turn: Turn, case: Case, user: User) -> None:
    """Tell the coaches: a card in the coaches' group, or privately to each coach who speaks the language."""
    if case.priority == PRIORITY_URGENT:  # safeguarding: marked urgent, and privately to coaches too
        from bot.safeguarding.respond import announce_urgent

        await announce_urgent(turn, case, user)
        return
    group = turn.settings.coach_chat_id
    if group is not None:
        lang = turn.settings.default_language
        reply = await card(turn, case, user, lang)
        turn.outbox.reply(None, group, lang, reply, case_id=case.id, thread_id=case.thread_id, kind="card")
        return
    since = any_coach_since(turn)  # machine translation on and waited long enough: any coach may take it now
    anyone = since is not None and case.created_at <= since
    for coach in await coaches_for(turn, case, anyone=anyone):
        chat_user = await coach_user(turn.session, coach)
        lang = coach_language(coach, chat_user)
        turn.outbox.reply(chat_user, coach.telegram_id, lang, await card(turn, case, user, lang), case_id=case.id)


async def coaches_for(turn: Turn, case: Case, *, anyone: bool = False) -> list[Coach]:
    """The coaches who speak the case's language; nobody does (or `anyone`): everyone rather than no one."""
    everyone = list(await turn.session.scalars(select(Coach)))
    return [c for c in everyone if case.language in c.speaks() and not anyone] or everyone


async def start_case(turn: Turn, user: User, lang: str, *, topic: str | None, reason: str) -> Case:
    # Count the coaches again: the next offers are worded by it (wait_message). The case is kept
    # either way, for a coach still to come.
    await coaches.availability(turn.session, turn.settings)
    case, created = await queue.create_case(
        turn.session,
        user,
        language=lang,
        topic=topic,
        reason=reason,
        reannounce_after=timedelta(minutes=turn.settings.reannounce_after_minutes),
    )
    if created:
        await announce(turn, case, user)
    return case


# newcomer side -------------------------------------------------------------------------------------
async def newcomer_in_case(
    turn: Turn,
    sender: Sender,
    case: Case,
    *,
    kind: str,
    command: str | None,
    text: str | None,
    chat_id: int,
    message_id: int | None,
) -> None:
    """A newcomer with an open case: the bot does not answer itself; everything goes to the coach."""
    user, lang = sender.user, sender.lang
    if kind == "command" and command == "cancel":
        coach = await turn.session.get(Coach, case.coach_id) if case.coach_id else None
        await queue.close(turn.session, case, "cancelled", None)
        turn.outbox.reply(user, chat_id, lang, Reply(CANCELLED, ((Button(t_("Main menu"), MENU),),)))
        if coach is not None:
            left = t_("%(name)s left case #%(id)s; it is closed.", name=user.first_name or "?", id=case.id)
            await tell_coach(turn, coach, left, case.id)
        return
    if kind in {"command", "button", "edited"}:
        # Still waiting, nobody is talking with them yet: where they are (a disclosure: the help lines).
        if case.status == CASE_WAITING:
            from bot.safeguarding.respond import care_reply

            for reply in care_reply(turn, case, lang) or [Reply(QUEUED)]:
                turn.outbox.reply(user, chat_id, lang, reply)
        else:
            turn.outbox.reply(user, chat_id, lang, Reply(RELAY_NOTE))
        return
    await queue.touch(turn.session, case)
    target = await _relay_target(turn, case)
    if target is not None:
        target_user, target_chat, thread = target
        header = f"#{case.id} {user.first_name or '?'}"
        translated = await machine.relay_reply(turn, case, header, text or "", lang) if kind == "text" else None
        relayed, relay_lang = translated or (
            Reply(Plain(f"{header}: {text}" if kind == "text" else f"{header}:")),
            "nl",
        )
        turn.outbox.reply(target_user, target_chat, relay_lang, relayed, case_id=case.id, thread_id=thread)
        if kind != "text" and message_id is not None:  # media: copied after the header
            turn.outbox.copy(target_user, target_chat, chat_id, message_id, case_id=case.id, thread_id=thread)
    if case.status == CASE_WAITING:
        from bot.safeguarding.respond import care_reply

        for reply in care_reply(turn, case, lang) or [Reply(SAVED_WAITING)]:
            turn.outbox.reply(user, chat_id, lang, reply)


async def _relay_target(turn: Turn, case: Case) -> tuple[User | None, int, int | None] | None:
    """Where a newcomer's message goes: the case's topic in the coaches' group, else the coach's chat."""
    if case.thread_id is not None and turn.settings.coach_chat_id is not None:
        return None, turn.settings.coach_chat_id, case.thread_id
    if case.status == CASE_CLAIMED and case.coach_id is not None:
        coach = await turn.session.get(Coach, case.coach_id)
        if coach is not None:
            return await coach_user(turn.session, coach), coach.telegram_id, None
    return None


async def satisfaction(turn: Turn, sender: Sender, button: SatisfactionButton, chat_id: int) -> bool:
    """The answer to the closing question. True when handled (their own closed case)."""
    case = await turn.session.get(Case, button.case_id)
    if case is None or case.user_id != sender.user.id or case.status != CASE_CLOSED:
        return False
    case.satisfaction = button.score
    turn.outbox.reply(sender.user, chat_id, sender.lang, Reply(THANKS_FEEDBACK, ((Button(t_("Main menu"), MENU),),)))
    return True


async def tell_coach(turn: Turn, coach: Coach, message: Msg | Reply, case_id: int | None = None) -> None:
    """A message to a coach's private chat, in the coach's language."""
    chat_user = await coach_user(turn.session, coach)
    reply = message if isinstance(message, Reply) else Reply(message)
    turn.outbox.reply(chat_user, coach.telegram_id, coach_language(coach, chat_user), reply, case_id=case_id)


def intake_card(case_id: int, answers: dict[str, str]) -> Reply:
    from bot.intake.form import summary

    return Reply(summary(answers, t_("Intake of case #%(id)s:", id=case_id)))


async def _send_intake(turn: Turn, case: Case, answers: dict[str, str]) -> None:
    """The intake answers as a card for whoever handles the case, in their language."""
    group, reply = turn.settings.coach_chat_id, intake_card(case.id, answers)
    coach = await turn.session.get(Coach, case.coach_id) if case.coach_id is not None else None
    if coach is not None:
        await tell_coach(turn, coach, reply, case.id)
    elif group is not None:
        turn.outbox.reply(None, group, turn.settings.default_language, reply, case_id=case.id, thread_id=case.thread_id)
    else:
        for coach in await coaches_for(turn, case):
            await tell_coach(turn, coach, reply, case.id)


async def intake_submitted(turn: Turn, user: User, lang: str, answers: dict[str, str], case: Case | None) -> Case:
    """Attach the intake to the newcomer's open case, or open a new case for it."""
    if case is None:
        case = await start_case(turn, user, lang, topic="start_intake", reason="intake")
    await _send_intake(turn, case, answers)
    if case.status == CASE_WAITING:  # how long until a coach picks it up
        waiting = await queue.waiting_count(turn.session) - 1
        turn.outbox.reply(user, user.telegram_id, lang, Reply(expected_wait(turn, max(waiting, 0), lang)))
    return case


# coach side ----------------------------------------------------------------------------------------
async def newcomer_of(turn: Turn, case: Case) -> tuple[User, str]:
    """The newcomer of an open case and the language to write to them in."""
    user = await turn.session.get(User, case.user_id)
    assert user is not None
    return user, machine.newcomer_language(user, case)


async def _after_claim(turn: Turn, coach: Coach, coach_user: User, lang: str, case: Case) -> None:
    newcomer, newcomer_lang = await newcomer_of(turn, case)
    await turn.outbox.write()
    texts = "\n".join(f"> {t}" for t in await last_texts(turn.session, newcomer.id)) or "-"
    turn.outbox.reply(
        coach_user,
        coach.telegram_id,
        lang,
        Reply(
            t_(
                "You have case #%(id)s (%(name)s, %(language)s). Last messages:\n%(messages)s\n\n"
                "Write here to answer; /note for an internal note, /release, /transfer or /close when done.",
                id=case.id,
                name=newcomer.first_name or "?",
                language=NATIVE_NAMES.get(case.language, case.language),
                messages=texts,
            )
        ),
        case_id=case.id,
    )
    translated = await machine.last_texts_translated(turn, coach, coach_user, case, newcomer)
    if translated is not None:
        turn.outbox.reply(coach_user, coach.telegram_id, lang, translated, case_id=case.id)
    turn.outbox.reply(
        newcomer,
        newcomer.telegram_id,
        newcomer_lang,
        Reply(t_("Coach %(name)s is now with you. You can write here.", name=coach.name)),
        case_id=case.id,
    )
    await _edit_card(turn, case, newcomer, coach)


async def _edit_card(turn: Turn, case: Case, newcomer: User, coach: Coach) -> None:
    """The group card shows who took the case (no Claim button). Not recorded yet (Telegram has not
    answered): the sender edits it when it records the card (`refresh_card`)."""
    if case.group_chat_id is not None and case.group_message_id is not None:
        group_lang = turn.settings.default_language
        turn.outbox.edit(
            case.group_chat_id,
            case.group_message_id,
            group_lang,
            await card(turn, case, newcomer, group_lang, coach),
            case_id=case.id,
        )


async def refresh_card(turn: Turn, case_id: int) -> None:
    """A group card recorded after its case was taken (a Claim faster than Telegram's answer, a
    /claim while the card waited its turn): edit it to show who has the case."""
    case = await turn.session.get(Case, case_id)
    if case is None or case.status == CASE_WAITING or case.coach_id is None or case.user_id is None:
        return  # still claimable, or taken by nobody (closed unclaimed, erased): the card may stay
    coach = await turn.session.get(Coach, case.coach_id)
    if coach is not None:
        await _edit_card(turn, case, (await newcomer_of(turn, case))[0], coach)


async def claim(
    turn: Turn, coach: Coach, coach_user: User, lang: str, case_id: int | None, *, all_languages: bool = False
) -> Case | None:
    case = await queue.claim(
        turn.session,
        coach,
        case_id,
        None if all_languages or case_id is not None else coach.speaks(),
        timedelta(minutes=turn.settings.idle_after_minutes),
        any_after=any_coach_since(turn),
    )
    if case is not None:
        await _after_claim(turn, coach, coach_user, lang, case)
    return case


def any_coach_since(turn: Turn) -> datetime | None:
    """With machine translation on: cases created before this may go to any coach (with translation)."""
    wait = machine.any_coach_after(turn.settings)
    return None if wait is None else turn.now - wait


async def release_case(turn: Turn, coach: Coach, case: Case) -> None:
    """The coach gives the case back: it waits again and the coaches are told (Telegram and console)."""
    await queue.release(turn.session, coach, case)
    newcomer, _ = await newcomer_of(turn, case)
    await announce(turn, case, newcomer)


async def transfer_case(turn: Turn, coach: Coach, case: Case, target: Coach) -> None:
    """The case goes to `target`, who gets it as if they had claimed it (Telegram and console)."""
    await queue.transfer(turn.session, coach, case, target)
    target_user = await coach_user(turn.session, target)
    await _after_claim(turn, target, target_user, coach_language(target, target_user), case)


async def close_case(turn: Turn, coach: Coach, case: Case, outcome: str) -> None:
    """Close with an outcome; the newcomer gets the satisfaction question (Telegram and console)."""
    from bot.safeguarding.respond import closing_reply  # here: that module imports this one

    await queue.close(turn.session, case, outcome, coach)
    newcomer, newcomer_lang = await newcomer_of(turn, case)
    turn.outbox.reply(
        newcomer,
        newcomer.telegram_id,
        newcomer_lang,
        closing_reply(case) or Reply(CASE_CLOSED_MSG, satisfaction_buttons(case.id)),
        case_id=case.id,
    )


async def coach_command(turn: Turn, sender: Sender, command: str, args: str, chat_id: int) -> None:
    coach, user, lang = sender.coach, sender.user, sender.lang
    assert coach is not None
    out = turn.outbox

    def say(msg: Msg, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        out.reply(user, chat_id, lang, Reply(msg, buttons))

    # coach console (issue 23): a one-time sign-in link, in the coach's private chat only
    if command == "console":
        from bot.console.auth import issue_link

        url = await issue_link(turn.session, coach, turn.settings.console_base_url(), turn.now)
        say(t_("Your sign-in link for the coach console. It works once, for 10 minutes:\n%(url)s", url=url))
        return

    active = await turn.session.get(Case, coach.active_case_id) if coach.active_case_id else None
    if active is not None and (active.status != CASE_CLAIMED or active.coach_id != coach.id):
        coach.active_case_id, active = None, None

    if command == "queue":
        cases = await queue.waiting_cases(
            turn.session, None if args.strip() == "all" else coach.speaks(), any_after=any_coach_since(turn)
        )
        if not cases:
            say(t_("No cases are waiting in your languages. /queue all shows every language."))
            return
        lines = []
        for case in cases:
            minutes = int((turn.now - case.created_at).total_seconds() // 60)
            urgent = "‼ " if case.priority == PRIORITY_URGENT else ""
            lines.append(
                f"{urgent}#{case.id} · {case.language} · {topic_title(turn.flows, case.topic, lang)} · {minutes} min"
            )
        buttons = tuple((Button(t_("Claim #%(id)s", id=c.id), encode(CoachButton("claim", c.id))),) for c in cases[:8])
        say(
            tn_(
                "%(num)d case is waiting:\n%(cases)s",
                "%(num)d cases are waiting:\n%(cases)s",
                len(cases),
                cases="\n".join(lines),
            ),
            buttons,
        )
    elif command == "claim":
        arg = args.strip().lstrip("#")
        if arg and not arg.isdigit():
            say(t_("Use /claim or /claim followed by a case number, for example /claim 12."))
            return
        claimed = await claim(turn, coach, user, lang, int(arg) if arg else None)
        if claimed is None:
            say(t_("There is no waiting case to claim (it may have been taken already). /queue shows the queue."))
    elif command == "mine":
        cases = list(
            await turn.session.scalars(select(Case).where(Case.coach_id == coach.id, Case.status == CASE_CLAIMED))
        )
        if not cases:
            say(t_("You have no open cases. /claim takes the oldest waiting case."))
            return
        mine = "\n".join(f"{'→ ' if c.id == coach.active_case_id else ''}#{c.id} · {c.language}" for c in cases)
        say(
            t_("Your cases:\n%(cases)s", cases=mine),
            tuple((Button(Plain(f"#{c.id}"), encode(CoachButton("use", c.id))),) for c in cases[:8]),
        )
    elif active is None:
        say(NO_ACTIVE_CASE)
    elif command == "release":
        await release_case(turn, coach, active)
        say(t_("Case #%(id)s is back in the queue.", id=active.id))
    elif command == "transfer":
        target = await queue.find_coach(turn.session, args) if args.strip() else None
        if target is None or target.id == coach.id:
            say(t_("Use /transfer followed by the name or Telegram id of another coach."))
            return
        await transfer_case(turn, coach, active, target)
        say(t_("Case #%(id)s now belongs to %(name)s.", id=active.id, name=target.name))
    elif command == "close":
        outcome = args.strip().lower() or "answered"
        if outcome not in queue.OUTCOMES:
            say(t_("Unknown outcome. Use one of: %(outcomes)s", outcomes=", ".join(queue.OUTCOMES[:4])))
            return
        await close_case(turn, coach, active, outcome)
        say(closed_as(outcome, active.id))
    elif command == "intake":
        from bot.intake import form
        from bot.intake import store as intake_store

        newcomer, newcomer_lang = await newcomer_of(turn, active)
        started = form.start(await intake_store.load(turn.session, newcomer.id))
        await intake_store.save(turn.session, newcomer.id, started.state)
        for reply in started.replies:
            out.reply(newcomer, newcomer.telegram_id, newcomer_lang, reply, case_id=active.id)
        say(t_("The intake questions were sent to the newcomer of case #%(id)s.", id=active.id))
    elif command == "note":
        if not args.strip():
            say(t_("Use /note followed by your note. Notes are never shown to the newcomer."))
            return
        await queue.note(turn.session, coach, active, args.strip())
        say(t_("Note saved for case #%(id)s (not shown to the newcomer).", id=active.id))


def closed_as(outcome: str, case_id: int) -> Msg:
    """The coach's confirmation in words (the outcome codes are for /close and the reports)."""
    if outcome == "referred":
        return t_("Case #%(id)s is closed: the newcomer was referred elsewhere.", id=case_id)
    if outcome == "intake_done":
        return t_("Case #%(id)s is closed: the intake is done.", id=case_id)
    if outcome == "no_response":
        return t_("Case #%(id)s is closed: the newcomer did not respond.", id=case_id)
    return t_("Case #%(id)s is closed: the question was answered.", id=case_id)


async def coach_button(turn: Turn, sender: Sender, button: CoachButton, chat_id: int) -> None:
    """Claim (card or queue button) or use (switch the active case)."""
    coach = sender.coach
    assert coach is not None
    case_id = button.case_id
    if button.action == "claim":
        case = await claim(turn, coach, sender.user, sender.lang, case_id)
        if case is None:
            existing = await turn.session.get(Case, case_id)
            taken_by = await turn.session.get(Coach, existing.coach_id) if existing and existing.coach_id else None
            left = (
                machine.minutes_until_any_coach(
                    turn.settings, existing, coach, turn.now, await queue.spoken_languages(turn.session)
                )
                if existing is not None and existing.status == CASE_WAITING and machine.is_on(turn.settings)
                else None
            )
            msg = (
                t_("Case #%(id)s was already taken by %(name)s.", id=case_id, name=taken_by.name)
                if taken_by
                else tn_(
                    "Case #%(id)s waits %(num)d more minute for a coach who speaks %(language)s; then you can "
                    "claim it and talk through machine translation.",
                    "Case #%(id)s waits %(num)d more minutes for a coach who speaks %(language)s; then you can "
                    "claim it and talk through machine translation.",
                    left,
                    id=case_id,
                    language=NATIVE_NAMES.get(existing.language, existing.language) if existing else "",
                )
                if left
                else t_("Case #%(id)s cannot be claimed any more.", id=case_id)
            )
            turn.outbox.reply(sender.user, coach.telegram_id, sender.lang, Reply(msg))
    elif button.action == "use":
        case = await turn.session.get(Case, case_id)
        if case is not None and case.coach_id == coach.id and case.status == CASE_CLAIMED:
            coach.active_case_id = case.id
            turn.outbox.reply(
                sender.user, chat_id, sender.lang, Reply(t_("Your messages now go to case #%(id)s.", id=case.id))
            )


async def coach_relay(
    turn: Turn, sender: Sender, case: Case, *, kind: str, text: str | None, chat_id: int, message_id: int | None
) -> None:
    """A coach's message (text or media) to the newcomer of `case`."""
    coach = sender.coach
    assert coach is not None
    newcomer, newcomer_lang = await newcomer_of(turn, case)
    await queue.touch(turn.session, case)
    if kind == "text":
        if not await drafts.coach_text(turn, coach, case, newcomer, newcomer_lang, text or ""):
            relay_text(turn, coach, case, newcomer, newcomer_lang, text or "")
    elif message_id is not None:  # the coach's name first, as on their texts
        mark_replied(turn, case)
        turn.outbox.reply(
            newcomer, newcomer.telegram_id, newcomer_lang, Reply(Plain(f"{coach.name}:")), case_id=case.id
        )
        turn.outbox.copy(newcomer, newcomer.telegram_id, chat_id, message_id, case_id=case.id)


def mark_replied(turn: Turn, case: Case) -> None:
    """The coach's first message to the newcomer (text or file): the reports' time to first reply."""
    if case.first_reply_at is None:
        case.first_reply_at = turn.now


def relay_text(turn: Turn, coach: Coach, case: Case, newcomer: User, newcomer_lang: str, text: str) -> None:
    """A coach's text to the newcomer, as the newcomer sees it (from Telegram and from the console)."""
    mark_replied(turn, case)
    turn.outbox.reply(
        newcomer, newcomer.telegram_id, newcomer_lang, Reply(Plain(f"{coach.name}: {text}")), case_id=case.id
    )


async def find_case_for_coach(
    session: AsyncSession, settings: Settings, coach: Coach, chat_id: int, reply_to: int | None, thread_id: int | None
) -> Case | None:
    """Which case a coach's message is for: the case's topic, the relayed message they reply to, or
    their active case. No Turn: machine translation asks before the transaction."""
    case: Case | None = None
    if thread_id is not None and chat_id == settings.coach_chat_id:
        case = await session.scalar(select(Case).where(Case.thread_id == thread_id, Case.status != CASE_CLOSED))
    elif reply_to is not None:
        case_id = await session.scalar(
            select(Message.case_id).where(Message.chat_id == chat_id, Message.telegram_message_id == reply_to)
        )
        case = await session.get(Case, case_id) if case_id else None
    if case is None and thread_id is None and coach.active_case_id:
        case = await session.get(Case, coach.active_case_id)
    if case is None or case.status != CASE_CLAIMED or case.coach_id != coach.id:
        return None
    return case


# erasure -------------------------------------------------------------------------------------------
DELETE_WITHIN = timedelta(hours=47)  # Telegram lets a bot delete its messages for 48 hours; a margin for the outbox
ERASED_NOTE = t_("(Erased at the newcomer's request.)")


async def erase_newcomer(turn: Turn, user: User) -> Erased:
    """/delete: erase the newcomer's data (bot.privacy.erase) and retract what coaches received about
    them (cards, relays, intake cards): deleted when younger than 48 hours, older texts edited to a
    note; each chat concerned is told."""
    from bot import privacy

    case_ids = list(await turn.session.scalars(select(Case.id).where(Case.user_id == user.id)))
    sent = []
    if case_ids:
        rows = await turn.session.execute(
            select(Message.chat_id, Message.telegram_message_id, Message.created_at, Message.kind)
            .where(
                Message.case_id.in_(case_ids),
                Message.direction == "out",
                Message.chat_id != user.telegram_id,
                Message.telegram_message_id.is_not(None),
                Message.kind.in_(("text", "card", "copy")),
            )
            .order_by(Message.id)
        )
        sent = list(rows.all())
    erased = await privacy.erase(turn.session, user)
    chats: dict[int, str] = {}
    for chat_id, message_id, created_at, kind in sent:
        if message_id is None:
            continue
        if chat_id not in chats:
            chats[chat_id] = await _chat_language(turn, chat_id)
        if turn.now - created_at < DELETE_WITHIN:
            turn.outbox.delete(chat_id, message_id)
        elif kind != "copy":  # a copied photo cannot become text; it stays (docs/reliability.md)
            turn.outbox.edit(chat_id, message_id, chats[chat_id], Reply(ERASED_NOTE), case_id=case_ids[0])
    for chat_id, lang in chats.items():
        notice = t_(
            "A newcomer of case #%(id)s had their data erased: my messages about them in this chat were "
            "deleted or blanked.",
            id=case_ids[-1],
        )
        turn.outbox.reply(None, chat_id, lang, Reply(notice))
    return erased


async def _chat_language(turn: Turn, chat_id: int) -> str:
    coach = await turn.session.scalar(select(Coach).where(Coach.telegram_id == chat_id))
    if coach is None:  # the coaches' group
        return turn.settings.default_language
    return coach_language(coach, await coach_user(turn.session, coach))


# timers --------------------------------------------------------------------------------------------
async def run_timers(turn: Turn) -> int:
    """Re-announce cases waiting too long and remind coaches of idle cases. Rows, not memory: any
    replica may run this; on PostgreSQL due timers are locked with SKIP LOCKED."""
    done = 0
    for timer in await queue.due_timers(turn.session, turn.now):
        timer.done_at = turn.now
        done += 1
        case = await turn.session.get(Case, timer.case_id)
        if case is None:
            continue
        if timer.kind == "reannounce" and case.status == CASE_WAITING:
            newcomer, _ = await newcomer_of(turn, case)
            await announce(turn, case, newcomer)
            urgent = case.priority == PRIORITY_URGENT
            minutes = turn.settings.urgent_reannounce_minutes if urgent else turn.settings.reannounce_after_minutes
            turn.session.add(Timer(case_id=case.id, kind="reannounce", due_at=turn.now + timedelta(minutes=minutes)))
        elif timer.kind == "idle_reminder" and case.status == CASE_CLAIMED and case.coach_id is not None:
            idle = timedelta(minutes=turn.settings.idle_after_minutes)
            quiet_since = case.last_activity_at
            if turn.now - quiet_since >= idle:
                coach = await turn.session.get(Coach, case.coach_id)
                if coach is not None:
                    minutes = int((turn.now - quiet_since).total_seconds() // 60)
                    quiet = tn_(
                        "Case #%(id)s has been quiet for %(num)d minute. Write to the newcomer, or /close it.",
                        "Case #%(id)s has been quiet for %(num)d minutes. Write to the newcomer, or /close it.",
                        minutes,
                        id=case.id,
                    )
                    await tell_coach(turn, coach, quiet, case.id)
                next_due = turn.now + idle
            else:
                next_due = quiet_since + idle
            turn.session.add(Timer(case_id=case.id, kind="idle_reminder", due_at=next_due))
    return done

"""What the bot does with a disclosure: the help lines first, then an urgent case for the coaches.
The category is special-category data: it is stored on the case only and never logged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal, cast

from sqlalchemy import update

from bot.callbacks import Callback, CoachButton, DismissAlarm, SafeguardingCategory, SafetyAnswer, encode
from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_WAITING,
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    Case,
    CaseEvent,
    Coach,
    Timer,
    User,
)
from bot.dialog import INTAKE, with_menu_button
from bot.handoff import coaches, queue
from bot.handoff.hours import format_opening
from bot.handoff.service import Sender, Turn
from bot.intake import store as intake_store
from bot.intake.form import Status
from bot.languages import NATIVE_NAMES
from bot.messages import Button, Lines, Msg, NodeText, Reply, t_
from bot.safeguarding.patterns import PRIORITY
from bot.safeguarding.recognise import patterns_only, recognise

FLOW = "safeguarding"  # flows/safeguarding.yml: one node per category
REASON = "safeguarding"

DISMISS = t_("No, I am fine — I have another question")
DISMISSED = t_("Thank you for letting me know. What is your question? You can also choose a topic.")
NEXT_OPEN = t_(
    "What happens now: I have asked a coach to write to you here as soon as possible. You are first in the "
    "queue. You can keep writing to me; the coach will read everything."
)
NEXT_CLAIMED = t_("What happens now: your coach %(name)s has been told and will answer you here.")
NEXT_CLOSED = t_(
    "Our coaches are not working right now, so no person can read this at the moment. A coach will read "
    "your messages on %(when)s. If you need help now, please call the number above: it is there day and night."
)
NEXT_NOBODY = t_(
    "Right now no coach can be reached through this helpdesk, so no person can read this. If you need help "
    "now, please call the number above: it is there day and night."
)
# The middle band: the model is unsure, so the bot asks once, gently, and then answers the message as usual.
ASK = t_("Before I answer: are you safe right now? If something is wrong, I can put you in touch with a person.")
ASK_SAFE = t_("Yes, I am safe")
ASK_HELP = t_("No, I need help")
ASK_THANKS = t_("Thank you. If you ever need help, tell me: a coach can talk with you.")
CARE_OPEN = t_(
    "Thank you, I have added this for the coach. A coach will write to you here as soon as possible. "
    "If you are in danger, call 112."
)
CLOSED_AFTER_CARE = t_(
    "Your conversation with the coach has ended. You can write to me again at any time. If you need help now, call 112."
)

CATEGORY_LABELS: dict[str, Msg] = {
    "suicide": t_("suicidal thoughts"),
    "danger": t_("immediate danger"),
    "domestic_violence": t_("domestic violence"),
    "exploitation": t_("labour exploitation"),
    "harassment": t_("harassment or discrimination"),
    "minor": t_("a minor (under 18)"),
}


@dataclass(frozen=True)
class Handled:
    """The pipeline stops here; the update's message belongs to this case (if any)."""

    case_id: int | None


def check(kind: str, text: str | None) -> str | None:
    """The category of a newcomer's typed text or caption, or None (commands and buttons are not read)."""
    if kind in {"command", "button", "edited"}:
        return None
    return recognise(text)


def unsure(kind: str, text: str | None) -> str | None:
    """The model's guess of a category when `text` is in its middle band (neither an alarm nor
    nothing): the bot asks "Are you safe right now?". None otherwise."""
    if kind in {"command", "button", "edited"} or not text or not text.strip() or patterns_only(text) is not None:
        return None
    from bot.safeguarding.model import current  # here: model.py imports the recogniser

    model = current()
    return model.category(text) if model is not None and model.band(text) == "ask" else None


def concerns(kind: str, text: str | None, button: Callback | None = None) -> bool:
    """Whether this update is safeguarding business: a disclosure, the dismiss button or the answer to
    "Are you safe right now?" (the question itself is asked by its own route, bot/routes/safeguarding.py)."""
    return isinstance(button, DismissAlarm | SafetyAnswer) or check(kind, text) is not None


async def ask_if_safe(turn: Turn, sender: Sender, kind: str, text: str | None, chat_id: int) -> bool:
    """A message in the middle band: ask "Are you safe right now?" (unless a disclosure case is already
    open: the coach knows). True when asked; the message is then answered as usual by the next route."""
    category = unsure(kind, text)
    if category is None:
        return False
    existing = await queue.open_case_of(turn.session, sender.user.id)
    if existing is not None and existing.safeguarding is not None:
        return False
    guess = cast(SafeguardingCategory, category)  # one of CATEGORIES
    choices = (
        (Button(ASK_HELP, encode(SafetyAnswer("help", guess))),),
        (Button(ASK_SAFE, encode(SafetyAnswer("safe", guess))),),
    )
    turn.outbox.reply(sender.user, chat_id, sender.lang, Reply(ASK, choices))
    return True


async def respond(
    turn: Turn,
    sender: Sender,
    kind: str,
    text: str | None,
    chat_id: int,
    message_id: int | None = None,
    button: Callback | None = None,
) -> Handled | None:
    """Handle a disclosure or the dismiss button; None when this update is not safeguarding business."""
    if isinstance(button, DismissAlarm):
        return await _dismiss(turn, sender, button, chat_id)
    if isinstance(button, SafetyAnswer):
        if button.answer == "help":  # as a disclosure of the guessed category (a coach sees the messages)
            return await _disclosure(turn, sender, button.category, kind, None, chat_id, message_id)
        turn.outbox.reply(sender.user, chat_id, sender.lang, Reply(ASK_THANKS))
        return Handled(None)
    category = check(kind, text)
    if category is None:
        return None
    return await _disclosure(turn, sender, category, kind, text, chat_id, message_id)


async def _disclosure(
    turn: Turn, sender: Sender, category: str, kind: str, text: str | None, chat_id: int, message_id: int | None
) -> Handled:
    """The help lines of `category`, with the dismiss button, and an urgent case."""
    user, lang = sender.user, sender.lang
    await _pause_intake(turn, user)
    existing = await queue.open_case_of(turn.session, user.id)
    if existing is not None and existing.status == CASE_CLAIMED and text:  # the coach reads the message itself too
        from bot.handoff.service import newcomer_in_case

        await newcomer_in_case(
            turn, sender, existing, kind=kind, command=None, text=text, chat_id=chat_id, message_id=message_id
        )
    case, opened = await _urgent_case(turn, user, lang, category)
    # On dismissal: close a case it opened, downgrade one it upgraded.
    marker: Literal["o", "u"] = "o" if opened else "u"
    dismiss = ((Button(DISMISS, encode(DismissAlarm(case.id, marker))),),)
    turn.outbox.reply(user, chat_id, lang, Reply(NodeText(FLOW, category), dismiss), case_id=case.id)
    turn.outbox.reply(user, chat_id, lang, await _next_step(turn, case, lang), case_id=case.id)
    return Handled(case.id)


async def _next_step(turn: Turn, case: Case, lang: str) -> Reply:
    if case.status == CASE_CLAIMED and case.coach_id is not None:
        coach = await turn.session.get(Coach, case.coach_id)
        return Reply(replace(NEXT_CLAIMED, params=(("name", coach.name if coach else "?"),)))
    # Counted now (a disclosure is rare): promising a coach when none is registered would mislead.
    if not (await coaches.availability(turn.session, turn.settings)).reachable:
        return Reply(NEXT_NOBODY)
    if turn.hours.is_open(turn.now):
        return Reply(NEXT_OPEN)
    return Reply(_closed(turn, lang))


def _closed(turn: Turn, lang: str) -> Msg:
    return replace(NEXT_CLOSED, params=(("when", format_opening(turn.hours.next_opening(turn.now), lang)),))


async def _pause_intake(turn: Turn, user: User) -> None:
    """A disclosure in the middle of the intake pauses it (before consent: no intake at all)."""
    intake = await intake_store.load(turn.session, user.id)
    paused: dict[str, Status] = {"asking": "paused", "review": "paused", "consent": "declined"}
    if intake is not None and intake.status in paused:
        await intake_store.save(turn.session, user.id, replace(intake, status=paused[intake.status]))


def _more_urgent(new: str, old: str | None) -> str:
    if old is None or old not in PRIORITY:
        return new
    return new if PRIORITY.index(new) < PRIORITY.index(old) else old


async def _urgent_case(turn: Turn, user: User, lang: str, category: str) -> tuple[Case, bool]:
    """Open an urgent case, or upgrade the open one; tell the coaches. True when opened now."""
    urgent_after = timedelta(minutes=turn.settings.urgent_reannounce_minutes)
    case, created = await queue.create_case(
        turn.session, user, language=lang, topic=FLOW, reason=REASON, reannounce_after=urgent_after
    )
    before = (case.priority, case.safeguarding) if not created else None
    case.priority = PRIORITY_URGENT
    case.safeguarding = _more_urgent(category, case.safeguarding)
    if before == (case.priority, case.safeguarding):
        return case, created  # already urgent for this concern: the coaches know (no card per message)
    if not created:
        turn.session.add(CaseEvent(case_id=case.id, action="urgent"))  # no category: events are not special
    if case.status == CASE_WAITING:
        if not created:
            await _restart_reannounce(turn, case, urgent_after)
        await announce_urgent(turn, case, user)
    elif case.status == CASE_CLAIMED and case.coach_id is not None:
        coach = await turn.session.get(Coach, case.coach_id)
        if coach is not None:
            await _alert_coach(turn, case, user, coach)
    return case, created


async def _restart_reannounce(turn: Turn, case: Case, after: timedelta) -> None:
    """One re-announcement chain at the urgent interval instead of the normal one."""
    await turn.session.execute(
        update(Timer)
        .where(Timer.case_id == case.id, Timer.kind == "reannounce", Timer.done_at.is_(None))
        .values(done_at=turn.now)
    )
    turn.session.add(Timer(case_id=case.id, kind="reannounce", due_at=turn.now + after))


CONCERN = t_("Concern")


def _concern(case: Case) -> tuple[tuple[Msg, Msg], ...]:
    """The category for coaches, translated on its own (a 'Concern: …' line)."""
    return ((CONCERN, CATEGORY_LABELS.get(case.safeguarding or "", t_("safeguarding"))),)


async def _card(turn: Turn, case: Case, user: User, lang: str) -> Reply:
    from bot.handoff.service import last_texts  # the same excerpt as the ordinary card

    await turn.outbox.write()  # this turn's message belongs on the card
    heading = t_(
        "URGENT – safeguarding. Case #%(id)s – %(name)s\nLanguage: %(language)s\nWaiting since: %(since)s\n"
        "Last messages:\n%(messages)s\nThe newcomer was given the help lines. Please take this case first.",
        id=case.id,
        name=user.first_name or "?",
        language=NATIVE_NAMES.get(case.language, case.language),
        since=format_opening(case.created_at.astimezone(turn.hours.zone), lang),
        messages="\n".join(f"> {t}" for t in await last_texts(turn.session, user.id)) or "-",
    )
    claim = ((Button(t_("Claim"), encode(CoachButton("claim", case.id))),),)
    return Reply(Lines(heading, _concern(case)), claim)


async def announce_urgent(turn: Turn, case: Case, user: User) -> None:
    """An urgent card in the coaches' group (if any) AND privately to every coach who speaks the
    language (everyone, when nobody does)."""
    from bot.handoff.service import coach_language, coach_user, coaches_for

    group = turn.settings.coach_chat_id
    if group is not None:
        lang = turn.settings.default_language
        reply = await _card(turn, case, user, lang)
        turn.outbox.reply(None, group, lang, reply, case_id=case.id, thread_id=case.thread_id, kind="card")
    for coach in await coaches_for(turn, case):
        chat_user = await coach_user(turn.session, coach)
        lang = coach_language(coach, chat_user)
        turn.outbox.reply(chat_user, coach.telegram_id, lang, await _card(turn, case, user, lang), case_id=case.id)


async def _alert_coach(turn: Turn, case: Case, user: User, coach: Coach) -> None:
    """The coach who has the case: what was disclosed (the message itself is relayed as usual)."""
    from bot.handoff.service import tell_coach

    alert = t_(
        "URGENT: %(name)s (case #%(id)s) may need help now. They were given the help lines. Please answer them first.",
        name=user.first_name or "?",
        id=case.id,
    )
    await tell_coach(turn, coach, Reply(Lines(alert, _concern(case))), case.id)


async def _dismiss(turn: Turn, sender: Sender, button: DismissAlarm, chat_id: int) -> Handled:
    """A false alarm, dismissed with one tap."""
    from bot.handoff.service import tell_coach

    user, lang = sender.user, sender.lang
    dismissed = with_menu_button(DISMISSED)
    intake = await intake_store.load(turn.session, user.id)
    if intake is not None and intake.status == "paused":
        # The alarm paused the intake (or it was paused before): the way back to it, not only the menu.
        dismissed = replace(dismissed, buttons=((Button(t_("Sign up for guidance"), INTAKE),), *dismissed.buttons))
    case = await turn.session.get(Case, button.case_id)
    if case is None or case.user_id != user.id or case.status == CASE_CLOSED or case.safeguarding is None:
        turn.outbox.reply(user, chat_id, lang, dismissed)
        return Handled(None)
    coach = await turn.session.get(Coach, case.coach_id) if case.coach_id else None
    turn.session.add(CaseEvent(case_id=case.id, action="alarm_dismissed"))
    if button.marker == "o" and coach is None:
        await queue.close(turn.session, case, "dismissed")
    else:
        case.priority, case.safeguarding = PRIORITY_NORMAL, None
    if coach is not None:
        note = t_("The newcomer of case #%(id)s says they are fine: it was a false alarm.", id=case.id)
        await tell_coach(turn, coach, note, case.id)
    turn.outbox.reply(user, chat_id, lang, dismissed)
    return Handled(case.id)


def care_reply(turn: Turn, case: Case, lang: str) -> list[Reply] | None:
    """While a disclosure case waits: care instead of the usual notice; outside office hours, honestly
    that nobody is there, and the help lines again. None for ordinary cases."""
    if case.safeguarding is None:
        return None
    if not coaches.believed_reachable(turn.settings):
        return [Reply(NodeText(FLOW, case.safeguarding)), Reply(NEXT_NOBODY)]
    if turn.hours.is_open(turn.now):
        return [Reply(CARE_OPEN)]
    return [Reply(NodeText(FLOW, case.safeguarding)), Reply(_closed(turn, lang))]


def closing_reply(case: Case) -> Reply | None:
    """A disclosure case closes without the satisfaction question."""
    return Reply(CLOSED_AFTER_CARE) if case.priority == PRIORITY_URGENT else None

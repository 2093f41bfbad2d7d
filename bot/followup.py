"""Work outcomes, with consent (issue 25): FOLLOWUP_MONTHS after the intake the bot asks whether they found work.
Each question is a row that is its own timer (any replica's periodic job sends it), so a restart loses nothing."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import ColumnElement, select, update

from bot.callbacks import FollowupAnswer, FollowupConsent, WorkAnswer, encode
from bot.db.models import Intake, User, WorkFollowup
from bot.handoff.service import Sender, Turn
from bot.messages import Button, Msg, Reply, t_, tn_

CONSENT_YES, CONSENT_NO, STOP = (encode(FollowupConsent(a)) for a in ("yes", "no", "stop"))
# answer codes in the callback data (`fu:a:<question id>:<code>`) and the stored answers
ANSWERS = {"pw": "paid_work", "in": "internship", "ed": "education", "vo": "volunteering", "ny": "not_yet"}

OFFER = t_(
    "May we ask you in a few months whether you found work, an internship, education or volunteer work? "
    "Your answer helps us improve the helpdesk. You can stop it at any time."
)
AGREED = t_("Thank you! We will ask you later. You can stop it at any time with the button under the question.")
DECLINED = t_("All right, we will not ask you.")
STOPPED = t_("All right, we will not ask you again.")
THANKS = t_("Thank you for telling us! We wish you all the best.")
EXPIRED = t_("This question is no longer open. Thank you!")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the last day of a shorter month)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def parse_months(spec: str) -> tuple[int, ...]:
    """FOLLOWUP_MONTHS: "3,6" (empty: never ask). Raises ValueError."""
    months = tuple(sorted({int(part) for part in spec.replace(" ", "").split(",") if part}))
    if any(m < 1 or m > 60 for m in months):
        raise ValueError("FOLLOWUP_MONTHS: whole months between 1 and 60, comma-separated, e.g. 3,6")
    return months


def offer_reply() -> Reply:
    return Reply(OFFER, ((Button(t_("Yes, you may ask me"), CONSENT_YES), Button(t_("No, thanks"), CONSENT_NO)),))


async def offer(turn: Turn, sender: Sender, chat_id: int) -> None:
    """At the end of the intake: ask for consent, unless nothing is configured or already agreed."""
    if parse_months(turn.settings.followup_months) and not await _pending(turn, sender.user.id):
        turn.outbox.reply(sender.user, chat_id, sender.lang, offer_reply())


def _still_due(user_id: int) -> tuple[ColumnElement[bool], ...]:
    """The user's questions not asked yet and not stopped."""
    return WorkFollowup.user_id == user_id, WorkFollowup.sent_at.is_(None), WorkFollowup.stopped_at.is_(None)


async def _pending(turn: Turn, user_id: int) -> list[WorkFollowup]:
    return list(await turn.session.scalars(select(WorkFollowup).where(*_still_due(user_id))))


def question(row: WorkFollowup) -> Reply:
    text = tn_(
        "Hello! About %(num)d month ago you did the intake with the Werkhelpdesk. What are you doing now?",
        "Hello! About %(num)d months ago you did the intake with the Werkhelpdesk. What are you doing now?",
        row.months,
    )
    labels: dict[WorkAnswer, Msg] = {
        "pw": t_("Paid work"),
        "in": t_("Internship or work placement"),
        "ed": t_("Education"),
        "vo": t_("Volunteering"),
        "ny": t_("Not yet"),
    }
    rows = tuple((Button(label, encode(FollowupAnswer(row.id, code))),) for code, label in labels.items())
    return Reply(text, (*rows, (Button(t_("Stop asking me"), STOP),)))


async def on_button(turn: Turn, sender: Sender, button: FollowupConsent | FollowupAnswer, chat_id: int) -> None:
    """The consent buttons, an answer, or "stop asking". Stale or forged data gets a kind word."""
    user, lang = sender.user, sender.lang
    answer = EXPIRED
    if button == FollowupConsent("yes"):
        if not await _pending(turn, user.id):
            intake = await turn.session.get(Intake, user.id)
            since = (intake.submitted_at if intake else None) or turn.now
            for months in parse_months(turn.settings.followup_months):
                due = add_months(since, months)
                turn.session.add(
                    WorkFollowup(user_id=user.id, months=months, language=lang, intake_at=since, due_at=due)
                )
        answer = AGREED
    elif button == FollowupConsent("no"):
        answer = DECLINED
    elif button == FollowupConsent("stop"):
        await turn.session.execute(update(WorkFollowup).where(*_still_due(user.id)).values(stopped_at=turn.now))
        answer = STOPPED
    elif isinstance(button, FollowupAnswer):
        row = await turn.session.get(WorkFollowup, button.question_id)
        if row is not None and row.user_id == user.id and row.sent_at is not None:
            row.answer, row.answered_at = ANSWERS[button.code], turn.now  # a second tap corrects the first
            answer = THANKS
    turn.outbox.reply(user, chat_id, lang, Reply(answer))


async def run_due(turn: Turn, limit: int = 50) -> int:
    """Send the questions that are due. Rows, not memory: on PostgreSQL the due rows are locked with
    SKIP LOCKED so two replicas never send the same question."""
    query = (
        select(WorkFollowup)
        .where(WorkFollowup.sent_at.is_(None), WorkFollowup.stopped_at.is_(None), WorkFollowup.due_at <= turn.now)
        .order_by(WorkFollowup.due_at)
        .limit(limit)
    )
    if turn.session.bind is not None and turn.session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sent = 0
    for row in await turn.session.scalars(query):
        user = await turn.session.get(User, row.user_id)
        if user is None or user.unreachable:  # blocked the bot: asking again would only fail
            row.stopped_at = turn.now
            continue
        row.sent_at = turn.now
        lang = user.chosen_language or row.language
        turn.outbox.reply(user, user.telegram_id, lang, question(row))
        sent += 1
    return sent

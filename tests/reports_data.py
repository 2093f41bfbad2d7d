"""A small generated history with figures counted by hand (see the expectations in test_reports.py):
three newcomers, two coaches, four cases in the period, two outside it. Office hours mon-fri
09:00-17:00 Europe/Amsterdam; March 2026 is winter time (UTC+1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CASE_CLAIMED,
    CASE_CLOSED,
    PRIORITY_URGENT,
    Case,
    Intake,
    Message,
    User,
    WorkFollowup,
)
from bot.handoff.coaches import add_coach
from bot.reports.figures import Period

PERIOD = Period(date(2026, 3, 2), date(2026, 3, 4))  # Monday to Wednesday


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def generate(session: AsyncSession) -> dict[str, int]:
    anna = await add_coach(session, 901, "Anna", "nl,ar", staff=True)
    bilal = await add_coach(session, 902, "Bilal", "ar", staff=False)
    users = {}
    for name, telegram_id, lang in (("Zainab", 1001, "nl"), ("Yonas", 1002, "ar"), ("Lina", 1003, "ar")):
        user = User(telegram_id=telegram_id, first_name=name, last_language=lang)
        session.add(user)
        users[name] = user
    await session.flush()
    coach_user_id = await session.scalar(select(User.id).where(User.telegram_id == 901))
    assert coach_user_id is not None
    u1, u2, u3 = users["Zainab"].id, users["Yonas"].id, users["Lina"].id

    def incoming(
        user_id: int, when: datetime, lang: str, intent: str | None, answer: str | None, kind: str = "text"
    ) -> Message:
        return Message(
            user_id=user_id,
            chat_id=user_id,
            direction="in",
            kind=kind,
            text="secret words",
            language=lang,
            intent=intent,
            answer=answer,
            created_at=when,
        )

    session.add_all(
        [
            incoming(u1, at(2, 10), "nl", "cv_help", "faq"),
            incoming(u1, at(2, 11), "nl", "cv_help", "asked_back"),
            incoming(u1, at(3, 9), "nl", "job_application", "faq"),
            incoming(u2, at(2, 12), "ar", "diploma_recognition", "unanswered"),
            incoming(u2, at(2, 12, 5), "ar", None, None, kind="button"),
            incoming(u3, at(4, 8), "ar", "greet", "other"),
            # not counted: a coach's own chat with the bot, the bot's replies, outside the period
            incoming(coach_user_id, at(2, 13), "nl", "cv_help", "faq"),
            Message(
                user_id=u1, chat_id=1001, direction="out", kind="text", text="x", language="nl", created_at=at(2, 10)
            ),
            incoming(u1, at(5, 0, 1), "nl", "cv_help", "faq"),
            incoming(u3, at(1, 23, 59), "ar", "cv_help", "faq"),
        ]
    )
    k1 = Case(
        user_id=u1, status=CASE_CLOSED, language="nl", topic="cv_help", reason="asked", coach_id=anna.id,
        created_at=at(2, 9), claimed_at=at(2, 9, 20), first_reply_at=at(2, 9, 30), closed_at=at(2, 11),
        outcome="answered", satisfaction=3,
    )  # fmt: skip
    k2 = Case(
        user_id=u2, status=CASE_CLOSED, language="ar", topic="diploma_recognition", reason="asked",
        coach_id=anna.id, created_at=at(2, 15, 30), claimed_at=at(3, 8), first_reply_at=at(3, 8, 30),
        closed_at=at(3, 10, 30), outcome="referred", satisfaction=1,
    )  # fmt: skip
    k3 = Case(
        user_id=u3, status=CASE_CLAIMED, language="ar", topic=None, reason="sensitive", coach_id=bilal.id,
        created_at=at(4, 7), claimed_at=at(4, 7, 5), first_reply_at=at(4, 7, 10), priority=PRIORITY_URGENT,
        safeguarding="danger",
    )  # fmt: skip
    k4 = Case(
        user_id=None, status=CASE_CLOSED, language="nl", topic="start_intake", reason="intake",
        created_at=at(3, 12), closed_at=at(4, 12), outcome="no_response",
    )  # fmt: skip
    outside = Case(
        user_id=None, status=CASE_CLOSED, language="nl", topic="cv_help", reason="asked", coach_id=anna.id,
        created_at=at(20, 12, month=2), first_reply_at=at(20, 12, 5, month=2), closed_at=at(20, 13, month=2),
        outcome="answered", satisfaction=2,
    )  # fmt: skip
    session.add_all([k1, k2, k3, k4, outside])
    session.add_all(
        [
            Intake(
                user_id=u1,
                status="submitted",
                consent_at=at(2, 10),
                submitted_at=at(2, 10, 30),
                updated_at=at(2, 10, 30),
            ),
            Intake(user_id=u2, status="consent", updated_at=at(3, 14)),
            Intake(user_id=u3, status="asking", consent_at=at(4, 9), updated_at=at(4, 9, 5)),
        ]
    )

    def followup(user_id: int, months: int, lang: str, answer: str | None, answered: datetime | None) -> WorkFollowup:
        return WorkFollowup(
            user_id=user_id, months=months, language=lang, intake_at=at(1, 12, month=1), due_at=at(1, 12),
            sent_at=at(1, 12), answer=answer, answered_at=answered,
        )  # fmt: skip

    session.add_all(
        [
            followup(u1, 3, "nl", "paid_work", at(3, 10)),
            followup(u2, 3, "ar", "not_yet", at(3, 11)),
            followup(u3, 6, "ar", "education", at(4, 10)),
            followup(u3, 3, "ar", None, None),  # asked, not answered
            followup(u2, 6, "ar", "paid_work", at(10, 10)),  # answered after the period
        ]
    )
    await session.flush()
    return {"anna": anna.id, "bilal": bilal.id, "u1": u1, "u2": u2, "u3": u3}

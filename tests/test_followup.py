"""Work outcomes with consent (issue 25): the offer at the end of the intake, the questions after the
configured months (a test clock), a restart in between, "stop asking", /mydata and /delete; on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update

from bot import followup
from bot.db.models import Intake, User, WorkFollowup, utcnow
from bot.handoff.hours import OfficeHours
from bot.handoff.service import Turn
from bot.messages import Msg, Reply, t_
from bot.nlu.embedded import EmbeddedClassifier
from bot.outbox import Outbox, Outgoing
from bot.pipeline import Incoming, process, run_timers
from bot.render import Renderer
from bot.reports.figures import Period, build
from bot.services import Services, open_services
from bot.settings import Settings
from tests.conftest import make_settings

AMAL = 1001


def rendered(services: Services, reply: Reply, lang: str = "ar") -> str:
    return Renderer(services.translator, services.flows).render(reply, lang)[0].text


def text(services: Services, msg: Msg, lang: str = "ar") -> str:
    return rendered(services, Reply(msg), lang)


async def tap(services: Services, data: str, who: int = AMAL) -> list[Outgoing]:
    result = await process(services, Incoming(who, who, "button", data=data, first_name="Amal"))
    return [o for o in result.outgoing if o.chat_id == who]


async def ready_to_submit(services: Services, who: int = AMAL) -> None:
    """A newcomer (Arabic) at the intake's review step, as if they had answered every question."""
    await process(services, Incoming(who, who, "command", command="start", first_name="Amal", telegram_language="ar"))
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == who))
        assert user is not None
        user.chosen_language = "ar"
        session.add(Intake(user_id=user.id, status="review", answers={"first_name": "أمل"}, consent_at=utcnow()))


async def due_now(services: Services, now: datetime) -> list[Outgoing]:
    """The periodic job as the bot runs it, with the clock at `now`."""
    async with services.sessions() as session, session.begin():
        outbox = Outbox(session, Renderer(services.translator, services.flows), None)
        await followup.run_due(Turn(session, outbox, services.settings, services.flows, now))
        return await outbox.flush()


async def rows(services: Services) -> list[WorkFollowup]:
    async with services.sessions() as session:
        return list(await session.scalars(select(WorkFollowup).order_by(WorkFollowup.months)))


async def agree(services: Services) -> list[WorkFollowup]:
    await ready_to_submit(services)
    submitted = await tap(services, "in:submit")
    offer = submitted[-1]
    assert offer.text == text(services, followup.OFFER)
    assert [d for row in offer.buttons for _, d in row] == ["fu:yes", "fu:no"]
    agreed = await tap(services, "fu:yes")
    assert [o.text for o in agreed] == [text(services, followup.AGREED)]
    return await rows(services)


async def test_asked_after_three_and_six_months_in_their_language(services: Services) -> None:
    questions = await agree(services)
    assert [q.months for q in questions] == [3, 6]
    intake_at = questions[0].intake_at
    assert questions[0].due_at == followup.add_months(intake_at, 3)
    assert questions[1].due_at == followup.add_months(intake_at, 6)
    assert await tap(services, "fu:yes") != []  # a second tap adds nothing
    assert len(await rows(services)) == 2

    assert await due_now(services, questions[0].due_at - timedelta(minutes=1)) == []
    sent = await due_now(services, questions[0].due_at)
    assert len(sent) == 1
    assert sent[0].chat_id == AMAL
    assert sent[0].text == rendered(services, followup.question(questions[0]))
    data = [d for row in sent[0].buttons for _, d in row]
    first = questions[0].id
    assert data == [
        f"fu:a:{first}:pw",
        f"fu:a:{first}:in",
        f"fu:a:{first}:ed",
        f"fu:a:{first}:vo",
        f"fu:a:{first}:ny",
        "fu:stop",
    ]
    labels = [label for row in sent[0].buttons for label, _ in row]
    assert labels[0] == text(services, t_("Paid work"))  # Arabic, as the newcomer chose
    assert await due_now(services, questions[0].due_at + timedelta(days=1)) == []  # asked once

    thanks = await tap(services, f"fu:a:{first}:in")
    assert [o.text for o in thanks] == [text(services, followup.THANKS)]
    sent = await due_now(services, questions[1].due_at)
    assert len(sent) == 1
    assert await tap(services, f"fu:a:{questions[1].id}:pw") != []
    answered = await rows(services)
    assert [(q.months, q.answer) for q in answered] == [(3, "internship"), (6, "paid_work")]

    # the reports page's chart data: by months since the intake and language
    async with services.sessions() as session:
        today = datetime.now(UTC).date()
        hours = OfficeHours.parse("mon-fri 09:00-17:00", "Europe/Amsterdam")
        report = await build(session, Period(today - timedelta(days=1), today + timedelta(days=1)), hours)
    assert report["work_outcomes"].rows == [(3, "ar", 0, 1, 0, 0, 0, 1), (6, "ar", 1, 0, 0, 0, 0, 1)]


async def test_a_restart_between_consent_and_question_loses_nothing(
    services: Services, settings: Settings, embedded: EmbeddedClassifier
) -> None:
    await agree(services)
    async with open_services(settings, embedded=embedded) as again:  # another process, after a restart
        async with again.sessions() as session, session.begin():
            await session.execute(
                update(WorkFollowup).where(WorkFollowup.months == 3).values(due_at=utcnow() - timedelta(minutes=1))
            )
        sent = [o for o in await run_timers(again) if o.chat_id == AMAL]  # the bot's periodic job
        assert len(sent) == 1
        assert "fu:stop" in [d for row in sent[0].buttons for _, d in row]
        assert [o for o in await run_timers(again) if o.chat_id == AMAL] == []


async def test_stop_asking_and_stale_or_forged_answers(services: Services) -> None:
    questions = await agree(services)
    await due_now(services, questions[0].due_at)
    stopped = await tap(services, "fu:stop")
    assert [o.text for o in stopped] == [text(services, followup.STOPPED)]
    assert await due_now(services, questions[1].due_at + timedelta(days=1)) == []
    after = await rows(services)
    assert after[1].sent_at is None
    assert after[1].stopped_at is not None
    # someone else's question, a made-up one: a kind word, nothing stored
    await process(services, Incoming(2002, 2002, "command", command="start", first_name="Sara"))
    for who, data in (
        (2002, f"fu:a:{questions[0].id}:pw"),
        (AMAL, "fu:a:9999:pw"),
    ):
        answers = [o.text for o in await tap(services, data, who)]
        assert len(answers) == 1
        assert answers[0] in {text(services, followup.EXPIRED, lang) for lang in ("ar", "nl", "en", "ti")}
    # a code that is no answer is no follow-up button at all (the codec refuses it): one reply, no answer
    assert len(await tap(services, f"fu:a:{questions[0].id}:zz")) == 1
    assert all(q.answer is None for q in await rows(services))


async def test_declining_stores_nothing(services: Services) -> None:
    await ready_to_submit(services)
    await tap(services, "in:submit")
    assert [o.text for o in await tap(services, "fu:no")] == [text(services, followup.DECLINED)]
    assert await rows(services) == []


async def test_in_mydata_and_erased_by_delete(services: Services) -> None:
    questions = await agree(services)
    await due_now(services, questions[0].due_at)
    await tap(services, f"fu:a:{questions[0].id}:vo")
    result = await process(services, Incoming(AMAL, AMAL, "command", command="mydata"))
    document = next(o for o in result.outgoing if o.kind == "document")
    exported = json.loads(document.text)["work_outcomes"]
    assert [(e["months_after_intake"], e["answer"]) for e in exported] == [(3, "volunteering"), (6, None)]
    await tap(services, "del:yes")
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WorkFollowup)) == 0
    assert await due_now(services, questions[1].due_at + timedelta(days=1)) == []


class TestOtherMonths:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"followup_months": "2"}

    async def test_the_months_come_from_the_settings(self, services: Services) -> None:
        questions = await agree(services)
        assert [q.months for q in questions] == [2]


class TestNeverAsk:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"followup_months": ""}

    async def test_no_offer_when_no_months_are_set(self, services: Services) -> None:
        await ready_to_submit(services)
        submitted = await tap(services, "in:submit")
        assert text(services, followup.OFFER) not in [o.text for o in submitted]


def test_settings_and_calendar(tmp_path: object) -> None:
    assert followup.parse_months("6, 3") == (3, 6)
    assert followup.parse_months("") == ()
    with pytest.raises(ValidationError, match="whole months"):
        make_settings("sqlite+aiosqlite://", tmp_path, followup_months="3,x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="whole months"):
        make_settings("sqlite+aiosqlite://", tmp_path, followup_months="0")  # type: ignore[arg-type]
    jan31 = datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert followup.add_months(jan31, 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert followup.add_months(jan31, 13) == datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert followup.add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)

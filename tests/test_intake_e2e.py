"""Intake and data rights end to end through the fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import followup
from bot.db.models import Base, Case, Intake, User
from bot.handoff.coaches import add_coach
from bot.handoff.service import Turn, expected_wait
from bot.i18n import directional
from bot.intake import form
from bot.messages import Msg
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import Services, open_services
from bot.settings import Settings
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import buttons, running_bot, say

pytestmark = pytest.mark.both_modes  # by long polling and by webhook

# A Telegram-sized id: no counter, message id or timestamp of a test run holds these digits by chance.
AMAL_ID = 7_301_946_285
AMAL = tg.user(AMAL_ID, "Amal", language_code="ar")
COACH = tg.user(501, "Fatima", language_code="nl")


@pytest.fixture
async def services(services: Services) -> Services:
    """The services with a coach registered (Dutch first)."""
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl,ar", staff=False)
    return services


async def amal_intake(session: AsyncSession) -> Intake | None:
    return await session.scalar(select(Intake).join(User, User.id == Intake.user_id).where(User.telegram_id == AMAL_ID))


def text_of(services: Services, msg: Msg, lang: str = "ar") -> str:
    return directional(services.translator.gettext(lang, msg), lang)


async def press(fake: FakeBotAPI, data: str, who: dict[str, Any] = AMAL) -> dict[str, Any]:
    return (await say(fake, tg.callback_update(who, data)))[-1]


async def write(fake: FakeBotAPI, text: str, who: dict[str, Any] = AMAL) -> dict[str, Any]:
    return (await say(fake, tg.text_update(who, text)))[-1]


def asks(services: Services, reply: dict[str, Any], key: str) -> None:
    assert reply["text"] == text_of(services, form.BY_KEY[key].question)


async def start_with_consent(fake: FakeBotAPI, services: Services) -> None:
    consent = await press(fake, "a:intake")
    assert consent["text"] == text_of(services, form.CONSENT)
    assert [d for _, d in buttons(consent)] == ["in:consent:yes", "in:consent:no"]
    asks(services, await press(fake, "in:consent:yes"), "first_name")


async def test_consent_no_stores_nothing_and_returns_to_the_faq(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await press(fake, "a:intake")
        declined = await press(fake, "in:consent:no")
        assert declined["text"] == text_of(services, form.DECLINED)
        faq = await write(fake, "بدي اعادل شهادتي")
        assert faq["text"] == directional(services.flows.text("diploma_recognition", "start", "ar"), "ar")
    async with services.sessions() as session:
        intake = await amal_intake(session)
        assert intake is not None
        assert (intake.status, intake.answers, intake.consent_at) == ("declined", {}, None)


async def test_full_intake_in_arabic_with_retries_edit_and_submit(
    fake: FakeBotAPI, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    async with running_bot(services):
        await start_with_consent(fake, services)
        asks(services, await write(fake, "أمل"), "municipality")
        # A municipality that does not exist is re-asked; a typo gets suggestions.
        retry = await write(fake, "Xyzdorp")
        assert retry["text"] == text_of(services, form.BY_KEY["municipality"].retry)  # type: ignore[arg-type]
        suggestion = await write(fake, "Utreht")
        assert ("Utrecht", "in:pick:Utrecht") in buttons(suggestion)
        asks(services, await press(fake, "in:pick:Utrecht"), "country")
        asks(services, await write(fake, "سوريا"), "education_level")
        asks(services, await press(fake, "in:pick:bachelor"), "education_field")
        asks(services, await write(fake, "صيدلة"), "diplomas")
        asks(services, await write(fake, "بكالوريوس صيدلة، جامعة دمشق"), "diploma_evaluated")
        asks(services, await press(fake, "in:pick:no"), "profession")
        asks(services, await write(fake, "صيدلانية"), "work_years")
        asks(services, await write(fake, "٥"), "dutch_level")
        asks(services, await press(fake, "in:pick:A2"), "other_languages")
        asks(services, await press(fake, "in:skip"), "availability")
        asks(services, await press(fake, "in:pick:4"), "sectors")
        await press(fake, "in:toggle:care")
        await press(fake, "in:toggle:education")
        asks(services, await press(fake, "in:done"), "help_wanted")
        asks(services, await write(fake, "أريد أن أعمل صيدلانية في هولندا"), "phone")
        # A bad phone number is re-asked, a good one accepted.
        bad = await write(fake, "12345")
        assert bad["text"] == text_of(services, form.BY_KEY["phone"].retry)  # type: ignore[arg-type]
        review = await write(fake, "06 12345678")
        assert "Utrecht" in review["text"]
        assert "+31612345678" in review["text"]
        assert ("", "in:submit") in [("", d) for _, d in buttons(review)]
        # Edit just one field from the review.
        asks(services, await press(fake, "in:edit:municipality"), "municipality")
        review = await write(fake, "den haag")
        assert "'s-Gravenhage" in review["text"]
        assert "+31612345678" in review["text"]  # the other answers are kept
        # Submit: a case is opened and the coach gets the card and the intake in their language.
        fake.mark()
        fake.push_update(tg.callback_update(AMAL, "in:submit"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, count=2, ok=True)
        to_coach = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 501]
        assert any("#1" in t and "Amal" in t for t in to_coach)
        intake_card = next(t for t in to_coach if "'s-Gravenhage" in t)
        assert "صيدلانية" in intake_card
        heading = services.translator.gettext("nl", form.BY_KEY["dutch_level"].label)
        assert f"{heading}: A2" in intake_card  # labels in the coach's language (Dutch)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == AMAL_ID, count=3, ok=True)
        thanks = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == AMAL_ID]
        # Thanks, then how long the wait is (issue 20, item 11), then may we ask later about work (issue 25).
        turn = Turn(None, None, services.settings, services.flows, datetime.now(UTC))  # type: ignore[arg-type]
        assert thanks == [
            text_of(services, form.SUBMITTED),
            text_of(services, expected_wait(turn, 0, "ar")),
            text_of(services, followup.OFFER),
        ]
    async with services.sessions() as session:
        intake = await amal_intake(session)
        assert intake is not None
        assert intake.status == "submitted"
        assert intake.answers["sectors"] == "care,education"
        assert intake.answers["work_years"] == "5"
        assert intake.answers["availability"] == "4"
        assert "other_languages" not in intake.answers  # skipped
        case = await session.scalar(select(Case))
        assert case is not None
        assert (case.reason, case.status) == ("intake", "waiting")
    # Personal data never appears in the logs.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("أمل", "Amal", "Utrecht", "Gravenhage", "12345678", "صيدلانية", "دمشق"):
        assert secret not in logged


async def test_interrupted_intake_resumes_after_a_restart(
    fake: FakeBotAPI, settings: Settings, embedded: EmbeddedClassifier
) -> None:
    async with open_services(settings, embedded=embedded) as first, running_bot(first):
        await start_with_consent(fake, first)
        asks(first, await write(fake, "أمل"), "municipality")
        paused = await press(fake, "in:stop")
        assert paused["text"] == text_of(first, form.PAUSED)
        # While paused, questions go to the FAQ again.
        faq = await write(fake, "بدي اعادل شهادتي")
        assert faq["text"] == directional(first.flows.text("diploma_recognition", "start", "ar"), "ar")
    async with open_services(settings, embedded=embedded) as second, running_bot(second):
        welcome, question = await say(fake, tg.callback_update(AMAL, "a:intake"), replies=2)
        assert welcome["text"] == text_of(second, form.RESUME)
        asks(second, question, "municipality")
        asks(second, await write(fake, "Amersfoort"), "country")
        async with second.sessions() as session:
            intake = await amal_intake(session)
            assert intake is not None
            assert intake.answers == {"first_name": "أمل", "municipality": "Amersfoort"}


async def test_mydata_and_delete(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await start_with_consent(fake, services)
        await write(fake, "أمل")
        await write(fake, "Utrecht")
        await press(fake, "a:coach")
        await press(fake, "a:coach_yes")  # an open case, claimed by the coach
        fake.mark()
        fake.push_update(tg.command_update(COACH, "claim"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == AMAL_ID, ok=True)
        fake.mark()
        fake.push_update(tg.command_update(AMAL, "mydata"))
        (document,) = await fake.wait_for("sendDocument", ok=True)
        (readable,) = [c for c in fake.sent_since_mark() if int(c["chat_id"]) == AMAL_ID]
        assert "Utrecht" in readable["text"]
        exported = json.loads(document["document"].content.decode("utf-8"))
        assert exported["profile"]["first_name"] == "Amal"
        assert exported["intake"]["answers"]["municipality"] == "Utrecht"
        assert any(m["text"] == "أمل" for m in exported["transcript"])
        assert exported["cases"][0]["status"] == "claimed"

        confirm = (await say(fake, tg.command_update(AMAL, "delete")))[-1]
        assert [d for _, d in buttons(confirm)] == ["del:yes", "del:no"]
        kept = await press(fake, "del:no")
        assert kept["text"]
        fake.mark()
        fake.push_update(tg.callback_update(AMAL, "del:yes"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == AMAL_ID, ok=True)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, ok=True)
    # No table contains her Telegram id, name or any message text any more (her whole message: a word of it
    # alone is a substring of FAQ texts, "بدي" of "تبديل").
    needles = [str(AMAL_ID), "Amal", "أمل", "Utrecht", "بدي اعادل شهادتي"]
    async with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            for row in rows:
                for column, value in zip(table.columns, row, strict=True):
                    if value is None:
                        continue
                    rendered = (
                        json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
                    )
                    for needle in needles:
                        assert needle not in rendered, f"{table.name}.{column.name} still holds {needle!r}"
        case = await session.scalar(select(Case))
        assert case is not None
        assert (case.status, case.outcome, case.user_id) == ("closed", "erased", None)  # an anonymous count


async def test_coach_asks_for_the_intake_during_a_case(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await press(fake, "a:coach")
        await press(fake, "a:coach_yes")
        fake.mark()
        fake.push_update(tg.command_update(COACH, "claim"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == AMAL_ID, ok=True)
        (consent,) = await say(fake, tg.command_update(COACH, "intake"), chat=AMAL_ID)
        assert consent["text"] == text_of(services, form.CONSENT)
        asks(services, await press(fake, "in:consent:yes"), "first_name")
        # While the intake runs inside the case, answers go to the intake, not to the coach.
        fake.mark()
        asks(services, await write(fake, "أمل"), "municipality")
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 501]
        await press(fake, "in:stop")
        # Paused: messages go to the coach again.
        (relayed,) = await say(fake, tg.text_update(AMAL, "شكرا"), chat=501)
        assert relayed["text"] == "#1 Amal: شكرا"

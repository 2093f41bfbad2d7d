"""Issue 20, items 11 and 13: wording a newcomer notices (plural forms, no code words, the topic on
case cards, the coach's name on media) and a handoff when no coach can be reached."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.db.models import User
from bot.dialog import COACH, COACH_YES, MENU
from bot.handoff import coaches
from bot.handoff.coaches import add_coach
from bot.handoff.service import NO_COACH_NOW, Turn, closed_as, wait_message
from bot.i18n import directional
from bot.messages import Msg, tn_
from bot.pipeline import Incoming, process
from bot.services import Services
from bot.tools import check_catalogs
from bot.web import start_web

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
NEWCOMER, COACH_ID = 7401, 501


def render(services: Services, msg: Msg, lang: str) -> str:
    return directional(services.translator.gettext(lang, msg), lang)


async def test_arabic_minutes_use_the_six_plural_forms(services: Services) -> None:
    def minutes(count: int) -> str:
        msg = tn_(
            "A coach usually replies within about %(num)d minute.",
            "A coach usually replies within about %(num)d minutes.",
            count,
        )
        return render(services, msg, "ar")

    assert "10 دقائق" in minutes(10)  # not the ungrammatical "10 دقيقة"
    assert "15 دقيقة" in minutes(15)
    assert "دقيقتين" in minutes(2)
    assert "دقيقة واحدة" in minutes(1)
    assert "minuut" in render(services, tn_("A coach usually replies within about %(num)d minute.", "x", 1), "nl")


def test_the_catalog_check_refuses_a_number_without_a_plural_form(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_catalogs.number_problems() == []  # the code as it is
    monkeypatch.setattr(
        check_catalogs,
        "_extracted",
        lambda: [("x.py", "Quiet for %(minutes)d minutes."), ("y.py", ("%(num)d in %(days)d day", "… days"))],
    )
    assert len(check_catalogs.number_problems()) == 2


async def test_nobody_waiting_is_not_said_as_zero_people(services: Services) -> None:
    turn = Turn(None, None, services.settings, services.flows, MONDAY_NOON)  # type: ignore[arg-type]
    for lang in ("nl", "en", "ar", "ti"):
        assert " 0 " not in render(services, wait_message(turn, 0, lang), lang)


@pytest.mark.parametrize("outcome", ["answered", "referred", "intake_done", "no_response"])
async def test_close_confirmation_has_no_outcome_code(services: Services, outcome: str) -> None:
    for lang in ("ar", "ti", "nl"):
        text = render(services, closed_as(outcome, 12), lang)
        assert outcome not in text
        assert "#12" in text


async def _claimed_case(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, COACH_ID, "Fatima", "nl", staff=False)
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="ik wil CV maken", first_name="Sara"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=MENU))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=COACH))
    result = await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=COACH_YES))
    card = next(o.text for o in result.outgoing if o.chat_id == COACH_ID)
    cv_title = services.flows.flows["cv_help"].title["nl"]
    assert f": {cv_title}" in card  # the last recognised topic, not "-"
    await process(services, Incoming(COACH_ID, COACH_ID, "command", command="claim"))


async def test_case_card_topic_and_the_coach_name_on_a_photo(services: Services) -> None:
    await _claimed_case(services)
    result = await process(services, Incoming(COACH_ID, COACH_ID, "photo", message_id=77))
    to_newcomer = [o for o in result.outgoing if o.chat_id == NEWCOMER]
    assert [(o.kind, o.text) for o in to_newcomer][:1] == [("text", "Fatima:")]
    assert to_newcomer[1].kind == "copy"


async def test_no_coach_registered_is_said_honestly(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    from bot.cli import _warn_without_coaches

    caplog.set_level(logging.WARNING)
    await _warn_without_coaches(services)
    assert "no coach is registered" in caplog.text
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="ik wil CV maken", first_name="Sara"))
    result = await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=COACH))
    honest = render(services, NO_COACH_NOW, "nl")
    assert [o.text for o in result.outgoing] == [honest]  # not "a coach usually replies within 10 minutes"
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data=COACH_YES))  # kept for a coach to come
    assert coaches.believed_reachable(services.settings) is False

    runner = await start_web(services)
    try:
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as response:
            ready = await response.json()
    finally:
        await runner.cleanup()
    assert "no coach is registered" in ready["coaches"]
    async with services.sessions() as session, session.begin():
        await add_coach(session, COACH_ID, "Fatima", "nl", staff=False)
    assert coaches.believed_reachable(services.settings)


async def test_the_phone_reaches_the_coach_once(services: Services) -> None:
    """The case card's "last messages" leave out the intake's answers: the intake card has them."""
    from bot.intake import store as intake_store
    from bot.intake.form import IntakeState

    async with services.sessions() as session, session.begin():
        await add_coach(session, COACH_ID, "Fatima", "nl", staff=False)
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="ik wil CV maken", first_name="Sara"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="a:intake"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="in:consent:yes"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="Sara"))
    async with services.sessions() as session, session.begin():
        user_id = (await session.scalar(select(User.id).where(User.telegram_id == NEWCOMER))) or 0
        state = await intake_store.load(session, user_id)
        assert state is not None
        await intake_store.save(session, user_id, IntakeState("asking", "phone", dict(state.answers)))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="06 12345678"))
    result = await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="in:submit"))
    to_coach = "\n".join(o.text for o in result.outgoing if o.chat_id == COACH_ID)
    assert to_coach.count("12345678") == 1, to_coach
    assert "ik wil CV maken" in to_coach  # what they asked before the intake is still on the card
    assert f": {services.flows.flows['cv_help'].title['nl']}" in to_coach  # the topic, not "-"

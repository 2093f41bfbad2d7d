"""A case claimed before its group card's message id was recorded (Telegram had not answered yet, or
the card waited for the pacer): the sender edits the card when it records it, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import CASE_CLAIMED, Case, Message
from bot.handoff.coaches import add_coach
from bot.messages import t_
from bot.pipeline import Incoming, process
from bot.services import Services
from bot.tg.app import WerkApplication, build_application, start_application, stop_application
from tests.fake_bot_api import FakeBotAPI

GROUP = -1001234567890
YONAS, FATIMA = 2002, 501


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coach_chat_id": GROUP, "office_hours": "mon-sun 00:00-23:59"}


@pytest.fixture
async def services(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await add_coach(session, FATIMA, "Fatima", "ti,nl", staff=False)
    return services


@asynccontextmanager
async def sending(services: Services) -> AsyncIterator[WerkApplication]:
    """The bot's paced sender running (no polling: the turns go through the pipeline here)."""
    application = build_application(services)
    await start_application(application, polling=False)
    try:
        yield application
    finally:
        await stop_application(application)  # the sends under way finish and are recorded


def yonas(kind: str, **values: Any) -> Incoming:
    return Incoming(YONAS, YONAS, kind, first_name="Yonas", telegram_language="ti", **values)


async def ask_for_coach(services: Services, *, confirm: bool = True) -> None:
    await process(services, yonas("text", text="ዲፕሎማይ ከመይ ክፈልጦ"))
    await process(services, yonas("button", data="a:coach"))
    if confirm:
        await process(services, yonas("button", data="a:coach_yes"))


async def claim_by_fatima(services: Services) -> None:
    await process(services, Incoming(FATIMA, FATIMA, "command", command="claim", args="1", first_name="Fatima"))


async def case_one(services: Services) -> Case:
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        return case


async def card_rows(services: Services, kind: str) -> list[Message]:
    async with services.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.chat_id == GROUP, Message.kind == kind))
        return list(rows)


async def wait_recorded(services: Services) -> int:
    for _ in range(500):
        message_id = (await case_one(services)).group_message_id
        if message_id is not None:
            return message_id
        await asyncio.sleep(0.02)
    raise AssertionError("the card was never recorded")


def assert_taken_by_fatima(fake: FakeBotAPI, services: Services, card_id: int) -> None:
    """One edit of the card, showing Fatima, without the Claim button (as Telegram now shows it)."""
    edits = fake.calls("editMessageText")
    assert [int(e["message_id"]) for e in edits] == [card_id]
    shown = fake.message(GROUP, card_id)
    assert shown is not None
    assert "Fatima" in shown["text"]
    assert "#1" in shown["text"]
    claim = services.translator.gettext("nl", t_("Claim"))
    assert claim not in str(shown.get("reply_markup") or "")
    assert not (shown.get("reply_markup") or {}).get("inline_keyboard")


async def test_a_claim_while_the_card_waits_for_its_turn_edits_it_once_sent(
    fake: FakeBotAPI, services: Services
) -> None:
    await ask_for_coach(services)
    await claim_by_fatima(services)  # /claim 1 from /queue: the card is not even sent yet
    case = await case_one(services)
    assert case.status == CASE_CLAIMED
    assert case.group_message_id is None
    assert await card_rows(services, "edit") == []  # the claim could not edit what has no id yet

    async with sending(services):
        card_id = await wait_recorded(services)
        await fake.wait_for("editMessageText", ok=True)
    assert_taken_by_fatima(fake, services, card_id)
    (card,) = await card_rows(services, "card")
    assert card.telegram_message_id == card_id
    (edit,) = await card_rows(services, "edit")
    assert edit.copy_message_id == card_id
    assert edit.delivered_at is not None


async def test_a_claim_while_telegram_has_not_answered_the_card_edits_it_after(
    fake: FakeBotAPI, services: Services
) -> None:
    await ask_for_coach(services, confirm=False)
    async with sending(services) as application:
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == YONAS, count=2, ok=True)
        fake.mark()
        fake.delay_next("sendMessage", 3.0, times=2)  # Yonas's answer and the card: held by "Telegram"
        result = await process(services, yonas("button", data="a:coach_yes"))
        sender = application.bot_data.sender
        assert sender is not None
        delivering = asyncio.create_task(sender.deliver(result.outgoing))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == GROUP)  # sent, not answered
        await claim_by_fatima(services)
        # The race really happened: the claim committed before the card's message id was known.
        assert (await case_one(services)).status == CASE_CLAIMED
        (card,) = await card_rows(services, "card")
        assert card.delivered_at is None
        assert await card_rows(services, "edit") == []

        card_id = await wait_recorded(services)
        await fake.wait_for("editMessageText", ok=True)
        await delivering
    assert_taken_by_fatima(fake, services, card_id)


async def test_in_the_normal_order_the_claim_edits_the_card_and_the_sender_does_not(
    fake: FakeBotAPI, services: Services
) -> None:
    async with sending(services):
        await ask_for_coach(services)
        card_id = await wait_recorded(services)
        await claim_by_fatima(services)
        (edit,) = await card_rows(services, "edit")  # queued by the claim itself
        assert edit.copy_message_id == card_id
        await fake.wait_for("editMessageText", ok=True)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == YONAS and "Fatima" in p["text"], ok=True)
    assert_taken_by_fatima(fake, services, card_id)
    async with services.sessions() as session:
        edits = await session.scalar(select(func.count()).select_from(Message).where(Message.kind == "edit"))
    assert edits == 1


async def test_a_card_that_cannot_be_refreshed_is_still_recorded_and_the_rest_sent(
    fake: FakeBotAPI, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("refresh failed")

    monkeypatch.setattr("bot.tg.sender.refresh_card", broken)
    await ask_for_coach(services)
    await claim_by_fatima(services)
    async with sending(services):
        card_id = await wait_recorded(services)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == FATIMA, ok=True)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == YONAS and "Fatima" in p["text"], ok=True)
    (card,) = await card_rows(services, "card")
    assert card.telegram_message_id == card_id  # recorded, not sent again
    assert len([c for c in fake.calls("sendMessage") if int(c["chat_id"]) == GROUP]) == 1
    assert await card_rows(services, "edit") == []  # the savepoint undid the half-made edit
    assert fake.calls("editMessageText") == []

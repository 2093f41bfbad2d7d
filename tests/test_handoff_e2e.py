"""Handoff end to end through the fake Bot API: queue, card, claim race, relays, close, restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import Case, CaseEvent, Message
from bot.handoff.coaches import add_coach
from bot.messages import t_
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import Services, open_services
from bot.settings import Settings
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import buttons, running_bot, say

pytestmark = pytest.mark.both_modes  # by long polling and by webhook

GROUP = -1001234567890
NO_CASE_TEXT = "There is no waiting case to claim (it may have been taken already). /queue shows the queue."
FATIMA = tg.user(501, "Fatima", language_code="nl")
PIETER = tg.user(502, "Pieter", language_code="nl")
YONAS = tg.user(2002, "Yonas", language_code="ti")
STRANGER = tg.user(3003, "Sara", language_code="nl")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coach_chat_id": GROUP, "office_hours": "mon-sun 00:00-23:59"}


@pytest.fixture
async def services(services: Services) -> Services:
    """The services with two coaches registered."""
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ti,nl", staff=False)
        await add_coach(session, 502, "Pieter", "ti,ar", staff=True)
    return services


def to(chat_id: int) -> Any:
    return lambda p: int(p["chat_id"]) == chat_id


async def queue_yonas(fake: FakeBotAPI) -> dict[str, Any]:
    """Yonas asks for a coach in Tigrinya and confirms; returns the card posted in the group."""
    (answer,) = await say(fake, tg.text_update(YONAS, "ዲፕሎማይ ከመይ ክፈልጦ"))
    assert ("", "a:coach") in [("", d) for _, d in buttons(answer)]
    (offer,) = await say(fake, tg.callback_update(YONAS, "a:coach"))
    assert [d for _, d in buttons(offer)] == ["a:coach_yes", "a:menu"]
    fake.mark()
    fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
    (queued,) = await fake.wait_for("sendMessage", to(2002), ok=True)
    assert "/cancel" in queued["text"]
    (card,) = await fake.wait_for("sendMessage", to(GROUP), ok=True)
    return card


async def test_full_handoff_in_tigrinya(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        card = await queue_yonas(fake)
        assert "#1" in card["text"]
        assert "Yonas" in card["text"]
        assert "ትግርኛ" in card["text"]  # the newcomer's language
        assert "ዲፕሎማይ ከመይ ክፈልጦ" in card["text"]  # the last messages
        assert "a:coach" not in card["text"]  # what they typed, not the buttons' callback data
        assert buttons(card) == [(services.translator.gettext("nl", t_("Claim")), "c:claim:1")]
        card_message = fake.message(GROUP, card_id := _sent_id(fake, card))
        assert card_message is not None
        # Two coaches press Claim at once, maybe before the card's message id is recorded (then the
        # sender edits it when it records it): one wins, the other is told who took it.
        fake.mark()
        fake.push_update(tg.callback_update(FATIMA, "c:claim:1", message=card_message))
        fake.push_update(tg.callback_update(PIETER, "c:claim:1", message=card_message))
        await fake.wait_for("sendMessage", to(502), ok=True)
        await fake.wait_for("editMessageText", ok=True)
        to_fatima = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 501]
        to_pieter = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 502]
        assert any("#1" in t and "ዲፕሎማይ" in t for t in to_fatima)
        taken = t_("Case #%(id)s was already taken by %(name)s.", id=1, name="Fatima")
        assert to_pieter == [services.translator.gettext("nl", taken)]
        (edited,) = fake.calls("editMessageText")
        assert int(edited["message_id"]) == card_id
        assert "Fatima" in edited["text"]
        joined = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]
        assert joined
        assert "Fatima" in joined[0]

        # The coach writes; the newcomer receives it.
        (relayed,) = await say(fake, tg.text_update(FATIMA, "ሰላም Yonas, ከመይ ክሕግዘካ?"), replies=1, chat=2002)
        assert relayed["text"] == "Fatima: ሰላም Yonas, ከመይ ክሕግዘካ?"

        # The newcomer sends a photo; the coach receives a header and the photo itself.
        fake.mark()
        photo = tg.media_update(YONAS, "photo")
        fake.push_update(photo)
        (copied,) = await fake.wait_for("copyMessage", ok=True)
        assert int(copied["chat_id"]) == 501
        assert int(copied["from_chat_id"]) == 2002
        assert int(copied["message_id"]) == photo["message"]["message_id"]
        assert [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 501] == ["#1 Yonas:"]
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]  # the bot stays quiet

        # An internal note is never shown to the newcomer.
        (noted,) = await say(fake, tg.command_update(FATIMA, "note", "needs IDW help"))
        assert "#1" in noted["text"]

        # The coach closes; the newcomer gets the satisfaction question and can answer it.
        fake.mark()
        fake.push_update(tg.command_update(FATIMA, "close", "answered"))
        (closing,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert [d for _, d in buttons(closing)] == ["s:1:3", "s:1:2", "s:1:1"]
        (thanks,) = await say(fake, tg.callback_update(YONAS, "s:1:3"))
        assert thanks["text"]

        # The newcomer's next message is answered by the bot again.
        (bot_answer,) = await say(fake, tg.text_update(YONAS, "ik wil CV maken"))
        assert bot_answer["text"] == services.flows.text("cv_help", "start", "nl")  # Dutch text, Dutch answer

    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert (case.status, case.outcome, case.satisfaction) == ("closed", "answered", 3)
        actions = list(
            await session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == 1).order_by(CaseEvent.id))
        )
        assert actions == ["created", "claimed", "note", "closed"]
        relayed_rows = await session.scalar(select(func.count()).select_from(Message).where(Message.case_id == 1))
        assert relayed_rows is not None
        assert relayed_rows >= 6
        note = await session.scalar(select(CaseEvent.detail).where(CaseEvent.action == "note"))
        assert note == "needs IDW help"
    assert all(
        "needs IDW help" not in c.get("text", "") for c in fake.calls("sendMessage") if int(c["chat_id"]) == 2002
    )


async def recorded(services: Services, chat_id: int, telegram_message_id: int) -> None:
    """Wait until the bot has recorded the Telegram id of a message it sent (right after sending)."""
    for _ in range(200):
        async with services.sessions() as session:
            found = await session.scalar(
                select(Message.id).where(Message.chat_id == chat_id, Message.telegram_message_id == telegram_message_id)
            )
        if found is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {telegram_message_id} was not recorded as delivered")


def _sent_id(fake: FakeBotAPI, params: dict[str, Any]) -> int:
    for request in fake.requests:
        if request.method == "sendMessage" and request.params is params:
            return int(request.response["result"]["message_id"])  # type: ignore[index]
    raise AssertionError("message not found")


async def test_non_coach_gets_nothing_of_the_queue(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await queue_yonas(fake)
        (reply,) = await say(fake, tg.command_update(STRANGER, "queue"))
        assert "#1" not in reply["text"]
        assert "Yonas" not in reply["text"]
        for command in ("claim", "mine", "release", "close", "note", "transfer"):
            (reply,) = await say(fake, tg.command_update(STRANGER, command, "1"))
            assert "#1" not in reply["text"]
        fake.mark()
        fake.push_update(tg.callback_update(STRANGER, "c:claim:1"))
        await fake.wait_for("answerCallbackQuery", ok=True)
        (marker,) = await say(fake, tg.text_update(STRANGER, "ik wil CV maken"))
        assert [int(c["chat_id"]) for c in fake.sent_since_mark()] == [3003]  # only the CV answer
        assert marker["text"] == services.flows.text("cv_help", "start", "nl")
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert case.status == "waiting"


async def test_coach_queue_and_claim_commands(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await queue_yonas(fake)
        (listing,) = await say(fake, tg.command_update(FATIMA, "queue"))
        assert "#1" in listing["text"]
        claim = services.translator.gettext("nl", t_("Claim #%(id)s", id=1))
        assert claim == "Oppakken #1"  # in the coach's language, like the rest of the listing
        assert (claim, "c:claim:1") in buttons(listing)
        (bad,) = await say(fake, tg.command_update(FATIMA, "claim", "abc"))
        assert "/claim 12" in bad["text"]
        (missing,) = await say(fake, tg.command_update(FATIMA, "claim", "999999"))
        assert missing["text"] == services.translator.gettext("nl", t_(NO_CASE_TEXT))
        fake.mark()
        fake.push_update(tg.command_update(FATIMA, "claim"))
        await fake.wait_for("sendMessage", to(2002), ok=True)
        await fake.wait_for("sendMessage", to(501), ok=True)  # chats are sent to in parallel: wait for both
        (mine,) = await say(fake, tg.command_update(FATIMA, "mine"))
        assert "#1" in mine["text"]
        (moved,) = await say(fake, tg.command_update(FATIMA, "transfer", "Pieter"), replies=1)
        assert "Pieter" in moved["text"]
        released_text = services.translator.gettext("nl", t_("Case #%(id)s is back in the queue.", id=1))
        fake.mark()
        fake.push_update(tg.command_update(PIETER, "release"))
        await fake.wait_for("sendMessage", lambda p: p["text"] == released_text, ok=True)
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert (case.status, case.coach_id) == ("waiting", None)


async def test_restart_mid_case_relay_continues(
    fake: FakeBotAPI, settings: Settings, embedded: EmbeddedClassifier
) -> None:
    async with open_services(settings, embedded=embedded) as first:
        async with first.sessions() as session, session.begin():
            await add_coach(session, 501, "Fatima", "ti", staff=False)
        async with running_bot(first):
            await queue_yonas(fake)
            fake.mark()
            fake.push_update(tg.command_update(FATIMA, "claim"))
            await fake.wait_for("sendMessage", to(2002), ok=True)
    async with open_services(settings, embedded=embedded) as second, running_bot(second):
        (at_coach,) = await say(fake, tg.text_update(YONAS, "ሰላም, ሕቶ ኣለኒ"), chat=501)
        assert at_coach["text"] == "#1 Yonas: ሰላም, ሕቶ ኣለኒ"
        (at_newcomer,) = await say(fake, tg.text_update(FATIMA, "እወ, ንገረኒ"), chat=2002)
        assert at_newcomer["text"] == "Fatima: እወ, ንገረኒ"


async def test_cancel_while_waiting_returns_to_the_bot(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        await queue_yonas(fake)
        (waiting,) = await say(fake, tg.text_update(YONAS, "ሓገዝ የድልየኒ"))
        assert "/cancel" in waiting["text"]
        (cancelled,) = await say(fake, tg.command_update(YONAS, "cancel"))
        assert ("", "a:menu") in [("", d) for _, d in buttons(cancelled)]
        (bot_answer,) = await say(fake, tg.text_update(YONAS, "ik wil CV maken"))
        assert bot_answer["text"] == services.flows.text("cv_help", "start", "nl")  # Dutch text, Dutch answer
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert (case.status, case.outcome) == ("closed", "cancelled")


async def test_forum_group_gets_a_topic_per_case(fake: FakeBotAPI, services: Services) -> None:
    forum = tg.group_chat(id=GROUP, title="Coaches", is_forum=True)
    async with running_bot(services):
        fake.push_update(tg.text_update(FATIMA, "hallo allemaal", chat=forum))  # the fake learns the forum
        card = await queue_yonas(fake)
        (topic,) = fake.calls("createForumTopic")
        assert int(topic["chat_id"]) == GROUP
        assert card["message_thread_id"] is not None
        card_message = fake.message(GROUP, _sent_id(fake, card))
        assert card_message is not None
        fake.mark()
        fake.push_update(tg.callback_update(FATIMA, "c:claim:1", message=card_message))
        await fake.wait_for("sendMessage", to(2002), ok=True)
        # The coach writes in the case's topic; it reaches the newcomer.
        thread = int(card["message_thread_id"])
        (relayed,) = await say(fake, tg.text_update(FATIMA, "ሰላም", chat=forum, message_thread_id=thread), chat=2002)
        assert relayed["text"] == "Fatima: ሰላም"
        # The newcomer's answer goes to the topic.
        (in_topic,) = await say(fake, tg.text_update(YONAS, "የቐንየለይ"), chat=GROUP)
        assert int(in_topic["message_thread_id"]) == thread


async def test_coach_reply_to_a_relayed_message_goes_to_that_case(fake: FakeBotAPI, services: Services) -> None:
    amal = tg.user(2003, "Amal", language_code="ti")
    async with running_bot(services):
        await queue_yonas(fake)
        await say(fake, tg.callback_update(amal, "a:coach"))
        await say(fake, tg.callback_update(amal, "a:coach_yes"), chat=2003)
        for _ in range(2):
            fake.mark()
            fake.push_update(tg.command_update(FATIMA, "claim"))
            await fake.wait_for("sendMessage", to(501), ok=True)
        # Fatima's active case is now Amal's (#2). Yonas writes; Fatima answers by replying to his message.
        (relayed,) = await say(fake, tg.text_update(YONAS, "ሕቶ ኣለኒ"), chat=501)
        relayed_message = fake.message(501, _sent_id(fake, relayed))
        assert relayed_message is not None
        await recorded(services, 501, relayed_message["message_id"])  # a person replies later than this
        (answer,) = await say(fake, tg.text_update(FATIMA, "እወ Yonas", reply_to=relayed_message), chat=2002)
        assert answer["text"] == "Fatima: እወ Yonas"
        # Without a reply, her message goes to the active case.
        (to_amal,) = await say(fake, tg.text_update(FATIMA, "ሰላም Amal"), chat=2003)
        assert to_amal["text"] == "Fatima: ሰላም Amal"

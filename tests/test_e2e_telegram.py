"""End to end: python-telegram-bot polls the fake Bot API over HTTP; the bot answers from the database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.db.models import ConversationState, Message, ProcessedUpdate, User
from bot.dialog import MEDIA
from bot.i18n import directional
from bot.nlu.embedded import EmbeddedClassifier
from bot.services import Services, open_services
from bot.settings import Settings
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import buttons, running_bot, say

pytestmark = pytest.mark.both_modes  # by long polling and by webhook


def answer(services: Services, flow: str, node: str, lang: str) -> str:
    return directional(services.flows.text(flow, node, lang), lang)


QUESTIONS = [  # (language, question, the flow that answers it)
    ("ar", "شلون بعادل شهادتي الجامعية؟", "diploma_recognition"),
    ("ti", "ዲፕሎማይ ኣብ ሆላንድ ከመይ ከረጋግጾ እኽእል", "diploma_recognition"),
    ("nl", "Hoe kan ik mijn diploma laten waarderen?", "diploma_recognition"),
    ("en", "How do I get my foreign degree recognised?", "diploma_recognition"),
    ("ar", "كيف اكتب سيرة ذاتية CV للشغل بهولندا", "cv_help"),
    ("nl", "ik wil CV maken", "cv_help"),
    ("en", "What is Dutch work culture like, are bosses strict?", "work_culture"),
    ("ti", "ባህሊ ስራሕ ኣብ ሆላንድ ከመይ እዩ", "work_culture"),
]


async def test_question_answered_in_the_users_language(fake: FakeBotAPI, services: Services) -> None:
    """Each question from its own newcomer (Telegram tells no language), all in one bot run."""
    async with running_bot(services):
        for number, (lang, question, flow) in enumerate(QUESTIONS):
            (reply,) = await say(fake, tg.text_update(tg.user(1101 + number, "Amal", language_code=None), question))
            assert reply["text"] == answer(services, flow, "start", lang), question
            assert buttons(reply)  # follow-up questions and the main menu
    assert not fake.calls("sendChatAction")  # a fast reply needs no "typing…"


async def test_arabic_conversation_with_buttons_and_language_change(fake: FakeBotAPI, services: Services) -> None:
    amal = tg.user(1001, "Amal", language_code="ar")
    async with running_bot(services):
        (reply,) = await say(fake, tg.text_update(amal, "بدي اعادل شهادتي"))
        assert reply["text"] == answer(services, "diploma_recognition", "start", "ar")
        _label, data = buttons(reply)[0]

        # Press a follow-up button: the callback is answered and the next node comes in Arabic.
        (follow,) = await say(fake, tg.callback_update(amal, data))
        flow, node = data[2:].split(".")
        assert follow["text"] == answer(services, flow, node, "ar")
        assert fake.calls("answerCallbackQuery")

        # /language shows the four languages in their own scripts; choosing Tigrinya switches.
        (choice,) = await say(fake, tg.command_update(amal, "language"))
        assert [label for label, _ in buttons(choice)] == ["Nederlands", "العربية", "ትግርኛ", "English"]
        (switched,) = await say(fake, tg.callback_update(amal, "l:ti"))
        assert "ትግርኛ" in switched["text"]

        # The explicit choice wins over the script of the next message until changed.
        (reply,) = await say(fake, tg.text_update(amal, "بدي اعادل شهادتي"))
        assert reply["text"] == answer(services, "diploma_recognition", "start", "ti")


async def test_start_greets_in_telegram_language_and_registers_commands(fake: FakeBotAPI, services: Services) -> None:
    yonas = tg.user(2002, "Yonas", language_code="ti")
    async with running_bot(services):
        greeting, menu = await say(fake, tg.command_update(yonas, "start"), replies=2)
    assert [label for label, _ in buttons(greeting)] == ["Nederlands", "العربية", "ትግርኛ", "English"]
    assert "Werkhelpdesk" in greeting["text"]
    assert "ትግርኛ" in greeting["text"]  # the Tigrinya catalog names its own language
    assert any(data.startswith("n:") for _, data in buttons(menu))
    registered = {call.get("language_code") for call in fake.calls("setMyCommands")}
    assert registered == {None, "nl", "ar", "ti", "en"}
    assert [c["command"] for c in fake.my_commands(language_code="ar")] == [
        "start",
        "menu",
        "language",
        "help",
        "cancel",
    ]


async def test_everything_said_is_in_the_transcript(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    async with running_bot(services):
        await say(fake, tg.text_update(sara, "ik wil CV maken"))
    async with services.sessions() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(r.direction, r.kind) for r in rows] == [("in", "text"), ("out", "text")]
    assert rows[0].text == "ik wil CV maken"
    assert rows[0].intent == "cv_help"
    assert rows[1].text == answer(services, "cv_help", "start", "nl")
    assert rows[1].delivered_at is not None
    assert rows[1].telegram_message_id is not None


async def test_restart_mid_conversation_button_still_works(
    fake: FakeBotAPI, settings: Settings, embedded: EmbeddedClassifier
) -> None:
    amal = tg.user(1001, "Amal", language_code="ar")
    async with open_services(settings, embedded=embedded) as first, running_bot(first):
        (reply,) = await say(fake, tg.text_update(amal, "بدي اعادل شهادتي"))
    _, data = buttons(reply)[0]
    # A new process: new services, new Application, same database.
    async with open_services(settings, embedded=embedded) as second, running_bot(second):
        (follow,) = await say(fake, tg.callback_update(amal, data))
        flow, node = data[2:].split(".")
        assert follow["text"] == answer(second, flow, node, "ar")
        async with second.sessions() as session:
            state = await session.scalar(select(ConversationState))
            assert state is not None
            assert (state.flow, state.node) == (flow, node)


async def test_redelivered_update_is_answered_once(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    update = tg.text_update(sara, "ik wil CV maken")
    update["update_id"] = 500
    async with running_bot(services):
        await say(fake, update)
        fake.mark()
        fake.push_update(dict(update))  # Telegram sends the same update id again
        await say(fake, tg.text_update(sara, "dank je wel"))
    texts = [c["text"] for c in fake.calls("sendMessage")]
    assert texts.count(answer(services, "cv_help", "start", "nl")) == 1
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2


async def test_media_gets_a_kind_answer_in_the_users_language(fake: FakeBotAPI, services: Services) -> None:
    amal = tg.user(1001, "Amal", language_code="ar")
    expected = directional(services.translator.gettext("ar", MEDIA), "ar")
    async with running_bot(services):
        for kind in ["sticker", "photo", "voice", "location", "video_note", "document", "animation"]:
            (reply,) = await say(fake, tg.media_update(amal, kind))
            assert reply["text"] == expected, kind


async def test_photo_caption_is_read_as_a_question(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    async with running_bot(services):
        (reply,) = await say(fake, tg.media_update(sara, "photo", caption="ik wil CV maken"))
    assert reply["text"] == answer(services, "cv_help", "start", "nl")


async def test_long_text_emoji_and_edits(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    async with running_bot(services):
        (long_reply,) = await say(fake, tg.text_update(sara, "ik wil CV maken " * 350))  # 5,600 characters
        assert long_reply["text"] == answer(services, "cv_help", "start", "nl")
        (emoji,) = await say(fake, tg.text_update(sara, "👍🙂"))
        assert "woorden" in emoji["text"] or "woord" in emoji["text"]
        (edited,) = await say(fake, tg.edited_text_update(sara, "ik wil iets anders", message_id=1))
        assert edited["text"]
    async with services.sessions() as session:
        stored = await session.scalar(select(Message.text).where(Message.direction == "in").order_by(Message.id))
    assert stored == "ik wil CV maken " * 350  # nothing lost


async def test_group_messages_are_ignored(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    async with running_bot(services):
        fake.push_update(tg.text_update(sara, "ik wil CV maken", chat=tg.group_chat()))
        fake.push_update(tg.channel_post_update("hallo"))
        (reply,) = await say(fake, tg.text_update(sara, "ik wil CV maken"))
    assert [int(c["chat_id"]) for c in fake.calls("sendMessage")] == [3003]
    assert reply["text"]


async def test_flood_limit_reply_is_delivered_after_waiting(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    fake.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1)
    async with running_bot(services):
        (reply,) = await say(fake, tg.text_update(sara, "ik wil CV maken"))
    assert reply["text"] == answer(services, "cv_help", "start", "nl")


async def test_blocked_user_is_marked_unreachable_without_retry_storm(fake: FakeBotAPI, services: Services) -> None:
    sara = tg.user(3003, "Sara", language_code="nl")
    fake.block_user(3003)
    async with running_bot(services):
        fake.push_update(tg.text_update(sara, "ik wil CV maken"))
        for _ in range(100):
            async with services.sessions() as session:
                user = await session.scalar(select(User))
            if user is not None and user.unreachable:
                break
            await asyncio.sleep(0.05)
    assert user is not None
    assert user.unreachable
    assert len(fake.calls("sendMessage")) == 1


async def test_undelivered_replies_are_sent_after_a_restart(
    fake: FakeBotAPI, settings: Settings, embedded: EmbeddedClassifier
) -> None:
    from bot.pipeline import Incoming, process

    async with open_services(settings, embedded=embedded) as services:
        # The process stored the reply, then died before sending it.
        result = await process(services, Incoming(3003, 3003, "text", text="ik wil CV maken", update_id=77))
        assert len(result.outgoing) == 1
    async with open_services(settings, embedded=embedded) as services, running_bot(services):
        (sent,) = await fake.wait_for("sendMessage", timeout=10)
    assert sent["text"] == result.outgoing[0].text

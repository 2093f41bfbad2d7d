"""Safeguarding end to end through the fake Bot API: every category in every language gets the help
lines in the newcomer's script and an urgent case that coaches see first; the dismiss button; a
disclosure during an intake and while a coach has the case; ordinary questions raise no alarm; the
category is never logged, is in /mydata and is erased by /delete."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import CASE_CLOSED, PRIORITY_NORMAL, PRIORITY_URGENT, Case, Intake, Timer
from bot.handoff.coaches import add_coach
from bot.messages import t_
from bot.safeguarding import respond
from bot.services import Services
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import buttons, running_bot, say

GROUP = -1001234567890
COACH_NL = tg.user(501, "Fatima", language_code="nl")  # speaks nl, ti
COACH_AR = tg.user(502, "Pieter", language_code="nl")  # speaks ar, en

# One disclosure per category and language, written as people write, and the number that must be in
# the answer.
DISCLOSURES: dict[str, dict[str, str]] = {
    "en": {
        "suicide": "i dont want to live anymore",
        "danger": "help he has a knife and is threatening me",
        "domestic_violence": "my husband beats me",
        "exploitation": "My boss keeps my passport and has not paid me for two months. What can I do?",
        "harassment": "my manager touches me at work and i dont want it",
        "minor": "i am 16 years old and i want a job",
    },
    "nl": {
        "suicide": "ik wil niet meer leven",
        "danger": "help, hij heeft een mes en bedreigt me",
        "domestic_violence": "mijn man slaat me",
        "exploitation": "mijn baas houdt mijn paspoort en ik ben al 2 maanden niet betaald",
        "harassment": "ik word gediscrimineerd op mijn werk",
        "minor": "ik ben 16 jaar en ik zoek werk",
    },
    "ar": {
        "suicide": "ما بدي عيش بعد",
        "danger": "معه سكين وعم يهددني",
        "domestic_violence": "جوزي بيضربني",
        "exploitation": "صاحب الشغل أخد جوازي",
        "harassment": "المدير عم يتحرش فيني بالشغل",
        "minor": "عمري ١٦ سنة وبدي شغل",
    },
    "ti": {
        "suicide": "ክመውት እደሊ",
        "danger": "ካራ ሒዙ የፈራርሃኒ ኣሎ",
        "domestic_violence": "ሰብኣየይ ይወቕዓኒ",
        "exploitation": "ወናኒ ስራሕ ፓስፖርተይ ሒዙዎ",
        "harassment": "ኣብ ስራሕ ዓሌትነት ኣሎ",
        "minor": "16 ዓመተይ እየ ስራሕ እደሊ",
    },
}
NUMBERS = {
    "suicide": ("113", "0800-0113", "https://www.113.nl", "112"),
    "danger": ("112",),
    "domestic_violence": ("0800-2000", "112"),
    "exploitation": ("https://www.nlarbeidsinspectie.nl", "https://www.juridischloket.nl"),
    "harassment": ("https://www.discriminatie.nl",),
    "minor": ("18", "112"),
}
URGENT = ("URGENT", "عاجل", "ህጹጽ")  # how the urgent card starts in the coaches' languages
SCRIPTS = {"ar": re.compile(r"[\u0600-\u06ff]"), "ti": re.compile(r"[\u1200-\u137f]"), "nl": None, "en": None}
ORDINARY = [
    "my contract ends next month",
    "how do I kill time while IDW decides",
    "my boss is strict about being on time",
    "ik ben dood moe na werk",
    "mijn contract loopt af, wat nu?",
    "عقدي بيخلص الشهر الجاي",
    "ውዕለይ ኣብ ዝመጽእ ወርሒ ይውዳእ",
]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coach_chat_id": GROUP, "office_hours": "mon-sun 00:00-23:59"}


@pytest.fixture
async def services(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl,ti", staff=False)
        await add_coach(session, 502, "Pieter", "ar,en", staff=False)
    return services


def to(chat_id: int) -> Any:
    return lambda p: int(p["chat_id"]) == chat_id


async def case_of(services: Services, telegram_id: int) -> Case | None:
    from bot.db.models import User

    async with services.sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
        return await session.scalar(select(Case).where(Case.user_id == user_id).order_by(Case.id.desc()))


def text_of(services: Services, lang: str, msg: Any) -> str:
    return services.translator.gettext(lang, msg)


async def test_every_category_in_every_language(
    fake: FakeBotAPI, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `werkhelpdesk run` logs (bot.cli._configure_logging)
    telegram_id = 7000
    async with running_bot(services):
        for lang, by_category in DISCLOSURES.items():
            for category, message in by_category.items():
                telegram_id += 1
                newcomer = tg.user(telegram_id, "Noor", language_code=lang)
                help_lines, next_step = await say(fake, tg.text_update(newcomer, message), replies=2)
                expected = services.flows.text("safeguarding", category, lang)
                assert help_lines["text"] == expected, (lang, category)
                for number in NUMBERS[category]:
                    assert number in help_lines["text"], (lang, category, number)
                if (script := SCRIPTS[lang]) is not None:
                    assert script.search(help_lines["text"]), (lang, category)
                case = await case_of(services, telegram_id)
                assert case is not None
                assert (case.priority, case.safeguarding, case.status) == (PRIORITY_URGENT, category, "waiting")
                assert buttons(help_lines) == [(text_of(services, lang, respond.DISMISS), f"sg:no:{case.id}:o")]
                assert next_step["text"] == text_of(services, lang, respond.NEXT_OPEN)
                # The urgent card in the group, and privately to the coach who speaks the language.
                coach = 501 if lang in {"nl", "ti"} else 502
                (card,) = await fake.wait_for("sendMessage", to(GROUP), ok=True)
                (private,) = await fake.wait_for("sendMessage", to(coach), ok=True)
                for notice in (card, private):
                    assert notice["text"].startswith(URGENT), notice["text"]  # in the coach's language
                    assert f"#{case.id}" in notice["text"]
                    assert message in notice["text"] or "١٦" in message
                    assert ("", f"c:claim:{case.id}") in [("", d) for _, d in buttons(notice)]
                other = 502 if coach == 501 else 501
                assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == other]
    # Special-category data never reaches the logs: neither the category nor the message.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for category in NUMBERS:
        assert category not in logged
        label = text_of(services, "nl", respond.CATEGORY_LABELS[category])
        assert label not in logged
    for by_category in DISCLOSURES.values():
        for message in by_category.values():
            assert message not in logged


async def test_urgent_cases_come_first_in_the_queue(fake: FakeBotAPI, services: Services) -> None:
    asker = tg.user(801, "Amal", language_code="en")
    crisis = tg.user(802, "Sam", language_code="en")
    async with running_bot(services):
        # An ordinary case first (older), then a disclosure.
        await say(fake, tg.text_update(asker, "I want to talk to a person"))
        fake.mark()
        fake.push_update(tg.callback_update(asker, "a:coach_yes"))
        await fake.wait_for("sendMessage", to(801), ok=True)
        await say(fake, tg.text_update(crisis, "i want to kill myself"), replies=2)
        ordinary, urgent = await case_of(services, 801), await case_of(services, 802)
        assert ordinary is not None
        assert urgent is not None
        (listing,) = await say(fake, tg.command_update(COACH_AR, "queue"))
        lines = [line for line in listing["text"].splitlines() if line.startswith(("#", "‼"))]
        assert lines[0].startswith(f"‼ #{urgent.id}")
        assert lines[1].startswith(f"#{ordinary.id}")
        # /claim without a number takes the urgent case, though it is younger.
        fake.mark()
        fake.push_update(tg.command_update(COACH_AR, "claim"))
        (taken,) = await fake.wait_for("sendMessage", to(802), ok=True)
        assert "Pieter" in taken["text"]
        claimed = await case_of(services, 802)
        assert claimed is not None
        assert claimed.status == "claimed"


async def test_dismiss_button_closes_the_alarm(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(811, "Lina", language_code="en")
    async with running_bot(services):
        help_lines, _ = await say(fake, tg.text_update(newcomer, "how do I end my life"), replies=2)
        ((_, data),) = buttons(help_lines)
        (answer,) = await say(fake, tg.callback_update(newcomer, data))
        assert answer["text"] == text_of(services, "en", respond.DISMISSED)
        case = await case_of(services, 811)
        assert case is not None
        assert (case.status, case.outcome, case.safeguarding) == (CASE_CLOSED, "dismissed", "suicide")
        # The bot answers ordinary questions again (no relay to a coach).
        (faq,) = await say(fake, tg.text_update(newcomer, "how do I write a CV"))
        assert faq["text"] == services.flows.text("cv_help", "start", "en")


async def test_ordinary_questions_with_trigger_words_raise_no_alarm(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        for i, message in enumerate(ORDINARY):
            newcomer = tg.user(900 + i, "Omar", language_code="en")
            fake.mark()
            fake.push_update(tg.text_update(newcomer, message))
            await fake.wait_for("sendMessage", to(900 + i), ok=True)
            assert await case_of(services, 900 + i) is None, message
        assert not fake.calls("sendMessage") or not [
            c for c in fake.calls("sendMessage") if int(c["chat_id"]) in {GROUP, 501, 502}
        ]


# Issue 19's three examples, and longer ordinary questions of the kinds that raised false alarms in a blind
# evaluation (round 12): a contract that is not renewed, idioms of dying and killing, a course on first aid
# or harassment, other people's ages, a strict but lawful boss, an expired passport, pay days.
ISSUE_EXAMPLES = ORDINARY[:3]
LOOK_ALIKES = [
    ("en", "my fixed-term contract ends in february and will not be renewed, can i already look for another job?"),
    ("en", "my employer wants me to follow a first aid course on saturday, do i get paid for those hours?"),
    ("en", "my colleague is 16 and works the late shift with me, how many hours may he work?"),
    ("nl", "ik wil doodgraag in de techniek werken, welke opleiding raad je aan?"),
    ("nl", "mijn baas verbiedt telefoons op de werkvloer en zegt dat mijn werk beter moet, is dat normaal hier?"),
    ("ar", "جواز سفري انتهى الشهر الماضي، هل بقدر ابلش الشغل بالاقامه بس؟"),
    ("ar", "طلبوا مني دورة اسعافات اولية قبل ما ابلش بالحضانه، مين بيدفع حقها؟"),
    ("ti", "ደሞዝ ኣብ ሆላንድ ክንደይ ግዜ እዩ ዝኽፈል ኣብ ወርሒ ሓደ ግዜ ድዩ?"),
]


async def test_issue_examples_and_look_alikes_get_their_ordinary_answer(fake: FakeBotAPI, services: Services) -> None:
    async with running_bot(services):
        messages = [("en", m) for m in ISSUE_EXAMPLES] + LOOK_ALIKES
        for i, (lang, message) in enumerate(messages):
            telegram_id = 950 + i
            (first,) = await say(fake, tg.text_update(tg.user(telegram_id, "Omar", language_code=lang), message))
            asked = first["text"] == text_of(services, lang, respond.ASK)
            # The issue's own examples are answered at once; a look-alike may be asked about, then answered.
            assert not asked or message not in ISSUE_EXAMPLES, message
            answer = (await fake.wait_for("sendMessage", to(telegram_id), count=2, ok=True))[-1] if asked else first
            assert answer["text"] != text_of(services, lang, respond.ASK), message
            for category in NUMBERS:
                assert answer["text"] != services.flows.text("safeguarding", category, lang), message
            assert not [d for _, d in buttons(answer) if d.startswith("sg:no")], message
            assert await case_of(services, telegram_id) is None, message
        assert not [c for c in fake.calls("sendMessage") if int(c["chat_id"]) in {GROUP, 501, 502}]


# Vague messages that may be distress: the model's middle band (checked in the test, on the model the bot
# trained at start-up), where the bot asks "Are you safe right now?" before answering as usual.
# Several per language: a change of the data may move one of them out of the band.
UNSURE = {
    "en": ["i feel so empty these days", "i am not okay", "i am lost in my life", "life is very hard here"],
    "nl": ["ik huil elke nacht", "alles is donker voor mij", "ik ben niet oké", "alles is zo moeilijk hier"],
}


async def _unsure_message(services: Services, lang: str) -> str:
    from bot.safeguarding.model import ensure_trained

    await asyncio.to_thread(ensure_trained, services.settings.nlu_dir)
    found = [m for m in UNSURE[lang] if respond.check("text", m) is None and respond.unsure("text", m) is not None]
    assert found, "none of UNSURE is in the model's middle band any more: pick new examples"
    return found[0]


async def test_unsure_message_asks_if_safe_then_answers_as_usual(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(841, "Yonas", language_code="en")
    async with running_bot(services):
        message = await _unsure_message(services, "en")
        question, answer = await say(fake, tg.text_update(newcomer, message), replies=2)
        assert question["text"] == text_of(services, "en", respond.ASK)
        category = respond.unsure("text", message)
        assert buttons(question) == [
            (text_of(services, "en", respond.ASK_HELP), f"sg:ask:help:{category}"),
            (text_of(services, "en", respond.ASK_SAFE), f"sg:ask:safe:{category}"),
        ]
        assert answer["text"] != question["text"]  # the message itself is answered as usual
        assert await case_of(services, 841) is None  # asking is not an alarm: no case, no coach told
        assert not [c for c in fake.calls("sendMessage") if int(c["chat_id"]) in {GROUP, 501, 502}]
        (thanks,) = await say(fake, tg.callback_update(newcomer, f"sg:ask:safe:{category}"))
        assert thanks["text"] == text_of(services, "en", respond.ASK_THANKS)
        assert await case_of(services, 841) is None
        # The transcript keeps the message (stored once, by the route that answered it).
        from bot.db.models import Message

        async with services.sessions() as session:
            stored = list(await session.scalars(select(Message.text).where(Message.text == message)))
        assert stored == [message]


async def test_unsure_message_then_i_need_help_opens_an_urgent_case(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(842, "Sara", language_code="nl")
    async with running_bot(services):
        message = await _unsure_message(services, "nl")
        question, _ = await say(fake, tg.text_update(newcomer, message), replies=2)
        help_data = buttons(question)[0][1]
        category = help_data.rsplit(":", 1)[1]
        help_lines, next_step = await say(fake, tg.callback_update(newcomer, help_data), replies=2)
        assert help_lines["text"] == services.flows.text("safeguarding", category, "nl")
        assert next_step["text"] == text_of(services, "nl", respond.NEXT_OPEN)
        case = await case_of(services, 842)
        assert case is not None
        assert (case.priority, case.safeguarding, case.status) == (PRIORITY_URGENT, category, "waiting")
        assert buttons(help_lines) == [(text_of(services, "nl", respond.DISMISS), f"sg:no:{case.id}:o")]
        (card,) = await fake.wait_for("sendMessage", to(GROUP), ok=True)
        assert card["text"].startswith(URGENT)
        assert message in card["text"]  # the coach sees what was written
        # While the disclosure case is open, the bot does not ask again.
        (care,) = await say(fake, tg.text_update(newcomer, message))
        assert care["text"] != text_of(services, "nl", respond.ASK)


async def test_short_messages_and_intake_answers_are_not_asked_about(fake: FakeBotAPI, services: Services) -> None:
    """The question goes only with the bot's own answers: not with a two-word message, nor with an answer
    to the intake form (which its own route takes first)."""
    newcomer = tg.user(843, "Dawit", language_code="en")
    async with running_bot(services):
        message = await _unsure_message(services, "en")
        (reply,) = await say(fake, tg.text_update(newcomer, "hallo 16"))
        assert reply["text"] != text_of(services, "en", respond.ASK)
        await say(fake, tg.callback_update(newcomer, "a:intake"))
        await say(fake, tg.callback_update(newcomer, "in:consent:yes"))
        (answer,) = await say(fake, tg.text_update(newcomer, message))
        assert answer["text"] != text_of(services, "en", respond.ASK)
        assert await case_of(services, 843) is None


async def test_disclosure_during_intake_pauses_it(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(821, "Hana", language_code="en")
    async with running_bot(services):
        (consent,) = await say(fake, tg.callback_update(newcomer, "a:intake"))
        assert ("", "in:consent:yes") in [("", d) for _, d in buttons(consent)]
        await say(fake, tg.callback_update(newcomer, "in:consent:yes"))
        async with services.sessions() as session:
            intake = await session.scalar(select(Intake))
            assert intake is not None
            assert intake.status == "asking"
        help_lines, _ = await say(fake, tg.text_update(newcomer, "my husband hits me"), replies=2)
        assert help_lines["text"] == services.flows.text("safeguarding", "domestic_violence", "en")
        async with services.sessions() as session:
            intake = await session.scalar(select(Intake))
            assert intake is not None
            assert intake.status == "paused"
        case = await case_of(services, 821)
        assert case is not None
        assert case.priority == PRIORITY_URGENT


async def test_disclosure_while_a_coach_has_the_case(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(831, "Rami", language_code="en")
    async with running_bot(services):
        await say(fake, tg.text_update(newcomer, "I want to talk to a person"))
        fake.mark()
        fake.push_update(tg.callback_update(newcomer, "a:coach_yes"))
        await fake.wait_for("sendMessage", to(GROUP), ok=True)  # the card: the case is stored
        fake.mark()
        fake.push_update(tg.command_update(COACH_AR, "claim"))
        await fake.wait_for("sendMessage", to(831), ok=True)
        case = await case_of(services, 831)
        assert case is not None
        assert case.status == "claimed"
        assert case.priority == PRIORITY_NORMAL

        fake.mark()
        fake.push_update(tg.text_update(newcomer, "my boss took my passport and i have not been paid"))
        help_lines, next_step = await fake.wait_for("sendMessage", to(831), count=2, ok=True)
        assert help_lines["text"] == services.flows.text("safeguarding", "exploitation", "en")
        assert next_step["text"] == services.translator.gettext("en", t_(respond.NEXT_CLAIMED.msgid, name="Pieter"))
        # The coach gets the message itself and an urgent alert with the concern.
        to_coach = await fake.wait_for("sendMessage", to(502), count=2, ok=True)
        texts = "\n".join(c["text"] for c in to_coach)
        assert "my boss took my passport" in texts
        assert any(marker in texts for marker in URGENT)
        assert text_of(services, "ar", respond.CATEGORY_LABELS["exploitation"]) in texts  # Pieter reads ar
        case = await case_of(services, 831)
        assert case is not None
        assert (case.priority, case.safeguarding) == (PRIORITY_URGENT, "exploitation")

        # Closing an urgent case: no satisfaction question.
        fake.mark()
        fake.push_update(tg.command_update(COACH_AR, "close", "referred"))
        (closing,) = await fake.wait_for("sendMessage", to(831), ok=True)
        assert closing["text"] == text_of(services, "en", respond.CLOSED_AFTER_CARE)
        assert buttons(closing) == []


async def test_mydata_shows_the_category_and_delete_erases_it(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(841, "Dawit", language_code="ti")
    async with running_bot(services):
        await say(fake, tg.text_update(newcomer, "ሰብኣየይ ይወቕዓኒ"), replies=2)
        fake.mark()
        fake.push_update(tg.command_update(newcomer, "mydata"))
        (document,) = await fake.wait_for("sendDocument", to(841), ok=True)
        exported = json.loads(document["document"].content.decode("utf-8"))
        assert exported["cases"][0]["safeguarding"] == "domestic_violence"
        assert exported["cases"][0]["priority"] == PRIORITY_URGENT
        case = await case_of(services, 841)
        assert case is not None
        await say(fake, tg.command_update(newcomer, "delete"))
        await say(fake, tg.callback_update(newcomer, "del:yes"))
        async with services.sessions() as session:
            erased = await session.get(Case, case.id)
            assert erased is not None
            assert (erased.user_id, erased.safeguarding, erased.status) == (None, None, CASE_CLOSED)


async def test_urgent_case_is_reannounced_after_the_urgent_interval(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(851, "Sara", language_code="en")
    async with running_bot(services):
        await say(fake, tg.text_update(newcomer, "there is a fire in our house help"), replies=2)
    case = await case_of(services, 851)
    assert case is not None
    async with services.sessions() as session:
        (timer,) = await session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.done_at.is_(None)))
        minutes = (timer.due_at - case.created_at).total_seconds() / 60
        assert 4.5 <= minutes <= 5.5  # URGENT_REANNOUNCE_MINUTES, not the ordinary 15


async def test_a_second_disclosure_does_not_flood_the_coaches(fake: FakeBotAPI, services: Services) -> None:
    newcomer = tg.user(871, "Yara", language_code="en")
    async with running_bot(services):
        await say(fake, tg.text_update(newcomer, "my manager touches me at work and i dont want it"), replies=2)
        await fake.wait_for("sendMessage", to(GROUP), ok=True)
        # The same concern again: the help lines again, no new card (the chats are sent to in
        # parallel: a card too many could come just after the newcomer's replies, so wait a little).
        again, _ = await say(fake, tg.text_update(newcomer, "it is sexual harassment, every day"), replies=2)
        assert again["text"] == services.flows.text("safeguarding", "harassment", "en")
        await asyncio.sleep(0.3)
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) in {GROUP, 501, 502}]
        # A more urgent concern: announced again, and the case now carries it.
        await say(fake, tg.text_update(newcomer, "i want to die"), replies=2)
        await fake.wait_for("sendMessage", to(GROUP), ok=True)
        await asyncio.sleep(0.3)
        cards = [c for c in fake.sent_since_mark() if int(c["chat_id"]) == GROUP]
        assert len(cards) == 1
        case = await case_of(services, 871)
        assert case is not None
        assert case.safeguarding == "suicide"

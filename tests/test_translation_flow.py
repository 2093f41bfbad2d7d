"""Machine translation in a case, end to end through the fake Bot API with a LibreTranslate stand-in
(real HTTP): a Tigrinya newcomer, a Dutch-only coach, translation shown both ways, nothing sent to
the newcomer before the coach confirms, and the provider failing (errors, slowness) mid-case."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.db.models import CachedTranslation, Case, Message, TranslationDraft, User
from bot.handoff.coaches import add_coach
from bot.messages import t_
from bot.privacy import export
from bot.services import Services
from bot.translate.guard import GuardedTranslator
from bot.translate.libretranslate import LibreTranslateClient
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.libretranslate_standin import LibreTranslateStandIn
from tests.telegram_harness import buttons, running_bot, say, settled
from tests.tiny_mt import ANSWERS, build_marian_pair

PIETER = tg.user(502, "Pieter", language_code="nl")  # speaks Dutch only
YONAS = tg.user(2002, "Yonas", language_code="ti")
ASK = "ዲፕሎማይ ከመይ ክፈልጦ"
TI_TEXT = "ሰላም፡ ስራሕ ይደሊ ኣለኹ"
NL_TEXT = "Hallo Yonas, ik help je graag."


@pytest.fixture
async def standin() -> AsyncIterator[LibreTranslateStandIn]:
    async with LibreTranslateStandIn() as server:
        yield server


@pytest.fixture
def settings_overrides(standin: LibreTranslateStandIn) -> dict[str, object]:
    return {
        "office_hours": "mon-sun 00:00-23:59",
        "translator": "libretranslate",
        "translator_url": standin.url,
        "translator_timeout_seconds": 1.0,
        "translated_handoff_after_minutes": 0,  # the Dutch-only coach may take the Tigrinya case at once
    }


@pytest.fixture
async def services(services: Services, standin: LibreTranslateStandIn) -> Services:
    """A Dutch-only coach; the provider's outage guard probes again after a fifth of a second."""
    async with services.sessions() as session, session.begin():
        await add_coach(session, 502, "Pieter", "nl", staff=False)
    services.machine_translator = GuardedTranslator(
        LibreTranslateClient(services.http, standin.url, "", 1.0), retry_after=0.2
    )
    return services


def _sent_id(fake: FakeBotAPI, params: dict[str, Any]) -> int:
    for request in fake.requests:
        if request.method == "sendMessage" and request.params is params:
            return int(request.response["result"]["message_id"])  # type: ignore[index]
    raise AssertionError("message not found")


def to(chat_id: int) -> Any:
    return lambda p: int(p["chat_id"]) == chat_id


def nl(services: Services, msgid: str, **params: str | int) -> str:
    return services.translator.gettext("nl", t_(msgid, **params))


async def _case_with_pieter(fake: FakeBotAPI, services: Services, last: str | None = f"[nl] {ASK.upper()}") -> None:
    """Yonas asks for a coach; Pieter claims (and reads Yonas's last message translated: `last`)."""
    await say(fake, tg.text_update(YONAS, ASK))
    await say(fake, tg.callback_update(YONAS, "a:coach"))
    fake.mark()
    fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
    await fake.wait_for("sendMessage", to(502), ok=True)  # the card: nobody speaks ti, so everyone
    fake.mark()
    fake.push_update(tg.callback_update(PIETER, "c:claim:1"))
    await fake.wait_for("sendMessage", to(2002), ok=True)  # "Coach Pieter is now with you"
    await settled(services)
    to_pieter = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 502]
    if last is not None:  # the last messages, in Dutch, after the claim
        assert to_pieter[-1] == nl(
            services, "Machine translation of the last messages:\n%(messages)s", messages=f"> {last}"
        )
    else:
        assert not any("> [nl]" in t for t in to_pieter)


async def test_tigrinya_newcomer_and_dutch_coach(
    fake: FakeBotAPI, services: Services, standin: LibreTranslateStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    async with running_bot(services):
        await _case_with_pieter(fake, services)

        # Newcomer -> coach: the original with the machine translation beneath.
        (relayed,) = await say(fake, tg.text_update(YONAS, TI_TEXT), chat=502)
        assert relayed["text"] == nl(
            services,
            "%(header)s: %(original)s\n\nMachine translation: %(translation)s",
            header="#1 Yonas",
            original=TI_TEXT,
            translation=f"[nl] {TI_TEXT.upper()}",
        )
        assert standin.requests[-1]["source"] == "ti"
        assert standin.requests[-1]["target"] == "nl"

        # Coach -> newcomer: shown back with its back-translation; nothing reaches Yonas yet.
        fake.mark()
        fake.push_update(tg.text_update(PIETER, NL_TEXT))
        (check,) = await fake.wait_for("sendMessage", to(502), ok=True)
        await settled(services)
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]
        assert f"[ti] {NL_TEXT}" in check["text"]
        assert f"[nl] [TI] {NL_TEXT.upper()}" in check["text"]  # the translation, translated back
        assert [d for _, d in buttons(check)] == ["c:mt:s:1", "c:mt:e:1", "c:mt:o:1"]

        # Confirmed: the newcomer gets the translation, marked, with a button for the original.
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:mt:s:1"))
        (sent,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        expected = services.translator.gettext(
            "ti", t_("%(name)s (machine translation):\n%(text)s", name="Pieter", text=f"[ti] {NL_TEXT}")
        )
        assert sent["text"] == expected
        assert [d for _, d in buttons(sent)] == ["mt:o:1"]
        (done,) = await fake.wait_for("sendMessage", to(502), ok=True)
        assert done["text"] == nl(services, "Sent to the newcomer of case #%(id)s.", id=1)

        # Pressed twice (or redelivered): sent once.
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:mt:s:1"))
        (again,) = await fake.wait_for("sendMessage", to(502), ok=True)
        await settled(services)
        assert again["text"] == nl(services, "This message was already sent or replaced; nothing more was sent.")
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]

        # The newcomer asks for the coach's own words.
        (original,) = await say(fake, tg.callback_update(YONAS, "mt:o:1"))
        assert NL_TEXT in original["text"]

        # Edit: the coach's next message is the corrected translation, shown again before it goes.
        fake.mark()
        fake.push_update(tg.text_update(PIETER, "Tot morgen"))
        (check2,) = await fake.wait_for("sendMessage", to(502), ok=True)
        assert [d for _, d in buttons(check2)] == ["c:mt:s:2", "c:mt:e:2", "c:mt:o:2"]
        (asked,) = await say(fake, tg.callback_update(PIETER, "c:mt:e:2"))
        assert "[ti] Tot morgen" in asked["text"]
        (check3,) = await say(fake, tg.text_update(PIETER, "ጽቡቕ ምሸት"))
        assert "ጽቡቕ ምሸት" in check3["text"]
        assert "[nl] ጽቡቕ ምሸት" in check3["text"]  # the corrected translation, translated back
        assert [d for _, d in buttons(check3)] == ["c:mt:s:2", "c:mt:e:2", "c:mt:o:2"]
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:mt:s:2"))
        (corrected,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert "ጽቡቕ ምሸት" in corrected["text"]
        assert "Tot morgen" not in corrected["text"]
        await fake.wait_for("sendMessage", to(502), ok=True)  # "sent"
        await settled(services)

        # The provider fails mid-case: the original with "translation unavailable", nothing lost.
        standin.mode = "500"
        (unavailable,) = await say(fake, tg.text_update(YONAS, "ሓገዝ በጃኹም"), chat=502)
        assert unavailable["text"] == nl(
            services, "%(header)s: %(original)s\n\n(Translation unavailable.)", header="#1 Yonas", original="ሓገዝ በጃኹም"
        )
        fake.mark()
        fake.push_update(tg.text_update(PIETER, "Een ogenblik"))
        (down,) = await fake.wait_for("sendMessage", to(502), ok=True)
        assert [d for _, d in buttons(down)] == ["c:mt:r:3", "c:mt:o:3"]
        await settled(services)
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]

        # The provider is back: "try again" translates and shows it for confirmation.
        standin.mode = "ok"
        await asyncio.sleep(0.25)
        (retried,) = await say(fake, tg.callback_update(PIETER, "c:mt:r:3"))
        assert "[ti] Een ogenblik" in retried["text"]
        assert [d for _, d in buttons(retried)] == ["c:mt:s:3", "c:mt:e:3", "c:mt:o:3"]

        # Slow: past the time limit it counts as unavailable; the coach sends the original instead.
        standin.mode = "slow"
        fake.mark()
        fake.push_update(tg.text_update(PIETER, "Nog iets"))
        (slow,) = await fake.wait_for("sendMessage", to(502), ok=True, timeout=10)
        assert [d for _, d in buttons(slow)] == ["c:mt:r:4", "c:mt:o:4"]
        standin.release.set()
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:mt:o:4"))
        (plain,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert plain["text"] == "Pieter: Nog iets"

        # Slow the other way: the newcomer's message reaches the coach at the time limit, untranslated.
        standin.release.clear()
        await asyncio.sleep(0.25)  # past the outage guard's pause, so the provider is asked again
        (late,) = await say(fake, tg.text_update(YONAS, "ሓደ ሕቶ"), chat=502, wait=10)
        assert late["text"] == nl(
            services, "%(header)s: %(original)s\n\n(Translation unavailable.)", header="#1 Yonas", original="ሓደ ሕቶ"
        )
        standin.release.set()

    # The transcript keeps original and translation; nothing the newcomer wrote is in the logs.
    async with services.sessions() as session:
        drafts = list(await session.scalars(select(TranslationDraft).order_by(TranslationDraft.id)))
        assert [(d.original, d.translation, d.status) for d in drafts] == [
            (NL_TEXT, f"[ti] {NL_TEXT}", "sent"),
            ("Tot morgen", "ጽቡቕ ምሸት", "sent"),
            ("Een ogenblik", "[ti] Een ogenblik", "draft"),
            ("Nog iets", None, "sent_original"),
        ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TI_TEXT, "ሓገዝ በጃኹም", "ሓደ ሕቶ", NL_TEXT.upper(), "ጽቡቕ ምሸት", "Tot morgen", "Een ogenblik"):
        assert secret not in logged


async def test_delete_erases_translations_and_drafts(
    fake: FakeBotAPI, services: Services, standin: LibreTranslateStandIn
) -> None:
    async with running_bot(services):
        await _case_with_pieter(fake, services)
        await say(fake, tg.text_update(YONAS, TI_TEXT), chat=502)
        await say(fake, tg.text_update(PIETER, NL_TEXT))
        async with services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(CachedTranslation))
            assert await session.scalar(select(func.count()).select_from(TranslationDraft)) == 1
        # /mydata carries them: the translations of their words, and the coach's original and translation.
        async with services.sessions() as session:
            yonas = await session.scalar(select(User).where(User.telegram_id == 2002))
            assert yonas is not None
            exported = (await export(session, yonas))["machine_translations"]
        assert f"[nl] {TI_TEXT.upper()}" in [c["translation"] for c in exported["cached"]]
        assert [(r["original"], r["translation"], r["status"]) for r in exported["coach_replies"]] == [
            (NL_TEXT, f"[ti] {NL_TEXT}", "draft")
        ]
        await say(fake, tg.command_update(YONAS, "delete"))
        fake.mark()
        fake.push_update(tg.callback_update(YONAS, "del:yes"))
        await fake.wait_for("sendMessage", to(2002), ok=True)
        await settled(services)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 0
        assert await session.scalar(select(func.count()).select_from(TranslationDraft)) == 0
        texts = list(await session.scalars(select(Message.text).where(Message.text.is_not(None))))
        assert not any(TI_TEXT in t or NL_TEXT in t for t in texts)


async def test_translation_off_changes_nothing(fake: FakeBotAPI, services: Services) -> None:
    services.machine_translator = None
    services.settings.translator = "off"
    async with running_bot(services):
        await _case_with_pieter(fake, services, None)
        (relayed,) = await say(fake, tg.text_update(YONAS, TI_TEXT), chat=502)
        assert relayed["text"] == f"#1 Yonas: {TI_TEXT}"
        (sent,) = await say(fake, tg.text_update(PIETER, NL_TEXT), chat=2002)
        assert sent["text"] == f"Pieter: {NL_TEXT}"


async def test_case_waits_for_a_speaker_then_any_coach(
    fake: FakeBotAPI, services: Services, standin: LibreTranslateStandIn
) -> None:
    """With translation on, a Tigrinya case waits TRANSLATED_HANDOFF_AFTER_MINUTES for a coach who speaks
    Tigrinya; then the Dutch-only coach sees it in /queue and may claim it (times from the database)."""
    services.settings.translated_handoff_after_minutes = 30
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ti", staff=False)  # someone speaks Tigrinya: worth waiting for
    async with running_bot(services):
        await say(fake, tg.text_update(YONAS, ASK))
        await say(fake, tg.callback_update(YONAS, "a:coach"))
        fake.mark()
        fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
        await fake.wait_for("sendMessage", to(501), ok=True)  # the card: to the speaker
        await settled(services)
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 502]

        (refused,) = await say(fake, tg.callback_update(PIETER, "c:claim:1"))
        assert refused["text"].startswith(nl(services, "Case #%(id)s cannot be claimed any more.", id=1)[:8])
        assert "30" in refused["text"]  # minutes still to wait (the wording: test_translation_routing)
        (empty,) = await say(fake, tg.command_update(PIETER, "queue"))
        assert empty["text"] == nl(services, "No cases are waiting in your languages. /queue all shows every language.")
        (none,) = await say(fake, tg.command_update(PIETER, "claim"))
        assert "#1" not in none["text"]

        async with services.sessions() as session, session.begin():
            created = await session.scalar(select(Case.created_at).where(Case.id == 1))
            assert created is not None
            await session.execute(update(Case).where(Case.id == 1).values(created_at=created - timedelta(minutes=31)))
        (listed,) = await say(fake, tg.command_update(PIETER, "queue"))
        assert "#1" in listed["text"]
        fake.mark()
        fake.push_update(tg.command_update(PIETER, "claim"))
        await fake.wait_for("sendMessage", to(2002), ok=True)  # "Coach Pieter is now with you"
        await settled(services)
    async with services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert case.status == "claimed"


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny OPUS-MT-shaped models built here (no download): ti-en, en-ti, en-nl, nl-en."""
    root = tmp_path_factory.mktemp("models")
    for source, target in (("ti", "en"), ("en", "ti"), ("en", "nl"), ("nl", "en")):
        build_marian_pair(root, source, target)
    return root


async def test_local_ctranslate2_models_through_english(
    fake: FakeBotAPI, services: Services, tiny_models: Path
) -> None:
    """The same flow with the local CTranslate2 provider: Tigrinya to Dutch and back through English.
    (A tiny model answers one fixed sentence per target language: ANSWERS.)"""
    from bot.translate.local import CTranslate2Translator

    services.machine_translator = GuardedTranslator(await CTranslate2Translator.open(tiny_models, 5.0, threads=1))
    try:
        async with running_bot(services):
            await _case_with_pieter(fake, services, ANSWERS["nl"])
            (relayed,) = await say(fake, tg.text_update(YONAS, TI_TEXT), chat=502)
            assert relayed["text"] == nl(
                services,
                "%(header)s: %(original)s\n\nMachine translation: %(translation)s",
                header="#1 Yonas",
                original=TI_TEXT,
                translation=ANSWERS["nl"],
            )
            (check,) = await say(fake, tg.text_update(PIETER, NL_TEXT))
            assert ANSWERS["ti"] in check["text"]
            assert [d for _, d in buttons(check)] == ["c:mt:s:1", "c:mt:e:1", "c:mt:o:1"]
            fake.mark()
            fake.push_update(tg.callback_update(PIETER, "c:mt:s:1"))
            (sent,) = await fake.wait_for("sendMessage", to(2002), ok=True)
            assert ANSWERS["ti"] in sent["text"]
            await settled(services)
        async with services.sessions() as session:
            draft = await session.get(TranslationDraft, 1)
            assert draft is not None
            assert (draft.translation, draft.back, draft.provider) == (
                ANSWERS["ti"],
                ANSWERS["nl"],
                "ctranslate2 (via en)",
            )
    finally:
        await services.machine_translator.close()


async def test_forum_topic_gets_the_translation_and_the_coach_confirms_privately(
    fake: FakeBotAPI, services: Services, standin: LibreTranslateStandIn
) -> None:
    """With the coaches' forum group: the newcomer's message reaches the case's topic with the Dutch
    translation (the group reads the default language); a coach's answer in the topic is shown back to
    them in their private chat for confirmation, and only then sent."""
    group = -1001234567890
    services.settings.coach_chat_id = group
    forum = tg.group_chat(id=group, title="Coaches", is_forum=True)
    async with running_bot(services):
        fake.push_update(tg.text_update(PIETER, "hallo allemaal", chat=forum))  # the fake learns the forum
        await say(fake, tg.text_update(YONAS, ASK))
        await say(fake, tg.callback_update(YONAS, "a:coach"))
        fake.mark()
        fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
        (card,) = await fake.wait_for("sendMessage", to(group), ok=True)
        thread = int(card["message_thread_id"])
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:claim:1", message=fake.message(group, _sent_id(fake, card))))
        await fake.wait_for("sendMessage", to(2002), ok=True)
        await settled(services)

        (in_topic,) = await say(fake, tg.text_update(YONAS, TI_TEXT), chat=group)
        assert int(in_topic["message_thread_id"]) == thread
        assert in_topic["text"] == nl(
            services,
            "%(header)s: %(original)s\n\nMachine translation: %(translation)s",
            header="#1 Yonas",
            original=TI_TEXT,
            translation=f"[nl] {TI_TEXT.upper()}",
        )
        fake.mark()
        fake.push_update(tg.text_update(PIETER, NL_TEXT, chat=forum, message_thread_id=thread))
        (check,) = await fake.wait_for("sendMessage", to(502), ok=True)
        await settled(services)
        assert [d for _, d in buttons(check)] == ["c:mt:s:1", "c:mt:e:1", "c:mt:o:1"]
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]
        fake.mark()
        fake.push_update(tg.callback_update(PIETER, "c:mt:s:1"))
        (sent,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert f"[ti] {NL_TEXT}" in sent["text"]

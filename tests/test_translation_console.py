"""Machine translation in the coach console, in a real browser (Playwright, Debian's Chromium) against
the running bot, the fake Bot API and a LibreTranslate stand-in over real HTTP: a Tigrinya newcomer
and a Dutch-only coach; the translation shown both ways; nothing sent before the coach confirms;
confirming twice sends once; the provider down mid-case."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from bot.db.models import Case, TranslationDraft
from bot.handoff.coaches import add_coach
from bot.services import Services
from bot.translate.guard import GuardedTranslator
from bot.translate.libretranslate import LibreTranslateClient
from tests import fake_bot_api as tg
from tests.console_browser import (
    Site,
    axe_problems,
    chromium,
    new_context,
    one_backend_database_url,  # noqa: F401  (its database_url: one backend)
    running_site,
    shot,
    sign_in,
)
from tests.fake_bot_api import FakeBotAPI
from tests.libretranslate_standin import LibreTranslateStandIn
from tests.telegram_harness import buttons, settled

YONAS = tg.user(2002, "Yonas", language_code="ti")
ASK = "ዲፕሎማይ ከመይ ክፈልጦ"
LATER = "ሓገዝ በጃኹም"


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
        "translated_handoff_after_minutes": 0,  # the Dutch-only coach may take the Tigrinya case at once
    }


@pytest.fixture
async def site(services: Services, standin: LibreTranslateStandIn) -> AsyncIterator[Site]:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 502, "Pieter", "nl", staff=False)  # Dutch only
    services.machine_translator = GuardedTranslator(
        LibreTranslateClient(services.http, standin.url, "", 1.0), retry_after=0.2
    )
    async with running_site(services) as running:
        yield running


def to(chat_id: int) -> Any:
    return lambda p: int(p["chat_id"]) == chat_id


async def test_tigrinya_newcomer_dutch_coach_in_the_console(
    fake: FakeBotAPI, site: Site, standin: LibreTranslateStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    fake.mark()
    fake.push_update(tg.text_update(YONAS, ASK))
    await fake.wait_for("sendMessage", to(2002), ok=True)
    fake.push_update(tg.callback_update(YONAS, "a:coach"))
    await fake.wait_for("sendMessage", to(2002), ok=True, count=2)
    fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
    await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 2002 and "/cancel" in p["text"], ok=True)
    await settled(site.services)

    async with chromium() as browser:
        context = await new_context(browser, bypass_csp=True)  # only to inject axe-core
        page = await sign_in(context, await site.link_for(502))
        await page.goto(f"{site.url}/console/cases/1")
        fake.mark()
        await page.get_by_role("button", name="Oppakken").click()
        await page.wait_for_url(f"{site.url}/console/cases/1")
        # The newcomer learns who took the case (sent after the claim, in the background): before
        # anything below is checked against what was sent since a mark.
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 2002 and "Pieter" in p["text"], ok=True)

        # Newcomer -> coach: the original, and beneath it the machine translation.
        message = page.locator(".msg.newcomer", has_text=ASK).first
        await expect(message.locator(".mt")).to_contain_text(f"[nl] {ASK.upper()}")

        # Coach -> newcomer: translate, see translation and back-translation, correct, confirm.
        fake.mark()
        await page.locator("#reply-text").fill("Hallo Yonas, stuur je diploma.")
        await page.get_by_role("button", name="Vertalen").click()
        draft = page.locator("#translation")
        await expect(draft.locator("textarea")).to_have_value("[ti] Hallo Yonas, stuur je diploma.")
        await expect(draft).to_contain_text("[nl] [TI] HALLO YONAS, STUUR JE DIPLOMA.")
        await shot(page, "translation-draft")
        assert await axe_problems(page) == []
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than the screen
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await shot(page, "translation-draft-phone")
        await page.set_viewport_size({"width": 1280, "height": 900})
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]  # nothing sent yet
        await draft.locator("textarea").fill("[ti] Hallo Yonas, stuur je diploma a.u.b.")
        await draft.get_by_role("button", name="Vertaling versturen").click()
        (sent,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert "[ti] Hallo Yonas, stuur je diploma a.u.b." in sent["text"]
        assert [d for _, d in buttons(sent)] == ["mt:o:1"]
        coach_line = page.locator(".msg.coach").last
        await expect(coach_line).to_contain_text("Hallo Yonas, stuur je diploma.")  # the coach's original too

        # Confirming again (a second tab, a double click): nothing is sent twice.
        async with site.services.sessions() as session:
            row = await session.get(TranslationDraft, 1)
            assert row is not None
            assert row.status == "sent"
        status = await page.evaluate(
            """async () => {
                const csrf = document.querySelector('input[name="csrf"]').value;
                const body = new URLSearchParams({csrf: csrf, translation: "x"});
                const r = await fetch('/console/cases/1/drafts/1/send', {method: 'POST', body});
                return r.status;
            }"""
        )
        assert status == 409
        await settled(site.services)
        assert len([c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]) == 1

        # A file is never translated (nor dropped): the coach is told to send it on its own.
        fake.mark()
        await page.locator("#reply-text").fill("Zie bijlage")
        await page.locator("#reply-file").set_input_files(
            files=[{"name": "cv.txt", "mimeType": "text/plain", "buffer": b"CV"}]
        )
        await page.get_by_role("button", name="Vertalen").click()
        await expect(page.get_by_role("alert")).to_contain_text("Een bestand kan niet vertaald worden")
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]

        # The provider goes down mid-case: the newcomer's message shows "translation unavailable",
        # the coach is told and sends the original instead.
        standin.mode = "500"
        fake.push_update(tg.text_update(YONAS, LATER))
        await settled(site.services)
        await page.reload()
        later = page.locator(".msg.newcomer", has_text=LATER).first
        await expect(later.locator(".mt-missing")).to_be_visible()
        fake.mark()
        await page.locator("#reply-text").fill("Een ogenblik")
        await page.get_by_role("button", name="Vertalen").click()
        await expect(page.locator("#translation .problem")).to_be_visible()
        assert not [c for c in fake.sent_since_mark() if int(c["chat_id"]) == 2002]
        await shot(page, "translation-unavailable")
        await page.locator("#translation").get_by_role("button", name="Origineel versturen").click()
        (original,) = await fake.wait_for("sendMessage", to(2002), ok=True)
        assert original["text"] == "Pieter: Een ogenblik"
        await context.close()

    async with site.services.sessions() as session:
        drafts = list(await session.scalars(select(TranslationDraft).order_by(TranslationDraft.id)))
    assert [(d.original, d.translation, d.status) for d in drafts] == [
        ("Hallo Yonas, stuur je diploma.", "[ti] Hallo Yonas, stuur je diploma a.u.b.", "sent"),
        ("Een ogenblik", None, "sent_original"),
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (ASK, LATER, "Hallo Yonas", "Een ogenblik"):
        assert secret not in logged  # no newcomer or coach text in the logs, the provider's outage included
    assert "translation provider libretranslate unavailable" in logged  # the outage itself is logged


async def test_console_queue_waits_for_a_speaker(fake: FakeBotAPI, site: Site) -> None:
    """With 30 minutes to wait, the Dutch-only coach sees how long the Tigrinya case still waits for a
    coach who speaks Tigrinya, and a claim anyway is refused with that reason."""
    site.services.settings.translated_handoff_after_minutes = 30
    async with site.services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ti", staff=False)  # someone speaks Tigrinya: worth waiting for
    fake.mark()
    fake.push_update(tg.callback_update(YONAS, "a:coach_yes"))
    await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 2002 and "/cancel" in p["text"], ok=True)
    await settled(site.services)
    async with chromium() as browser:
        context = await new_context(browser)
        page = await sign_in(context, await site.link_for(502))
        row = page.locator("table.cases tbody tr").first
        await expect(row).to_contain_text("Wacht nog 30 minuten op een coach die Tigrinya (ትግርኛ) spreekt")
        await expect(row.get_by_role("button")).to_have_count(0)
        await page.goto(f"{site.url}/console/cases/1")
        await page.get_by_role("button", name="Oppakken").click()
        await expect(page.get_by_role("alert")).to_contain_text("wacht nog op een coach die de taal spreekt")
        await context.close()
    async with site.services.sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        assert case.status == "waiting"

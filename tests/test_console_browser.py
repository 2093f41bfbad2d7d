"""The coach console in a real browser (Playwright driving Debian's Chromium) against the running bot,
its web server and the fake Bot API: sign-in by link, claiming, replying, live updates, transfer and
close, right-to-left and Ethiopic transcripts, access control, CSRF, XSS, accessibility, a phone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect
from sqlalchemy import select

from bot.db.models import Case, CaseEvent, CaseView, ConsoleSession, Intake, Message, User
from bot.handoff.coaches import add_coach, remove_coach
from bot.privacy import export
from bot.services import Services
from tests import fake_bot_api as tg
from tests.console_browser import (
    LINK,
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

FATIMA = tg.user(501, "Fatima", language_code="nl")
PIETER = tg.user(502, "Pieter", language_code="nl")
YONAS = tg.user(2002, "Yonas", language_code="ti")
AMAL = tg.user(2003, "Amal", language_code="ar")
SARA = tg.user(3003, "Sara", language_code="nl")
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"office_hours": "mon-sun 00:00-23:59"}


@pytest.fixture
async def site(services: Services) -> AsyncIterator[Site]:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ti,ar,nl", staff=True)
        await add_coach(session, 502, "Pieter", "ti,ar", staff=False)
    async with running_site(services) as running:
        yield running


def to(chat_id: int) -> Any:
    return lambda p: int(p["chat_id"]) == chat_id


async def queue_newcomer(fake: FakeBotAPI, who: dict[str, Any], text: str) -> None:
    """The newcomer writes, asks for a coach and confirms: a waiting case."""
    chat = int(who["id"])
    fake.mark()
    fake.push_update(tg.text_update(who, text))
    await fake.wait_for("sendMessage", to(chat), ok=True)
    fake.push_update(tg.callback_update(who, "a:coach"))
    await fake.wait_for("sendMessage", to(chat), ok=True, count=2)
    fake.push_update(tg.callback_update(who, "a:coach_yes"))
    await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == chat and "/cancel" in p["text"], ok=True)


async def newcomer_says(fake: FakeBotAPI, who: dict[str, Any], text: str) -> None:
    fake.push_update(tg.text_update(who, text))


async def case_of(services: Services, telegram_id: int) -> Case:
    async with services.sessions() as session:
        case = await session.scalar(
            select(Case)
            .join(User, User.id == Case.user_id)
            .where(User.telegram_id == telegram_id)
            .order_by(Case.id.desc())
        )
        assert case is not None
        return case


# sign-in ---------------------------------------------------------------------------------------------
async def test_sign_in_by_link_once_within_ten_minutes(fake: FakeBotAPI, site: Site) -> None:
    fake.mark()
    fake.push_update(tg.command_update(FATIMA, "console"))
    (sent,) = await fake.wait_for("sendMessage", to(501), ok=True)
    match = LINK.search(sent["text"])
    assert match is not None
    base = site.services.settings.console_base_url()  # http://WEB_HOST:WEB_PORT: port 0 in the tests
    assert match.group(0).startswith(f"{base}/console/login/")
    link = site.url + match.group(0).removeprefix(base)

    # Someone who is not a coach gets no link.
    fake.mark()
    fake.push_update(tg.command_update(SARA, "console"))
    answers = await fake.wait_for("sendMessage", to(3003), ok=True)
    assert not any(LINK.search(a["text"]) for a in answers)

    async with chromium() as browser:
        context = await new_context(browser)
        page = await sign_in(context, link)
        await expect(page.get_by_role("heading", name="Wachtrij")).to_be_visible()
        cookie = next(c for c in await context.cookies() if c["name"] == "console_session")
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Lax"
        assert not cookie["secure"]

        # The same link again, in another browser: refused.
        other = await new_context(browser)
        again = await other.new_page()
        await again.goto(link)
        response = await _press_sign_in(again)
        assert response == 401
        await expect(again.get_by_role("alert")).to_contain_text("al gebruikt")

        # An expired link and a made-up one: refused.
        for bad in (await site.link_for(501, minutes_ago=11), f"{site.url}/console/login/not-a-real-token"):
            await again.goto(bad)
            assert await _press_sign_in(again) == 401

        # Sign out ends the session: the old cookie opens nothing.
        await page.get_by_role("button", name="Uitloggen").click()
        await page.wait_for_url(re.compile(r"/console/login$"))
        await context.add_cookies([cookie])  # as if the browser had kept it
        response = await page.goto(f"{site.url}/console/")
        assert response is not None
        assert response.url.endswith("/console/login")


async def _press_claim(page: Page, case_id: int) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=f"Zaak #{case_id} oppakken").click()


async def _press_sign_in(page: Page) -> int:
    async with page.expect_response(lambda r: r.request.method == "POST") as info:
        await page.locator("form button[type=submit]").click()
    return (await info.value).status


async def test_signed_out_browsers_and_removed_coaches_get_nothing(site: Site, services: Services) -> None:
    await queue_case_directly(services)
    urls = [
        "/console/",
        "/console/canned",
        "/console/cases/1",
        "/console/cases/1/transcript",
        "/console/cases/1/canned?canned=1",
        "/console/cases/1/media/1",
    ]
    posts = [
        "/console/logout",
        "/console/canned",
        "/console/canned/1/delete",
        *(f"/console/cases/1/{a}" for a in ("claim", "reply", "release", "transfer", "close", "note")),
    ]
    async with chromium() as browser:
        context = await new_context(browser)
        page = await context.new_page()
        for url in urls:
            response = await page.request.get(site.url + url, max_redirects=0)
            assert response.status == 303, url
            assert response.headers["location"] == "/console/login", url
            htmx = await page.request.get(site.url + url, headers={"HX-Request": "true"})
            if url.endswith("/transcript"):  # an open page's poll: told so in the page, no data, no more polls
                assert htmx.status == 200
                assert "hx-trigger" not in await htmx.text()
                assert "Direct" not in await htmx.text()
            else:
                assert htmx.status == 401, url
        for url in posts:
            assert (await page.request.post(site.url + url, form={"text": "x"})).status == 401, url
        # A made-up session cookie is no better than none.
        await context.add_cookies([{"name": "console_session", "value": "forged", "url": site.url}])
        for url in urls:
            response = await page.request.get(site.url + url, max_redirects=0)
            assert response.status == 303, url
        await context.clear_cookies()

        # A coach removed with `werkhelpdesk coach remove` is signed out at once.
        page = await sign_in(context, await site.link_for(502))
        async with services.sessions() as session, session.begin():
            assert await remove_coach(session, 502)
        async with services.sessions() as session:
            assert list(await session.scalars(select(ConsoleSession))) == []
        response = await page.goto(f"{site.url}/console/cases/1")
        assert response is not None
        assert response.url.endswith("/console/login")


async def queue_case_directly(services: Services) -> None:
    from datetime import timedelta

    from bot.handoff import queue

    async with services.sessions() as session, session.begin():
        user = User(telegram_id=4004, first_name="Direct")
        session.add(user)
        await session.flush()
        await queue.create_case(
            session, user, language="nl", topic=None, reason="asked", reannounce_after=timedelta(hours=1)
        )


# working a case --------------------------------------------------------------------------------------
async def test_two_coaches_claim_reply_live_transfer_close(fake: FakeBotAPI, site: Site, services: Services) -> None:
    await queue_newcomer(fake, YONAS, "ዲፕሎማይ ከመይ ክፈልጦ")
    case = await case_of(services, 2002)
    async with chromium() as browser:
        fatima = await sign_in(await new_context(browser), await site.link_for(501))
        pieter = await sign_in(await new_context(browser), await site.link_for(502))
        for page in (fatima, pieter):
            await page.goto(f"{site.url}/console/")
            await expect(page.get_by_role("button", name=f"Zaak #{case.id} oppakken")).to_be_visible()

        # Both press Claim at the same moment: one gets the case, the other is told who has it.
        await asyncio.gather(*(_press_claim(p, case.id) for p in (fatima, pieter)))
        claimed = [p.url.endswith(f"/console/cases/{case.id}") for p in (fatima, pieter)]
        assert sorted(claimed) == [False, True]
        first, second = (fatima, pieter) if claimed[0] else (pieter, fatima)
        winner_name, second_name = ("Fatima", "Pieter") if claimed[0] else ("Pieter", "Fatima")
        second_id = 502 if claimed[0] else 501
        await expect(second.get_by_role("alert")).to_contain_text(f"al opgepakt door {winner_name}")

        # The transcript shows what the newcomer wrote, in Ethiopic.
        await expect(first.locator(".msg.newcomer", has_text="ዲፕሎማይ ከመይ ክፈልጦ")).to_be_visible()

        # A reply typed in the browser reaches the newcomer through the outbox.
        fake.mark()
        await first.get_by_label("Je antwoord aan de nieuwkomer").fill("ሰላም, ከመይ ክሕግዘካ?")
        await first.get_by_role("button", name="Versturen").click()
        (relayed,) = await fake.wait_for(
            "sendMessage", lambda p: int(p["chat_id"]) == 2002 and "ሰላም" in p["text"], ok=True
        )
        assert relayed["text"] == f"{winner_name}: ሰላም, ከመይ ክሕግዘካ?"
        await expect(first.locator(".msg.coach", has_text="ሰላም, ከመይ ክሕግዘካ?")).to_be_visible()

        # The newcomer answers while the page is open: it appears without a reload.
        await newcomer_says(fake, YONAS, "የቐንየለይ! ሰነዳተይ ኣለዉ")
        await expect(first.locator(".msg.newcomer", has_text="የቐንየለይ! ሰነዳተይ ኣለዉ")).to_be_visible(timeout=15_000)
        await shot(first, "case-tigrinya")

        # An internal note, then transfer to the other coach, who gets the case in Telegram too.
        await first.get_by_label("Nieuwe notitie (de nieuwkomer ziet die nooit)").fill("heeft diploma uit Eritrea")
        await first.get_by_role("button", name="Notitie toevoegen").click()
        await expect(first.locator(".notes")).to_contain_text("heeft diploma uit Eritrea")
        fake.mark()
        await first.get_by_label("Overdragen aan").select_option(label=second_name)
        await first.get_by_role("button", name="Overdragen", exact=True).click()
        await fake.wait_for(
            "sendMessage", lambda p: int(p["chat_id"]) == second_id and f"#{case.id}" in p["text"], ok=True
        )
        await expect(first.get_by_role("button", name="Versturen")).to_have_count(0)

        # The new coach closes it with an outcome; the newcomer gets the satisfaction question.
        await second.goto(f"{second.url.split('/console')[0]}/console/cases/{case.id}")
        fake.mark()
        close = second.get_by_role("button", name="Zaak sluiten", exact=True)
        await expect(close).to_be_hidden()  # two steps: a stray click closes nothing
        await second.get_by_text("Zaak sluiten…").click()
        await expect(second.locator(".close-case")).to_contain_text("bericht dat het gesprek met de coach is afgelopen")
        await second.get_by_label("Uitkomst").select_option("referred")
        await close.click()
        (closing,) = await fake.wait_for(
            "sendMessage", lambda p: int(p["chat_id"]) == 2002 and "reply_markup" in p, ok=True
        )
        assert [b["callback_data"] for b in closing["reply_markup"]["inline_keyboard"][0]] == [
            f"s:{case.id}:3",
            f"s:{case.id}:2",
            f"s:{case.id}:1",
        ]
        await expect(second.locator(".facts")).to_contain_text("gesloten")
        await expect(second.locator(".facts")).to_contain_text("doorverwezen")  # the outcome, not "referred"

    # Every view of the case page is in the newcomer's /mydata.
    async with services.sessions() as session:
        newcomer = await session.scalar(select(User).where(User.telegram_id == 2002))
        assert newcomer is not None
        document = await export(session, newcomer)
        viewers = {v["coach"] for v in document["case_views"]}
        assert viewers == {"Fatima", "Pieter"}
        assert len(list(await session.scalars(select(CaseView)))) >= 3


async def test_arabic_transcript_reads_right_to_left(fake: FakeBotAPI, site: Site, services: Services) -> None:
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    async with chromium() as browser:
        context = await new_context(browser, bypass_csp=True)
        page = await sign_in(context, await site.link_for(501))
        await shot(page, "queue")
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        await newcomer_says(fake, AMAL, "عندي شهادة بكالوريوس من سوريا")
        line = page.locator(".msg.newcomer p", has_text="عندي شهادة بكالوريوس من سوريا")
        await expect(line).to_be_visible(timeout=15_000)
        assert await line.evaluate("el => el.matches(':dir(rtl)')")
        dutch = page.get_by_role("heading", name="Gesprek")
        assert await dutch.evaluate("el => el.matches(':dir(ltr)')")
        await shot(page, "case-arabic")
        assert await axe_problems(page) == []
        await page.goto(f"{site.url}/console/")
        assert await axe_problems(page) == []


async def test_xss_is_shown_as_text_and_csrf_is_refused(fake: FakeBotAPI, site: Site, services: Services) -> None:
    await queue_newcomer(fake, SARA, XSS)
    case = await case_of(services, 3003)
    async with chromium() as browser:
        context = await new_context(browser)
        page = await sign_in(context, await site.link_for(501))
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await page.goto(f"{site.url}/console/cases/{case.id}")
        shown = page.locator(".msg.newcomer p", has_text="<script>")
        await expect(shown).to_have_text(XSS)
        assert await page.locator(".messages script, .messages img").count() == 0
        await page.wait_for_timeout(500)
        assert dialogs == []

        # State changes without the session's CSRF token are refused, with the cookie or not.
        await page.get_by_role("button", name="Oppakken").click()
        fake.mark()
        for form in ({"text": "hallo"}, {"text": "hallo", "csrf": "wrong"}):
            response = await page.request.post(f"{site.url}/console/cases/{case.id}/reply", form=form)
            assert response.status == 403
        token = await page.locator("input[name=csrf]").first.input_value()
        ok = await page.request.post(f"{site.url}/console/cases/{case.id}/reply", form={"text": "hallo", "csrf": token})
        assert ok.status == 200  # followed the redirect to the case page
        await fake.wait_for(
            "sendMessage", lambda p: int(p["chat_id"]) == 3003 and p["text"] == "Fatima: hallo", ok=True
        )
        assert not [c for c in fake.sent_since_mark() if c["text"] == "Fatima: hallo"][1:]

        # Security headers on the console's pages.
        response = await page.goto(f"{site.url}/console/cases/{case.id}")
        assert response is not None
        headers = response.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["server"] == "werkhelpdesk"


async def tab_to(page: Page, target: Locator) -> None:
    for _ in range(30):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail("cannot be reached with Tab")


async def test_keyboard_and_phone_width(fake: FakeBotAPI, site: Site, services: Services) -> None:
    await queue_newcomer(fake, YONAS, "ዲፕሎማይ ከመይ ክፈልጦ")
    case = await case_of(services, 2002)
    async with chromium() as browser:
        context = await new_context(browser, width=390, bypass_csp=True)
        page = await sign_in(context, await site.link_for(501))
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await shot(page, "queue-phone")
        # Keyboard only: tab to the claim button and press Enter.
        await tab_to(page, page.get_by_role("button", name=f"Zaak #{case.id} oppakken"))
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(rf"/console/cases/{case.id}$"))
        await page.get_by_label("Je antwoord aan de nieuwkomer").focus()
        await page.keyboard.type("ሰላም")
        fake.mark()
        send = page.get_by_role("button", name="Versturen")
        await tab_to(page, send)  # past the file field
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 2002 and p["text"] == "Fatima: ሰላም", ok=True)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert await axe_problems(page) == []
        await shot(page, "case-phone")


# canned replies and media ----------------------------------------------------------------------------
async def test_canned_replies_in_the_newcomers_language_and_media_downloads(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    photo = tg.media_update(AMAL, "photo")
    fake.mark()
    fake.push_update(photo)
    await fake.wait_for("sendMessage", to(2003), ok=True)  # "your message is saved"
    async with services.sessions() as session:  # the photo's file id is stored with the message
        assert await session.scalar(select(Message.file_id).where(Message.kind == "photo"))
    async with chromium() as browser:
        context = await new_context(browser, bypass_csp=True)
        page = await sign_in(context, await site.link_for(501))

        # Staff write a canned reply in Dutch and Arabic only; Tigrinya and English show as missing.
        await page.get_by_role("link", name="Standaardantwoorden").click()
        form = page.locator("form.canned-form")
        await form.get_by_label("Titel").fill("Diploma laten waarderen")
        await form.get_by_label("Nederlands").fill("Kijk op idw.nl voor diplomawaardering.")
        await form.get_by_label("العربية").fill("انظر idw.nl لتقييم الشهادة.")
        await form.get_by_role("button", name="Opslaan").click()
        reply = page.locator("article.canned-reply")
        await expect(reply).to_contain_text("انظر idw.nl لتقييم الشهادة.")
        await expect(reply.locator(".missing")).to_have_count(2)
        assert await axe_problems(page) == []

        # Only staff manage them: Pieter is a coach, not staff.
        pieter = await sign_in(await new_context(browser), await site.link_for(502))
        await pieter.goto(f"{site.url}/console/canned")
        await expect(pieter.get_by_role("button", name="Opslaan")).to_have_count(0)
        token = await pieter.locator("input[name=csrf]").first.input_value()
        refused = await pieter.request.post(f"{site.url}/console/canned", form={"title": "x", "csrf": token})
        assert refused.status == 403

        # The coach inserts it on an Arabic case: the Arabic text lands in the reply box.
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        await page.get_by_role("button", name="Invoegen").click()
        await expect(page.get_by_label("Je antwoord aan de nieuwkomer")).to_have_value("انظر idw.nl لتقييم الشهادة.")
        # What the coach typed before inserting stays, the canned text after it.
        await page.get_by_label("Je antwoord aan de nieuwkomer").fill("مرحبا أمل،")
        await page.get_by_role("button", name="Invoegen").click()
        await expect(page.get_by_label("Je antwoord aan de nieuwkomer")).to_have_value(
            "مرحبا أمل،\n\nانظر idw.nl لتقييم الشهادة."
        )

        # The photo is a download link served only to a signed-in coach; the view is logged.
        link = page.get_by_role("link", name="foto")
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        assert len(await asyncio.to_thread((await download.path()).read_bytes)) > 0
        # Not kept in the browser's cache (a coach may work on a shared computer).
        fetched = await page.request.get(site.url + (await link.get_attribute("href") or ""))
        assert fetched.headers["cache-control"] == "no-store"
        anonymous = await browser.new_context()
        response = await anonymous.request.get(site.url + (await link.get_attribute("href") or ""), max_redirects=0)
        assert response.status == 303

        # Deleting one takes two steps and says what it does.
        await page.goto(f"{site.url}/console/canned")
        delete = reply.get_by_role("button", name="Verwijderen", exact=True)
        await expect(delete).to_be_hidden()
        await reply.get_by_text("Verwijderen…").click()
        await expect(reply).to_contain_text("Dit kan niet ongedaan worden gemaakt.")
        await delete.click()
        await expect(page.locator("article.canned-reply")).to_have_count(0)
        assert await axe_problems(page) == []
    async with services.sessions() as session:
        whats = list(await session.scalars(select(CaseView.what).where(CaseView.case_id == case.id)))
        assert "media" in whats
        assert "case" in whats


async def test_a_file_attached_in_the_browser_reaches_the_newcomer(
    fake: FakeBotAPI, site: Site, services: Services, tmp_path: Path
) -> None:
    await queue_newcomer(fake, YONAS, "ዲፕሎማይ ከመይ ክፈልጦ")
    case = await case_of(services, 2002)
    letter = tmp_path / "brief-idw.pdf"
    await asyncio.to_thread(letter.write_bytes, b"%PDF-1.4 a letter for IDW")
    async with chromium() as browser:
        page = await sign_in(await new_context(browser), await site.link_for(501))
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        fake.mark()
        await page.get_by_label("Een bestand meesturen (hoogstens 1 MB)").set_input_files(str(letter))
        await page.get_by_role("button", name="Versturen").click()
        (staged,) = await fake.wait_for("sendDocument", to(501), ok=True)  # the coach's own chat holds it
        (copied,) = await fake.wait_for("copyMessage", to(2002), ok=True)
        assert int(copied["from_chat_id"]) == 501
        await expect(page.locator(".msg.coach")).to_contain_text("een bestand of foto van de coach")
        assert staged


# refusals and stale pages ----------------------------------------------------------------------------
async def test_stale_pages_keep_the_reply_and_say_what_happened(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    typed = "مرحبا أمل، أرسلي لي صورة الشهادة من فضلك"
    async with chromium() as browser:
        context = await new_context(browser)
        page = await sign_in(context, await site.link_for(502))
        other = await context.new_page()  # a second tab, as a coach keeps the queue open
        await other.goto(f"{site.url}/console/")

        # "Claim" pressed again on a page from before the claim: the case page, not "taken by Pieter".
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        await other.get_by_role("button", name=f"Zaak #{case.id} oppakken").click()
        await expect(other).to_have_url(f"{site.url}/console/cases/{case.id}")
        await expect(other.get_by_role("alert")).to_have_count(0)

        # The case is released in the other tab while a reply is typed: the text is still there to copy.
        await page.get_by_label("Je antwoord aan de nieuwkomer").fill(typed)
        await other.get_by_role("button", name="Teruggeven").click()
        fake.mark()
        await page.get_by_role("button", name="Versturen").click()
        await expect(page.get_by_role("alert")).to_contain_text("Pak de zaak eerst op")
        await expect(
            page.get_by_label("Wat je typte is niet verstuurd. Kopieer het voordat je verdergaat.")
        ).to_have_value(typed)
        assert not [c for c in fake.sent_since_mark() if typed in str(c.get("text", ""))]

        # A reply refused while the case is still theirs (Telegram refused its file) stays in the box.
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        await page.get_by_label("Je antwoord aan de nieuwkomer").fill(typed)
        letter = {"name": "diploma.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 too big"}
        await page.get_by_label("Een bestand meesturen (hoogstens 1 MB)").set_input_files(letter)  # type: ignore[arg-type]
        fake.fail_next("sendDocument", status=413, description="Request Entity Too Large")
        await page.get_by_role("button", name="Versturen").click()
        await expect(page.get_by_role("alert")).to_contain_text("Telegram nam het bestand niet aan")
        await expect(page.get_by_label("Je antwoord aan de nieuwkomer")).to_have_value(typed)

        # Closed in one tab, "Close" pressed again in the other: closed already, not "claim it first".
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await other.goto(f"{site.url}/console/cases/{case.id}")
        for tab in (page, other):
            await tab.get_by_text("Zaak sluiten…").click()
            await tab.get_by_role("button", name="Zaak sluiten", exact=True).click()
        await expect(other.get_by_role("alert")).to_have_text("Deze zaak is al gesloten.")


async def test_refusals_are_pages_in_the_coachs_language_that_keep_what_was_typed(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    await queue_newcomer(fake, YONAS, "ዲፕሎማይ ከመይ ክፈልጦ")
    case = await case_of(services, 2002)
    typed = "ሰላም ዮናስ፣ ዲፕሎማኻ ስደደለይ"
    kept = "Wat je typte is niet verstuurd. Kopieer het voordat je verdergaat."
    async with chromium() as browser:
        context = await new_context(browser, bypass_csp=True)  # only to inject axe-core
        page = await sign_in(context, await site.link_for(502))  # Pieter: not staff

        # Pages that are not his, or not there: a sentence in Dutch and the way back, not a bare English line.
        for path, status, sentence in (
            ("/console/reports", 403, "Je hebt geen toegang tot deze pagina."),
            ("/console/content/", 403, "Je hebt geen toegang tot deze pagina."),
            ("/console/cases/999", 404, "Deze pagina bestaat niet (meer)."),
            (f"/console/cases/{case.id}/media/1", 404, "Deze pagina bestaat niet (meer)."),
        ):
            response = await page.goto(site.url + path)
            assert response is not None
            assert response.status == status, path
            await expect(page.get_by_role("alert")).to_have_text(sentence)
            await expect(page.get_by_role("link", name="Terug naar de wachtrij")).to_be_visible()
        assert await axe_problems(page) == []
        await shot(page, "refusal-not-found")

        # A form from before signing in again (its CSRF token is the old session's): nothing is sent,
        # the reply is shown to copy.
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_role("button", name="Oppakken").click()
        await page.get_by_label("Je antwoord aan de nieuwkomer").fill(typed)
        again = await context.new_page()
        await again.goto(await site.link_for(502))
        await again.locator("form button[type=submit]").click()
        await again.wait_for_url(re.compile(r"/console/$"))
        fake.mark()
        await page.get_by_role("button", name="Versturen").click()
        await expect(page.get_by_role("alert")).to_contain_text("Dit formulier was verouderd")
        await expect(page.get_by_label(kept)).to_have_value(typed)
        assert await axe_problems(page) == []
        await shot(page, "refusal-form-expired")

        # Signed out in another window while typing: the sign-in page says so and shows the reply.
        await page.goto(f"{site.url}/console/cases/{case.id}")
        await page.get_by_label("Je antwoord aan de nieuwkomer").fill(typed)
        await again.get_by_role("button", name="Uitloggen").click()
        # The open page's live transcript says so at once, instead of silently no longer updating.
        await expect(page.locator("#transcript").get_by_role("alert")).to_contain_text(
            "Je bent uitgelogd", timeout=15_000
        )
        await expect(page.get_by_label("Je antwoord aan de nieuwkomer")).to_have_value(typed)
        await page.get_by_role("button", name="Versturen").click()
        await expect(page.get_by_role("alert")).to_have_text(
            "Je bent uitgelogd: je sessie is afgelopen, dus dit is niet gedaan."
        )
        await expect(page.get_by_label(kept)).to_have_value(typed)
        assert not [c for c in fake.sent_since_mark() if typed in str(c.get("text", ""))]


async def test_on_a_phone_each_figure_says_what_it_is(fake: FakeBotAPI, site: Site, services: Services) -> None:
    """The tables' header rows are hidden at phone width: without a label per cell, "0 0 0" or three
    "not reviewed" badges in a row do not say which column (which language) they belong to."""
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")

    async def labels(cells: Locator) -> list[str]:
        return list(await cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)"))

    async with chromium() as browser:
        page = await sign_in(await new_context(browser, width=390), await site.link_for(501))  # staff
        assert await labels(page.locator(".cases tbody tr:first-child td:nth-child(n+3):nth-child(-n+6)")) == [
            '"Taal: "',
            '"Onderwerp: "',
            '"Wachtend: "',
            '"Coach: "',
        ]
        await page.goto(f"{site.url}/console/content/")
        topic = await labels(page.locator(".cases tbody tr:first-child td:nth-child(n+2):nth-child(-n+5)"))
        assert topic == ['"Antwoorden: "', '"Engels (English): "', '"Arabisch (العربية): "', '"Tigrinya (ትግርኛ): "']
        # Isolated: else "العربية: <badge> 7" forms one right-to-left run and reads "7 <badge> :العربية".
        arabic = page.locator(".cases tbody tr:first-child td:nth-child(4)")
        assert await arabic.evaluate("td => getComputedStyle(td, '::before').unicodeBidi") == "isolate"
        await page.goto(f"{site.url}/console/reports")
        first_row = page.locator(".report-table").first.locator("tbody tr:first-child td")
        assert (await labels(first_row))[1:] == [
            '"Gesprekken: "',
            '"Berichten: "',
            '"Overdrachten aan een coach: "',
        ]
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390


async def test_the_intake_and_history_read_in_the_coachs_language(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    """Labels and chosen options in the console's language, as the Telegram card has them, not the
    stored keys and codes ("education_level", "bachelor") a volunteer cannot read; an urgent case
    marked so on its page."""
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    async with services.sessions() as session, session.begin():
        session.add(
            Intake(
                user_id=case.user_id,
                status="done",
                answers={"first_name": "أمل", "municipality": "Utrecht", "education_level": "bachelor"},
            )
        )
        # A safeguarding alarm and its dismissal are in the case's history, in words too.
        session.add_all([CaseEvent(case_id=case.id, action=a) for a in ("urgent", "alarm_dismissed")])
        urgent = await session.get(Case, case.id)
        assert urgent is not None
        urgent.priority, urgent.safeguarding = "urgent", "exploitation"
    async with chromium() as browser:
        page = await sign_in(await new_context(browser), await site.link_for(501))
        await page.goto(f"{site.url}/console/cases/{case.id}")
        # An urgent case says so on its own page, not only in the queue, with what kind of danger.
        await expect(page.get_by_role("heading", level=1)).to_contain_text("dringend")
        await expect(page.locator(".facts").first).to_contain_text("Uitbuiting")
        # The newcomer's language by a name a Dutch-only coach can read, and its own.
        await expect(page.locator(".facts").first).to_contain_text("Arabisch (العربية)")
        history = page.locator("ol.events")
        await expect(history).to_contain_text("dringend gemaakt (veiligheid)")
        await expect(history).to_contain_text("alarm ingetrokken door de nieuwkomer")
        await expect(history).not_to_contain_text("alarm_dismissed")
        intake = page.locator("section[aria-labelledby=intake-title] dl")
        await expect(intake.locator("dt").first).to_have_text("Voornaam")
        await expect(intake.locator("dd").first).to_have_text("أمل")
        await expect(intake).to_contain_text("Hoogste opleiding")
        await expect(intake).to_contain_text("Bachelor (hbo of uni)")
        await expect(intake).to_contain_text("(overgeslagen)")
        await expect(intake).not_to_contain_text("education_level")


async def test_a_transcript_read_without_its_page_is_in_the_access_log(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    """The live transcript's address gives the whole conversation (`after=0`): read that way, without
    the case page, it must still be in the log the newcomer sees in /mydata."""
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    async with chromium() as browser:
        page = await sign_in(await new_context(browser), await site.link_for(502))
        response = await page.request.get(
            f"{site.url}/console/cases/{case.id}/transcript?after=0", headers={"HX-Request": "true"}
        )
        assert response.status == 200
        assert "كيف أعادل شهادتي في هولندا؟" in await response.text()
    async with services.sessions() as session:
        viewers = list(await session.scalars(select(CaseView.coach_name).where(CaseView.case_id == case.id)))
    assert viewers == ["Pieter"]


async def test_numbers_beyond_any_id_are_not_found_not_server_errors(
    fake: FakeBotAPI, site: Site, services: Services
) -> None:
    await queue_newcomer(fake, AMAL, "كيف أعادل شهادتي في هولندا؟")
    case = await case_of(services, 2003)
    huge, endless = "9" * 20, "9" * 5000  # past the database's integers; past what int() reads
    async with chromium() as browser:
        page = await sign_in(await new_context(browser), await site.link_for(501))  # staff
        token = await page.locator("input[name=csrf]").first.input_value()
        for path, status in (
            (f"/console/?waited={huge}", 200),
            (f"/console/?waited={endless}", 200),
            (f"/console/cases/{huge}", 404),
            (f"/console/cases/{endless}", 404),
            (f"/console/cases/{case.id}/canned?canned={huge}", 200),
            (f"/console/content/history/{huge}", 404),
            (f"/console/content/history/1?against={huge}", 200),  # compared with nothing
            (f"/console/content/unanswered?days={endless}", 200),
        ):
            response = await page.request.get(site.url + path)
            assert response.status == status, path
        htmx = {"HX-Request": "true"}
        poll = await page.request.get(f"{site.url}/console/cases/{case.id}/transcript?after={endless}", headers=htmx)
        assert poll.status == 200
        for path, form in (
            (f"/console/canned/{huge}/delete", {}),
            ("/console/canned", {"id": huge, "title": "Welkom"}),
        ):
            response = await page.request.post(site.url + path, form={**form, "csrf": token}, max_redirects=0)
            assert response.status == 303, path

"""Staff change a topic's structure in a real browser (Playwright driving Debian's Chromium) against the
running bot and the fake Bot API: an answer and a button to it added and published (a newcomer presses
through to it), a button removed, a title and a source edited, a translator refused (403); and a new
topic from a group of unanswered questions, published, answers a newcomer's similar question."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from bot.db.models import UnansweredQuestion, User
from bot.handoff.coaches import add_coach
from bot.services import Services
from tests import fake_bot_api as tg
from tests.console_browser import (
    SHOTS,
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
from tests.telegram_harness import buttons

EVA, AMAL = 601, 602  # staff; translator for Arabic
PORTFOLIO_NL = "Een portfolio laat zien wat je kunt: foto's van je werk, getuigschriften en referenties."
# A group of unanswered questions (one group by similarity), and what staff add on the topic page.
GROUP = [
    "hoe vind ik kinderopvang als ik ga werken",
    "waar vind ik kinderopvang voor mijn kind",
    "kinderopvang zoeken als ik werk",
    "hoe regel ik kinderopvang voor mijn baby",
    "wat kost kinderopvang als ik werk",
    "kinderopvang en werken hoe doe ik dat",
    "ik zoek kinderopvang voor mijn zoon",
    "kinderopvang voor mijn dochter als ik werk",
]
ADDED = [
    "wie past op mijn kinderen als ik werk",
    "krijg ik toeslag voor de opvang",
    "is er een creche voor mijn baby als ik werk",
    "buitenschoolse opvang voor mijn zoon",
]
ASKED = "waar kan mijn kind naar de opvang als ik werk"  # none of the training questions
CHILDCARE_NL = "Vraag bij je gemeente naar kinderopvang. Met werk krijg je vaak kinderopvangtoeslag."


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"office_hours": "mon-sun 00:00-23:59"}


@pytest.fixture
async def site(services: Services) -> AsyncIterator[Site]:
    async with services.sessions() as session, session.begin():
        await add_coach(session, EVA, "Eva", "nl", staff=True)
        amal = await add_coach(session, AMAL, "Amal", "ar,nl", staff=False)
        amal.translator_languages = "ar"
    async with running_site(services) as running:
        yield running


async def ask(fake: FakeBotAPI, who: dict[str, Any], text: str | None = None, data: str = "") -> dict[str, Any]:
    """The newcomer writes (or presses a button); the bot's first answer."""
    chat = int(who["id"])
    fake.mark()
    fake.push_update(tg.text_update(who, text) if text is not None else tg.callback_update(who, data))
    (reply,) = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == chat, ok=True, timeout=30)
    return reply


async def save_in(page: Page, selector: str) -> None:
    await page.locator(selector).get_by_role("button", name="Concept opslaan").click()


async def top_shot(page: Page, name: str) -> None:
    """The top of a long page, as a coach first sees it (docs/console)."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def publish(page: Page, url: str, number: int) -> None:
    await page.goto(f"{url}/console/content/")
    await page.locator("#comment").fill("Structuur")
    await page.get_by_role("button", name="Controleren en publiceren").click()
    await expect(page.get_by_role("status").first).to_contain_text(f"Revisie {number} is gepubliceerd")


async def test_staff_add_remove_and_edit_structure(services: Services, fake: FakeBotAPI, site: Site) -> None:
    url = site.url
    async with chromium() as browser:
        eva = await sign_in(await new_context(browser), await site.link_for(EVA))
        await eva.goto(f"{url}/console/content/cv_help")
        # A new answer, and a button to it from the first answer, with its label in every language.
        await eva.locator("#nn-id").fill("portfolio")
        await eva.locator("#nn-text").fill(PORTFOLIO_NL)
        await eva.get_by_role("button", name="Antwoord toevoegen (concept)").click()
        portfolio = eva.locator("#n-portfolio")
        await expect(portfolio.locator(".state.draft").first).to_contain_text("nieuw antwoord")
        start = eva.locator("#n-start")
        await start.get_by_text("Een knop toevoegen").click()
        await start.get_by_label("Gaat naar").fill("portfolio")
        for lang, label in (("nl", "Portfolio"), ("en", "Portfolio"), ("ar", "ملف الأعمال"), ("ti", "ፖርትፎሊዮ")):
            await start.locator(f"#nb-start-{lang}").fill(label)
        await start.get_by_role("button", name="Knop toevoegen (concept)").click()
        await expect(start.locator("ol.buttons > li").last).to_contain_text("Portfolio")
        # Untranslated: the checker says so at the new answer's texts, in Dutch.
        await expect(portfolio.locator("form.lang-ar .problem")).to_contain_text("geen tekst in het Arabisch")
        for lang, text in (("en", "A portfolio shows what you can do."), ("ar", "ملف الأعمال يبين ما تستطيع."),
                           ("ti", "ፖርትፎሊዮ እንታይ ክትገብር ከም እትኽእል የርኢ።")):  # fmt: skip
            await portfolio.locator(f"#t-portfolio-{lang}").fill(text)
            await save_in(eva, f"#n-portfolio form.lang-{lang}")
        # The title and a source.
        await eva.locator("#title-nl").fill("Je cv maken")
        await save_in(eva, "#title form.lang-nl")
        await expect(eva.locator("#title form.lang-nl .state.draft")).to_be_visible()
        template = eva.locator("#n-template")
        await template.get_by_text("Wijzigen").first.click()
        await template.locator("#s-template-0-url").fill("https://www.werk.nl/werkzoekenden/solliciteren")
        await template.locator("#s-template-0-checked").fill("2026-12-01")
        await template.locator("details.edit-source").get_by_role("button", name="Concept opslaan").click()
        await expect(eva.locator("#n-template .sources")).to_contain_text("werkzoekenden/solliciteren")
        await eva.goto(f"{url}/console/content/cv_help")
        await eva.locator("#n-start").get_by_text("Een knop toevoegen").click()
        await eva.set_viewport_size({"width": 1280, "height": 1500})
        await top_shot(eva, "content-topic-structure")

        # The translator for Arabic sees no structural forms, and the server refuses them (403).
        amal = await sign_in(await new_context(browser, locale="ar"), await site.link_for(AMAL))
        await amal.goto(f"{url}/console/content/cv_help")
        await expect(amal.locator("#nn-id")).to_have_count(0)
        await expect(amal.get_by_role("button", name="Knop 1 verwijderen")).to_have_count(0)
        await expect(amal.locator("#title-ti")).to_have_attribute("readonly", "")
        csrf = await amal.locator("input[name=csrf]").first.input_value()
        for path, form in (
            ("/nodes", {"node": "x", "text": "x"}),
            ("/start/buttons/0/remove", {}),
            ("/start/buttons", {"goto": "gaps", "label_nl": "x"}),
            ("/template/sources/0", {"url": "https://example.org/x", "checked": "2026-12-01"}),
            ("/gaps/factual", {"factual": "1"}),
            ("/gaps/remove", {}),
        ):
            response = await amal.request.post(f"{url}/console/content/cv_help{path}", form={"csrf": csrf, **form})
            assert response.status == 403, path

        # Publish; a newcomer sees the new button and presses through to the new answer.
        await publish(eva, url, 2)
        newcomer = tg.user(7301, "Sami", language_code="nl")
        answer = await ask(fake, newcomer, "ik wil CV maken")
        pressed = dict(buttons(answer))
        assert "Portfolio" in pressed
        assert (await ask(fake, newcomer, data=pressed["Portfolio"]))["text"] == PORTFOLIO_NL

        # Remove the first button, publish: the newcomer no longer gets it.
        await eva.goto(f"{url}/console/content/cv_help")
        first = services.flows.flows["cv_help"].nodes["start"].buttons[0].label["nl"]
        await eva.locator("#n-start").get_by_role("button", name="Knop 1 verwijderen").click()
        await expect(eva.locator("#n-start ol.buttons > li").first).not_to_contain_text(first)
        await publish(eva, url, 3)
        answer = await ask(fake, tg.user(7302, "Lina", language_code="nl"), "ik wil CV maken")
        labels = [label for label, _ in buttons(answer)]
        assert first not in labels
        assert "Portfolio" in labels
        flow = services.flows.flows["cv_help"]
        assert flow.title["nl"] == "Je cv maken"
        assert flow.nodes["template"].sources[0].url == "https://www.werk.nl/werkzoekenden/solliciteren"

        checker = await sign_in(await new_context(browser, bypass_csp=True), await site.link_for(EVA))
        await checker.goto(f"{url}/console/content/cv_help")
        assert await axe_problems(checker) == []


@pytest.mark.small_nlu
async def test_a_new_topic_from_unanswered_questions_answers_a_similar_question(
    services: Services, fake: FakeBotAPI, site: Site
) -> None:
    async with services.sessions() as session, session.begin():
        for i, text in enumerate(GROUP):
            user = User(telegram_id=8600 + i)
            session.add(user)
            await session.flush()
            session.add(UnansweredQuestion(user_id=user.id, text=text, language="nl"))
    url = site.url
    newcomer = tg.user(7401, "Rahel", language_code="nl")
    async with chromium() as browser:
        eva = await sign_in(await new_context(browser), await site.link_for(EVA))
        # Grouping runs in a child process that imports scikit-learn: slow on a loaded machine.
        await eva.goto(f"{url}/console/content/unanswered", timeout=60_000)
        group = eva.locator("section.group").first
        await expect(group).to_contain_text("8 vragen")
        await group.get_by_text("Begin een nieuw onderwerp").click()
        await group.get_by_label("Naam (kleine letters, cijfers en _)").fill("childcare")
        titles = {"nl": "Kinderopvang", "en": "Childcare", "ar": "رعاية الأطفال", "ti": "ክንክን ቆልዑ"}
        for language, title in (("Nederlands", "nl"), ("Engels", "en"), ("Arabisch", "ar"), ("Tigrinya", "ti")):
            await group.get_by_label(f"Titel in het {language}").fill(titles[title])
        await group.get_by_label("Antwoord in het Nederlands").fill(CHILDCARE_NL)
        await group.get_by_role("button", name="Onderwerp als concept maken").click()
        await eva.wait_for_url(re.compile(r"/console/content/childcare$"))
        examples = eva.locator("#examples")
        await expect(examples).to_contain_text("Nu: 8 vragen.")
        for text in ADDED:  # staff add a few questions worded differently
            await examples.locator("#ex-text").fill(text)
            await examples.get_by_role("button", name="Toevoegen als trainingsvoorbeeld").click()
        await expect(eva.locator("#examples")).to_contain_text(f"Nu: {len(GROUP) + len(ADDED)} vragen.")
        for lang, text in (("en", "Ask your municipality about childcare."), ("ar", "اسأل البلدية عن رعاية الأطفال."),
                           ("ti", "ብዛዕባ ክንክን ቆልዑ ንምምሕዳርካ ሕተት።")):  # fmt: skip
            await eva.locator(f"#t-start-{lang}").fill(text)
            await save_in(eva, f"#n-start form.lang-{lang}")
        await shot(eva, "content-new-topic-examples")
        # Before publishing, the bot does not know the topic.
        before = await ask(fake, newcomer, ASKED)
        assert before["text"] != CHILDCARE_NL
        await publish(eva, url, 2)
    for _ in range(1200):  # the replica trains again in a child process after serving revision 2
        if "childcare" in services.embedded.intents:
            break
        await asyncio.sleep(0.1)
    assert "childcare" in services.embedded.intents
    assert ASKED not in GROUP + ADDED
    answer = await ask(fake, tg.user(7402, "Yonas", language_code="nl"), ASKED)
    assert answer["text"] == CHILDCARE_NL


async def test_a_refused_new_topic_keeps_everything_typed(services: Services, site: Site) -> None:
    async with services.sessions() as session, session.begin():
        for i, text in enumerate(GROUP[:3]):
            user = User(telegram_id=8700 + i)
            session.add(user)
            await session.flush()
            session.add(UnansweredQuestion(user_id=user.id, text=text, language="nl"))
    titles = {"Nederlands": "Kinderopvang", "Engels": "Childcare", "Arabisch": "رعاية الأطفال", "Tigrinya": "ክንክን ቆልዑ"}
    answer = "Kijk op https://www.kinderopvangtoeslag.nl hoeveel toeslag je krijgt."
    async with chromium() as browser:
        eva = await sign_in(await new_context(browser, bypass_csp=True), await site.link_for(EVA))
        await eva.goto(f"{site.url}/console/content/unanswered?days=60", timeout=60_000)
        group = eva.locator("section.group").first
        await group.get_by_text("Begin een nieuw onderwerp").click()
        await group.get_by_label("Naam (kleine letters, cijfers en _)").fill("cv_help")  # taken
        for language, title in titles.items():
            await group.get_by_label(f"Titel in het {language}").fill(title)
        await group.get_by_label("Antwoord in het Nederlands").fill(answer)
        await group.get_by_role("button", name="Onderwerp als concept maken").click()

        # Refused in Dutch at the form, with everything typed still in it.
        group = eva.locator("section.group", has_text=GROUP[0])
        await expect(group.get_by_role("alert")).to_have_text(
            "Er is al een onderwerp met deze naam: kies een andere naam."
        )
        await expect(group.get_by_label("Naam (kleine letters, cijfers en _)")).to_have_value("cv_help")
        for language, title in titles.items():
            await expect(group.get_by_label(f"Titel in het {language}")).to_have_value(title)
        await expect(group.get_by_label("Antwoord in het Nederlands")).to_have_value(answer)
        assert await axe_problems(eva) == []

        # Another name, but the link's source is missing: refused again, then made once it is there.
        await group.get_by_label("Naam (kleine letters, cijfers en _)").fill("childcare")
        await group.get_by_role("button", name="Onderwerp als concept maken").click()
        group = eva.locator("section.group", has_text=GROUP[0])
        await expect(group.get_by_role("alert")).to_contain_text("de datum waarop je die controleerde")
        await group.get_by_label("Bron (webadres), als het antwoord feiten noemt of een link heeft").fill(
            "https://www.kinderopvangtoeslag.nl"
        )
        await group.get_by_label("Gecontroleerd op").fill("2026-12-01")
        await group.get_by_role("button", name="Onderwerp als concept maken").click()
        await eva.wait_for_url(re.compile(r"/console/content/childcare$"))


async def test_a_translation_saved_from_a_page_older_than_the_dutch_stays_stale(site: Site) -> None:
    """The translator opened the topic; staff then changed the Dutch. The translation the translator
    saves was made from the old Dutch: it must show as stale, not as a fresh translation of the new."""
    async with chromium() as browser:
        amal = await sign_in(await new_context(browser), await site.link_for(AMAL))
        await amal.goto(f"{site.url}/console/content/cv_help#n-start")
        eva = await sign_in(await new_context(browser), await site.link_for(EVA))
        await eva.goto(f"{site.url}/console/content/cv_help#n-start")
        await eva.locator("#t-start-nl").fill(PORTFOLIO_NL)
        await save_in(eva, "#n-start form.lang-card.lang-nl")
        await expect(eva.locator("#n-start form.lang-card.lang-ar")).to_contain_text(
            "verouderd: het Nederlands is gewijzigd"
        )

        await amal.locator("#t-start-ar").fill("السيرة الذاتية الجيدة صفحة واحدة.")
        await save_in(amal, "#n-start form.lang-card.lang-ar")
        card = amal.locator("#n-start form.lang-card.lang-ar")
        await expect(card.locator("#t-start-ar")).to_have_value("السيرة الذاتية الجيدة صفحة واحدة.")
        await expect(card).to_contain_text("verouderd: het Nederlands is gewijzigd")

        # Saved again from the page that shows the new Dutch: a translation of it, waiting for review.
        await save_in(amal, "#n-start form.lang-card.lang-ar")
        await expect(amal.locator("#n-start form.lang-card.lang-ar")).to_contain_text("niet nagekeken")
        await expect(amal.locator("#n-start form.lang-card.lang-ar")).not_to_contain_text("verouderd")

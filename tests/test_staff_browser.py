"""The FAQ editing pages in a real browser (Playwright driving Debian's Chromium), with two bot replicas
(`werkhelpdesk run`, webhook mode) on one PostgreSQL database: staff change the Dutch text, the Arabic
and Tigrinya translations turn stale, a translator for Arabic updates and reviews the Arabic one and
cannot touch the Tigrinya, a broken button refuses publishing and shows where, publishing reaches both
replicas within seconds, an older revision is restored, and export -> import gives identical YAML."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect

from bot.console import auth
from bot.content import store
from bot.content.cli import flows_db
from bot.db.models import utcnow
from bot.flows.loader import read_texts
from bot.handoff.coaches import add_coach
from bot.services import Services
from bot.web import create_web_app
from tests import fake_bot_api as tg
from tests.conftest import ROOT
from tests.console_browser import axe_problems, chromium, new_context, shot
from tests.fake_bot_api import FakeBotAPI
from tests.netutil import free_port, serving, start_werkhelpdesk, wait_until_ok

SECRET = "content-test-secret-0123"
EVA, AMAL, PIETER = 601, 602, 603  # staff; translator for Arabic; a coach without either role
NEW_NL = "Een goed cv past op 1 pagina. Begin met je werkervaring, de nieuwste eerst."
NEW_AR = "السيرة الذاتية الجيدة صفحة واحدة. ابدأ بخبرتك في العمل، الأحدث أولاً."
# Only a bound for a stuck test; the time it takes is a figure (printed here, bench/content_publish.py).
GIVE_UP_AFTER = 60.0


@pytest.fixture
async def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        if os.environ.get("TEST_REQUIRE_POSTGRES"):
            pytest.fail("TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not a PostgreSQL URL")
        pytest.skip("two replicas share a PostgreSQL database: set TEST_DATABASE_URL=postgresql+asyncpg://...")
    return url  # emptied or migrated by conftest's migrate_or_copy (the settings fixture)


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    return {
        "flows_dir": flows_dir,
        "webhook_url": "https://werkhelpdesk.example/webhook",
        "webhook_secret": SECRET,
        "office_hours": "mon-sun 00:00-23:59",
    }


@pytest.fixture
async def console_url(services: Services) -> AsyncIterator[str]:
    async with services.sessions() as session, session.begin():
        await add_coach(session, EVA, "Eva", "nl", staff=True)
        amal = await add_coach(session, AMAL, "Amal", "ar,nl", staff=False)
        amal.translator_languages = "ar"
        await add_coach(session, PIETER, "Pieter", "nl", staff=False)
    async with serving(create_web_app(services)) as url:
        yield url


@pytest.fixture
async def replicas(services: Services, fake: FakeBotAPI) -> AsyncIterator[list[str]]:
    """Two `werkhelpdesk run` processes on the same database, each with its own content watcher."""
    settings = services.settings
    processes: list[asyncio.subprocess.Process] = []
    urls: list[str] = []
    for _ in range(2):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "LOCALES_DIR": str(settings.locales_dir),
            "FLOWS_DIR": str(settings.flows_dir),
            "TELEGRAM_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "WEBHOOK_URL": settings.webhook_url,
            "WEBHOOK_SECRET": SECRET,
            "WEB_PORT": str(port),
            "RASA_URL": "",
        }
        processes.append(await start_werkhelpdesk(env, "run"))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            await wait_until_ok(f"{url}/readyz", seconds=120)
        yield [f"{url}/webhook" for url in urls]
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0, stderr.decode()[-2000:]


async def signed_in(services: Services, context: BrowserContext, url: str, telegram_id: int) -> Page:
    from sqlalchemy import select

    from bot.db.models import Coach

    async with services.sessions() as session, session.begin():
        coach = await session.scalar(select(Coach).where(Coach.telegram_id == telegram_id))
        assert coach is not None
        link = await auth.issue_link(session, coach, url, utcnow())
    page = await context.new_page()
    await page.goto(link)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(re.compile(r"/console/$"))
    return page


async def ask_cv(fake: FakeBotAPI, replica: str, telegram_id: int) -> str:
    """A newcomer asks about a CV on this replica; the bot's answer."""
    user = tg.user(telegram_id, f"Nieuw{telegram_id}", language_code="nl")
    fake.mark()
    assert await fake.deliver_webhook_update(tg.text_update(user, "ik wil CV maken"), url=replica) == 200
    (reply,) = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == telegram_id, ok=True, timeout=30)
    return str(reply["text"])


async def until_served(fake: FakeBotAPI, replica: str, start_id: int, wanted: str) -> float:
    """Ask again (a new newcomer each time) until this replica answers `wanted`; the seconds it took."""
    began = time.monotonic()
    asker = start_id
    while True:
        if (await ask_cv(fake, replica, asker)).startswith(wanted):
            return time.monotonic() - began
        assert time.monotonic() - began < GIVE_UP_AFTER, f"{replica} still serves the old text"
        asker += 1
        await asyncio.sleep(0.3)


async def test_edit_translate_review_publish_restore(
    services: Services, fake: FakeBotAPI, console_url: str, replicas: list[str], tmp_path: Path
) -> None:
    old_nl = services.flows.text("cv_help", "start", "nl")
    for i, replica in enumerate(replicas):
        assert await ask_cv(fake, replica, 9000 + i) == old_nl

    async with chromium() as browser:
        # A coach who is neither staff nor translator: 403, and no menu entry.
        pieter = await signed_in(services, await new_context(browser), console_url, PIETER)
        await expect(pieter.get_by_role("link", name="FAQ-inhoud")).to_have_count(0)
        response = await pieter.goto(f"{console_url}/console/content/")
        assert response is not None
        assert response.status == 403

        # Staff change the Dutch text: Arabic and Tigrinya show as stale.
        eva = await signed_in(services, await new_context(browser), console_url, EVA)
        await eva.get_by_role("link", name="FAQ-inhoud").click()
        await eva.get_by_role("link", name="Een cv maken").click()
        start = eva.locator("#n-start")
        await start.locator("#t-start-nl").fill(NEW_NL)
        await start.locator("form.lang-nl").get_by_role("button", name="Concept opslaan").click()
        await expect(start.locator("form.lang-nl .state.draft")).to_be_visible()
        for lang in ("ar", "ti"):
            await expect(start.locator(f"form.lang-{lang} .state.stale")).to_be_visible()
        await shot(eva, "content-topic-stale")

        # The translator for Arabic: the Tigrinya is read-only, the Arabic is updated and reviewed.
        amal = await signed_in(services, await new_context(browser, locale="ar"), console_url, AMAL)
        await amal.goto(f"{console_url}/console/content/worklist")
        await expect(amal.locator("tbody tr").first).to_contain_text("cv_help")
        await amal.goto(f"{console_url}/console/content/cv_help#n-start")
        node = amal.locator("#n-start")
        await expect(node.locator("#t-start-ti")).to_have_attribute("readonly", "")
        await expect(node.locator("form.lang-ti").get_by_role("button")).to_have_count(0)
        await expect(node.locator("#t-start-nl")).to_have_attribute("readonly", "")
        await node.locator("#t-start-ar").fill(NEW_AR)
        await node.locator("form.lang-ar").get_by_role("button", name="Concept opslaan").click()
        await expect(node.locator("form.lang-ar .state.unreviewed")).to_be_visible()
        await node.locator("form.lang-ar").get_by_role("button", name="Markeren als nagekeken").click()
        await expect(node.locator("form.lang-ar .state.reviewed")).to_be_visible()
        await expect(node.locator("form.lang-ti .state.stale")).to_be_visible()
        await expect(amal.get_by_role("button", name="Controleren en publiceren")).to_have_count(0)
        await shot(amal, "content-translator")
        phone = await signed_in(services, await new_context(browser, width=390), console_url, AMAL)
        await phone.goto(f"{console_url}/console/content/worklist")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing wider than a phone screen (tables scroll inside their box)

        # A button to a node that does not exist: publishing is refused and says where.
        await eva.goto(f"{console_url}/console/content/cv_help#n-start")
        target = eva.locator("#g-start-0")
        original = await target.input_value()
        await target.fill("no_such_node")
        await eva.locator("#n-start li").first.get_by_role("button", name="Concept opslaan").click()
        await expect(eva.locator("#n-start li").first.locator(".problem")).to_contain_text("no_such_node")
        await eva.goto(f"{console_url}/console/content/")
        await eva.locator("#comment").fill("Kortere cv-tekst")
        await eva.get_by_role("button", name="Controleren en publiceren").click()
        alert = eva.locator("#publish-problems")
        await expect(alert).to_contain_text("no_such_node")
        await shot(eva, "content-publish-refused")
        async with services.sessions() as session:
            assert await store.head_number(session) == 1
        await alert.get_by_role("link", name="cv_help · start").click()
        await eva.locator("#g-start-0").fill(original)
        await eva.locator("#n-start li").first.get_by_role("button", name="Concept opslaan").click()
        await expect(eva.locator("#n-start li").first.locator(".problem")).to_have_count(0)

        # Publish: both replicas serve the new text within seconds, without a restart.
        await eva.goto(f"{console_url}/console/content/")
        await eva.locator("#comment").fill("Kortere cv-tekst")
        await eva.get_by_role("button", name="Controleren en publiceren").click()
        await expect(eva.get_by_role("status").first).to_contain_text("Revisie 2 is gepubliceerd")
        await shot(eva, "content-topics")
        took = [await until_served(fake, replica, 9100 + 50 * i, NEW_NL) for i, replica in enumerate(replicas)]
        print(f"published revision served by the replicas after {', '.join(f'{t:.1f} s' for t in took)}")
        await services.content.refresh()
        published = services.flows.node("cv_help", "start")
        assert published is not None
        assert published.text["ar"] == NEW_AR
        assert not published.is_stale("ar")
        assert published.review["ar"].reviewed
        assert published.is_stale("ti")

        # The history: a side-by-side diff, then restore revision 1.
        await eva.goto(f"{console_url}/console/content/history")
        await eva.get_by_role("link", name="2", exact=True).click()
        await expect(eva.locator(".diff-old").first).to_contain_text(old_nl[:30])
        await expect(eva.locator(".diff-new").first).to_contain_text(NEW_NL[:30])
        await shot(eva, "content-history-diff")
        await eva.goto(f"{console_url}/console/content/history/1")
        await eva.get_by_role("button", name=re.compile("Deze revisie terugzetten")).click()
        await expect(eva.get_by_role("status").first).to_contain_text("Revisie 3 is gepubliceerd")
        for i, replica in enumerate(replicas):
            await until_served(fake, replica, 9300 + 50 * i, old_nl[:40])

        # No serious or critical accessibility problems on the editing pages.
        checker = await signed_in(services, await new_context(browser, bypass_csp=True), console_url, EVA)
        for path in ("/console/content/", "/console/content/cv_help", "/console/content/worklist"):
            await checker.goto(console_url + path)
            assert await axe_problems(checker) == [], path

        # The preview in Arabic: the text and buttons as the bot sends them.
        await eva.goto(f"{console_url}/console/content/cv_help/start/preview?lang=ar")
        await expect(eva.locator(".bubble")).to_contain_text(services.flows.text("cv_help", "start", "ar")[:20])
        await shot(eva, "content-preview-ar")

    # Export -> import -> export gives identical YAML (and the import publishes nothing new).
    first, second = tmp_path / "export1", tmp_path / "export2"
    for command, directory in (("export", first), ("import", first), ("export", second)):
        args = argparse.Namespace(flows_command=command, dir=str(directory), revision=None, comment="", db=True)
        assert await flows_db(services.settings, args) == 0
    assert read_texts(first) == read_texts(second)
    async with services.sessions() as session:
        assert await store.head_number(session) == 3


async def test_staff_start_a_new_topic_from_an_unanswered_question(services: Services, console_url: str) -> None:
    """From a group of unanswered questions staff create a new topic: a draft whose translations are
    missing, with the checker's problems in Dutch at the fields."""
    from bot.db.models import UnansweredQuestion, User

    async with services.sessions() as session, session.begin():
        user = User(telegram_id=8700)
        session.add(user)
        await session.flush()
        session.add(UnansweredQuestion(user_id=user.id, text="waar vind ik een huis", language="nl"))
    async with chromium() as browser:
        eva = await signed_in(services, await new_context(browser), console_url, EVA)
        # Grouping runs in a child process that imports scikit-learn: slow on a loaded machine.
        await eva.goto(f"{console_url}/console/content/unanswered", timeout=60_000)
        group = eva.locator("section.group").first
        await expect(group).to_contain_text("waar vind ik een huis")
        await group.get_by_text("Begin een nieuw onderwerp").click()
        await group.get_by_label("Naam (kleine letters, cijfers en _)").fill("housing")
        await group.get_by_label("Titel in het Nederlands").fill("Een huis vinden")
        await group.get_by_label("Antwoord in het Nederlands").fill("Vraag bij de gemeente naar een huurhuis.")
        await shot(eva, "content-new-topic")
        await group.get_by_role("button", name="Onderwerp als concept maken").click()
        await eva.wait_for_url(re.compile(r"/console/content/housing$"))
        start = eva.locator("#n-start")
        await expect(start.locator("#t-start-nl")).to_have_value("Vraag bij de gemeente naar een huurhuis.")
        await expect(start.locator("form.lang-ar .problem")).to_contain_text("geen tekst in het Arabisch")
        await eva.goto(f"{console_url}/console/content/worklist?lang=ti")
        await expect(eva.locator("tbody")).to_contain_text("housing")


async def test_staff_see_the_topic_an_unanswered_follow_up_came_after(services: Services, console_url: str) -> None:
    """ "en hoe lang duurt dat" is only a question about something: the page names the topic answered before."""
    from datetime import timedelta

    from bot.db.models import Message, UnansweredQuestion, User, utcnow

    earlier = utcnow() - timedelta(minutes=2)
    # (Telegram id, language, what came before and its topic, the follow-up) - also right to left and in Ge'ez.
    talks = [
        (8702, "nl", "mag ik hier leraar worden", "profession_accreditation", "en hoe lang duurt dat dan"),
        (8703, "ar", "كيف اعادل شهادتي", "diploma_recognition", "وبعدين شو بصير بالنتيجة بالضبط"),
        (8704, "ti", "ሲቪ ብኸመይ ይጽሓፍ", "cv_help", "ኣብ ሆላንድ ሰብ ዝሕግዝ ኣሎ ዶ"),
    ]
    async with services.sessions() as session, session.begin():
        for telegram_id, language, before, topic, followup in talks:
            user = User(telegram_id=telegram_id)
            session.add(user)
            await session.flush()
            said = {"user_id": user.id, "chat_id": telegram_id, "direction": "in", "language": language}
            session.add(Message(**said, kind="text", text=before, intent=topic, created_at=earlier))
            session.add(Message(**said, kind="text", text=followup, intent="out_of_scope"))
            session.add(UnansweredQuestion(user_id=user.id, text=followup, language=language, intent="out_of_scope"))
    async with chromium() as browser:
        eva = await signed_in(services, await new_context(browser), console_url, EVA)
        await eva.goto(f"{console_url}/console/content/unanswered", timeout=60_000)
        for _, _, _, topic, followup in talks:
            item = eva.locator("ul.questions li").filter(has_text=followup)
            await expect(item).to_contain_text(f"na een antwoord over {topic}")
            await expect(item.locator("span[dir=auto]", has_text=followup)).to_be_visible()
        await shot(eva, "content-unanswered-after")


async def test_staff_see_answers_newcomers_corrected_and_add_them_as_examples(
    services: Services, console_url: str
) -> None:
    """A newcomer tapped the other topic offered below an answer: staff see the question with that topic
    chosen, and add it as a training example in one click."""
    from sqlalchemy import select

    from bot.db.models import Message, NluExample, User

    question = "ارسلت السيرة الذاتية للشركة وما ردوا علي شو اعمل"
    async with services.sessions() as session, session.begin():
        user = User(telegram_id=8701)
        session.add(user)
        await session.flush()
        said = {"user_id": user.id, "chat_id": 8701, "direction": "in"}
        session.add(Message(**said, kind="text", text=question, language="ar", intent="job_application"))
        await session.flush()
        session.add(Message(**said, kind="button", text="o:cv_help"))
    async with chromium() as browser:
        eva = await signed_in(services, await new_context(browser), console_url, EVA)
        await eva.goto(f"{console_url}/console/content/unanswered", timeout=60_000)
        section = eva.locator("section.group").filter(has_text="Beantwoord, daarna een ander onderwerp gekozen")
        await expect(section).to_contain_text(question)
        await expect(section).to_contain_text("beantwoord als job_application")
        await expect(section.locator("span[dir=auto]", has_text=question)).to_be_visible()
        await expect(section.get_by_label("Onderwerp")).to_have_value("cv_help")
        await shot(eva, "content-corrected")
        await section.get_by_role("button", name="Toevoegen als trainingsvoorbeeld").click()
        await eva.wait_for_url(re.compile(r"added=1"))
    async with services.sessions() as session:
        (example,) = list(await session.scalars(select(NluExample)))
    assert (example.text, example.language, example.intent) == (question, "ar", "cv_help")

"""FAQ content in the database: seeding, export/import, drafts and publishing, every replica serving
the new revision, and the staff pages without a browser (roles, CSRF, escaping, validation)."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.console import auth
from bot.content import store, sync
from bot.content.cli import flows_db
from bot.content.live import open_content
from bot.db.models import ContentRevision, utcnow
from bot.flows.loader import check_texts, read_texts
from bot.handoff.coaches import add_coach
from bot.services import Services
from bot.settings import Settings
from tests.conftest import ROOT

STAFF, TRANSLATOR, COACH = 701, 702, 703
OLD_NL = "Een Nederlands cv is kort"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    return {"flows_dir": flows_dir, "content_poll_seconds": 0.2, "content_stale_fallback": "ti=en"}


async def _cli(settings: Settings, *argv: str) -> int:
    command, *rest = argv
    args = argparse.Namespace(flows_command=command, by_flow=False, db=True, revision=None, comment="", dir=None)
    if rest:
        args.dir = rest[0]
    return await flows_db(settings, args)


async def test_seeded_from_flows_and_export_gives_the_same_files(services: Services, tmp_path: Path) -> None:
    async with services.sessions() as session:
        first = await store.head(session)
    assert first is not None
    assert (first.number, first.source) == (1, store.SEED)
    assert services.content.number == 1
    out = tmp_path / "export"
    assert await _cli(services.settings, "export", str(out)) == 0
    originals = read_texts(services.settings.flows_dir)
    assert read_texts(out) == originals  # byte for byte, comments included
    # Importing what was exported publishes nothing new.
    assert await _cli(services.settings, "import", str(out)) == 0
    async with services.sessions() as session:
        assert await store.head_number(session) == 1


async def test_drafts_publish_export_import_round_trip(services: Services, tmp_path: Path) -> None:
    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, STAFF, "Eva", "nl", staff=True)
        await store.save_draft(session, coach, "cv_help", "start", "text", "nl", "Een cv is kort: 1 pagina.")
    async with services.sessions() as session, session.begin():
        work = await store.working(session)
        assert work is not None
        await store.publish(session, work.files, parent=1, source=store.CONSOLE, author="Eva")
        await store.clear_drafts(session, work.draft_ids)
    await services.content.refresh()  # (or the watcher did already)
    assert services.content.number == 2
    assert services.flows.text("cv_help", "start", "nl") == "Een cv is kort: 1 pagina."
    node = services.flows.node("cv_help", "start")
    assert node is not None
    assert node.is_stale("ar")
    assert node.is_stale("ti")
    first, second = tmp_path / "one", tmp_path / "two"
    assert await _cli(services.settings, "export", str(first)) == 0
    (first / "cv_help.yml").write_text(
        (first / "cv_help.yml").read_text(encoding="utf-8").replace("1 pagina", "2 paginas"), encoding="utf-8"
    )
    assert await _cli(services.settings, "import", str(first)) == 0
    assert await _cli(services.settings, "export", str(second)) == 0
    assert read_texts(first) == read_texts(second)  # export -> import -> export: identical YAML
    await services.content.refresh()
    assert services.content.number == 3
    assert services.flows.text("cv_help", "start", "nl") == "Een cv is kort: 2 paginas."


async def test_import_refuses_invalid_files(services: Services, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(services.settings.flows_dir, bad)
    path = bad / "cv_help.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("goto: ", "goto: nowhere_", 1), encoding="utf-8")
    assert await _cli(services.settings, "import", str(bad)) == 1
    async with services.sessions() as session:
        assert await store.head_number(session) == 1


async def test_changed_files_are_imported_at_start_but_never_over_console_edits(services: Services) -> None:
    flows_dir = services.settings.flows_dir
    path = flows_dir / "cv_help.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(OLD_NL, "Een cv is heel kort", 1), encoding="utf-8")
    # Nobody edited in the console since the seed: the next start imports the changed files.
    content = await open_content(services.sessions, flows_dir, 0)
    assert content.number == 2
    assert content.current.text("cv_help", "start", "nl").startswith("Een cv is heel kort")
    # A console edit, then the files change again: nothing is overwritten, and the difference is told.
    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, STAFF, "Eva", "nl", staff=True)
        await store.save_draft(session, coach, "greet", "start", "text", "en", "Hello there!")
        work = await store.working(session)
        assert work is not None
        await store.publish(session, work.files, parent=2, source=store.CONSOLE, author="Eva", coach=coach)
    path.write_text(path.read_text(encoding="utf-8").replace("heel kort", "erg kort", 1), encoding="utf-8")
    content = await open_content(services.sessions, flows_dir, 0)
    assert content.number == 3
    assert content.current.text("cv_help", "start", "nl").startswith("Een cv is heel kort")
    async with services.sessions() as session:
        newest = await store.head(session)
    assert newest is not None
    comparison = sync.compare_with(read_texts(flows_dir), newest)
    assert comparison.state == sync.DIFFERENT
    assert comparison.flows == ["cv_help", "greet"]
    assert "Nothing was overwritten" in comparison.describe()


async def test_the_watcher_serves_a_new_revision_within_seconds(services: Services) -> None:
    """Another replica published: this one notices by itself (poll every 0.2 s here)."""

    async with services.sessions() as session, session.begin():
        work = await store.working(session)
        assert work is not None
        files = dict(work.files)
        files["greet"] = files["greet"].replace("nodes:", "nodes:", 1)
        text = files["cv_help"].replace(OLD_NL, "Een cv past op 1 pagina", 1)
        await store.publish(session, {**files, "cv_help": text}, parent=1, source=store.CONSOLE, author="x")
    for _ in range(50):
        if services.content.number == 2:
            break
        await asyncio.sleep(0.1)
    assert services.flows.text("cv_help", "start", "nl").startswith("Een cv past op 1 pagina")


async def test_two_publishers_on_the_same_revision_one_is_refused(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        work = await store.working(session)
        assert work is not None
        await store.publish(session, work.files, parent=1, source=store.CONSOLE, author="a")
    with pytest.raises(store.PublishConflictError):
        async with services.sessions() as session, session.begin():
            await store.publish(session, work.files, parent=1, source=store.CONSOLE, author="b")


# the pages -------------------------------------------------------------------------------------------
async def _signed_in(
    services: Services, url: str, telegram_id: int, *, staff: bool = False, translates: str = ""
) -> tuple[aiohttp.ClientSession, str]:
    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, telegram_id, f"Coach{telegram_id}", "nl", staff=staff)
        coach.translator_languages = translates
        await session.flush()
        token, who = await auth.open_session(session, coach, utcnow())
    http = aiohttp.ClientSession(cookies={"console_session": token})
    return http, who.csrf_token


async def test_roles_non_staff_403_translator_only_own_languages(services: Services, web_url: str) -> None:
    coach, _ = await _signed_in(services, web_url, COACH)
    translator, csrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    async with coach, translator:
        for path in ("/console/content/", "/console/content/cv_help", "/console/content/history"):
            async with coach.get(web_url + path) as r:
                assert r.status == 403, path
        async with coach.post(web_url + "/console/content/cv_help/start/text/nl", data={"csrf": "x", "text": "y"}) as r:
            assert r.status == 403
        async with translator.get(web_url + "/console/content/cv_help") as r:
            page = await r.text()
            assert r.status == 200
        ar = re.search(r'<textarea id="t-start-ar"[^>]*>', page)
        ti = re.search(r'<textarea id="t-start-ti"[^>]*>', page)
        assert ar is not None
        assert "readonly" not in ar.group(0)
        assert ti is not None
        assert "readonly" in ti.group(0)
        url = web_url + "/console/content/cv_help/start/text/"
        async with translator.post(url + "ti", data={"csrf": csrf, "text": "ሓድሽ"}, allow_redirects=False) as r:
            assert r.status == 403
        async with translator.post(url + "ar", data={"csrf": csrf, "text": "نص"}, allow_redirects=False) as r:
            assert r.status == 303
        async with translator.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 403  # translators do not publish
        # Without the CSRF token nothing is saved.
        async with translator.post(url + "ar", data={"text": "zonder"}, allow_redirects=False) as r:
            assert r.status == 403
    async with services.sessions() as session:
        drafts = await store.drafts(session)
    assert [(d.node, d.lang, d.value) for d in drafts] == [("start", "ar", "نص")]


async def test_publish_refuses_with_the_problem_at_the_field_then_publishes(services: Services, web_url: str) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    base = web_url + "/console/content/cv_help/start"
    async with staff:
        async with staff.get(web_url + "/console/content/cv_help") as r:
            page = await r.text()
        target = re.search(r'id="g-start-0" name="goto" value="([^"]+)"', page)
        assert target is not None
        async with staff.post(base + "/goto/0", data={"csrf": csrf, "goto": "no_such_node"}) as r:
            assert r.status == 200
        xss = "<script>alert(1)</script> Een cv is kort."
        async with staff.post(base + "/text/nl", data={"csrf": csrf, "text": xss}) as r:
            page = await r.text()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)" in page
        # The coach reads Dutch: the checker's problem is said in Dutch, next to the button.
        button = html.unescape(page)[html.unescape(page).index('id="g-start-0"') :]
        assert "Knop 1 gaat naar 'no_such_node', dat niet bestaat." in button[: button.index("</li>")]
        assert "which does not exist" not in html.unescape(page)
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf, "comment": "x"}) as r:
            assert r.status == 400
            refused = html.unescape(await r.text())
        assert "Knop 1 gaat naar 'no_such_node', dat niet bestaat." in refused
        assert 'href="/console/content/cv_help#n-start"' in refused
        async with services.sessions() as session:
            assert await store.head_number(session) == 1
        async with staff.post(base + "/goto/0", data={"csrf": csrf, "goto": target.group(1)}) as r:
            assert r.status == 200
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf, "comment": "korter"}) as r:
            assert r.status == 200
            assert "Revision 2" in await r.text() or "Revisie 2" in await r.text()
        async with services.sessions() as session:
            newest = await store.head(session)
            assert await session.scalar(select(func.count()).select_from(ContentRevision)) == 2
        assert newest is not None
        assert newest.comment == "korter"
        assert newest.author == f"Coach{STAFF}"
        assert {(c["node"], c["field"], c["lang"]) for c in newest.changes} == {
            ("start", "text", "nl"),
            ("start", "goto.0", ""),
        }
        await services.content.refresh()
        assert services.flows.text("cv_help", "start", "nl") == xss
        # History: the diff shows the old and the new Dutch text; restore brings revision 1 back as 3.
        async with staff.get(web_url + "/console/content/history/2") as r:
            diff = await r.text()
        assert "text nl" in diff
        assert "&lt;script&gt;" in diff
        assert OLD_NL in diff
        async with staff.post(web_url + "/console/content/history/1/restore", data={"csrf": csrf}) as r:
            assert r.status == 200
        await services.content.refresh()
        assert services.content.number == 3
        assert services.flows.text("cv_help", "start", "nl").startswith(OLD_NL)


async def test_a_link_without_a_source_refuses_publishing_at_that_text(services: Services, web_url: str) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    node = next(n for n, found in services.flows.flows["greet"].nodes.items() if not found.sources)
    async with staff:
        text = "Kijk op https://example.org voor meer."
        async with staff.post(
            f"{web_url}/console/content/greet/{node}/text/en", data={"csrf": csrf, "text": text}
        ) as r:
            page = html.unescape(await r.text())
        card = page[page.index(f'action="/console/content/greet/{node}/text/en"') :]
        card = card[: card.index("</form>")]
        # Next to the English text, in the coach's Dutch (English text, Dutch console).
        assert "De tekst in het Engels linkt naar een website, maar het antwoord noemt geen bron" in card
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 400
    async with services.sessions() as session:
        assert await store.head_number(session) == 1


async def test_a_stale_translation_is_served_in_the_fallback_language_with_a_note(services: Services) -> None:
    """CONTENT_STALE_FALLBACK=ti=en: a stale Tigrinya answer comes in English with a note in Tigrinya;
    Arabic has no fallback and keeps its (stale) translation."""
    from bot.messages import NodeText, Reply
    from bot.render import STALE_NOTES, Renderer

    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, STAFF, "Eva", "nl", staff=True)
        await store.save_draft(session, coach, "cv_help", "start", "text", "nl", "Een cv is kort: 1 pagina.")
        work = await store.working(session)
        assert work is not None
        await store.publish(session, work.files, parent=1, source=store.CONSOLE, author="Eva")
    await services.content.refresh()
    renderer = Renderer(services.translator, services.flows)
    ti = renderer.render(Reply(NodeText("cv_help", "start")), "ti")[0].text
    assert ti.startswith(services.translator.gettext("ti", STALE_NOTES["en"]))
    assert ti.endswith(services.flows.text("cv_help", "start", "en"))
    ar = renderer.render(Reply(NodeText("cv_help", "start")), "ar")[0].text
    assert services.flows.text("cv_help", "start", "ar").splitlines()[0] in ar
    assert services.translator.gettext("ar", STALE_NOTES["en"]) not in ar


@pytest.mark.small_nlu
async def test_unanswered_questions_become_training_examples_on_publish(services: Services, web_url: str) -> None:
    from bot.db.models import NluExample, UnansweredQuestion, User

    async with services.sessions() as session, session.begin():
        for i, text in enumerate(["waar vind ik een huis", "hoe vind ik een huis in utrecht", "<b>weer</b> morgen"]):
            user = User(telegram_id=8800 + i)
            session.add(user)
            await session.flush()
            session.add(UnansweredQuestion(user_id=user.id, text=text, language="nl"))
    translator, _ = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    async with translator, staff:
        async with translator.get(web_url + "/console/content/unanswered") as r:
            assert r.status == 403  # newcomers' own words: staff only
        async with staff.get(web_url + "/console/content/unanswered") as r:
            page = await r.text()
        assert "2 vragen" in page or "2 questions" in page  # the two housing questions form one group
        assert "&lt;b&gt;weer&lt;/b&gt;" in page
        form = {"csrf": csrf, "text": "waar vind ik een huis", "language": "nl", "intent": "out_of_scope"}
        async with staff.post(web_url + "/console/content/unanswered/example", data=form) as r:
            assert r.status == 200
        async with staff.post(web_url + "/console/content/unanswered/example", data={**form, "intent": "nope"}) as r:
            assert r.status == 400
        before = services.embedded  # (from the model cache the new one may be there at once)
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 200
    async with services.sessions() as session:
        (example,) = list(await session.scalars(select(NluExample)))
    assert (example.intent, example.revision) == ("out_of_scope", 2)
    for _ in range(600):  # the replica retrains in a child process after serving revision 2
        if services.trained_examples == 1:
            break
        await asyncio.sleep(0.1)
    assert services.trained_examples == 1
    assert services.embedded is not before


def test_a_translation_made_before_a_later_dutch_edit_stays_stale() -> None:
    """The translator saved and reviewed Arabic; then staff changed the Dutch again: the Arabic is stale."""
    from bot.content.drafts import Edit, apply
    from bot.content.live import check_files

    texts = read_texts(ROOT / "flows")
    now = utcnow()
    before = check_files(texts, []).flows.flows["cv_help"].nodes["start"].nl_hash()
    ar = Edit("cv_help", "start", "text", "ar", "نص", "Amal", now, before)
    reviewed = Edit("cv_help", "start", "reviewed", "ar", "1", "Amal", now, before)
    files, applied = apply(texts, [ar, reviewed])
    node = check_files(files, []).flows.flows["cv_help"].nodes["start"]
    assert len(applied) == 2
    assert node.review["ar"].reviewed
    assert not node.is_stale("ar")
    dutch = Edit("cv_help", "start", "text", "nl", "Nieuw.", "Eva", now)
    files, _ = apply(texts, [ar, reviewed, dutch])
    node = check_files(files, []).flows.flows["cv_help"].nodes["start"]
    assert node.is_stale("ar")
    assert node.text["ar"] == "نص"


async def test_staff_mark_a_source_checked_today(services: Services, web_url: str) -> None:
    flow, node = next((f.id, n) for f in services.flows.flows.values() for n, found in f.nodes.items() if found.sources)
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    async with staff:
        async with staff.post(f"{web_url}/console/content/{flow}/{node}/checked/0", data={"csrf": csrf}) as r:
            assert r.status == 200
        async with staff.post(f"{web_url}/console/content/{flow}/{node}/checked/99", data={"csrf": csrf}) as r:
            assert r.status == 404
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf, "comment": "checked"}) as r:
            assert r.status == 200
    await services.content.refresh()
    found = services.flows.node(flow, node)
    assert found is not None
    assert found.sources[0].checked == utcnow().date()


async def test_check_and_status_on_the_database(services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    async with services.sessions() as session, session.begin():
        coach = await add_coach(session, STAFF, "Eva", "nl", staff=True)
        await store.save_draft(session, coach, "greet", "start", "text", "en", "See https://example.org")
    assert await _cli(services.settings, "check") == 1  # the draft adds a link without a source
    assert "links to a website but the node names no source" in capsys.readouterr().out
    async with services.sessions() as session, session.begin():
        await store.drop_draft(session, "greet", "start", "text", "en")
        await store.save_draft(session, coach, "greet", "start", "text", "en", "Hello there!")
        work = await store.working(session)
        assert work is not None
        await store.publish(session, work.files, parent=1, source=store.CONSOLE, author="Eva")
    assert await _cli(services.settings, "check") == 0
    assert await _cli(services.settings, "status") == 0
    out = capsys.readouterr().out
    assert "published revision 2 (console, Eva)" in out
    assert "flows/ and published revision 2 differ (greet)" in out


async def test_a_translator_edits_a_button_label_in_their_language(services: Services, web_url: str) -> None:
    translator, tcsrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    base = web_url + "/console/content/cv_help/start/label/0/"
    async with translator, staff:
        async with translator.post(base + "ti", data={"csrf": tcsrf, "label": "ሓድሽ"}) as r:
            assert r.status == 403
        async with translator.post(base + "ar", data={"csrf": tcsrf, "label": "زر جديد"}) as r:
            assert r.status == 200
            assert 'value="زر جديد"' in await r.text()
        async with staff.post(base + "nl", data={"csrf": csrf, "label": "x" * 60}) as r:
            assert r.status == 200
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 400  # a label longer than Telegram shows well is refused
            assert "Knop 1: het label in het Nederlands is te lang: 60 tekens" in html.unescape(await r.text())
        async with staff.post(base + "nl", data={"csrf": csrf, "label": "Nieuwe knop"}) as r:
            assert r.status == 200
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 200
    await services.content.refresh()
    node = services.flows.node("cv_help", "start")
    assert node is not None
    assert node.buttons[0].label["ar"] == "زر جديد"
    assert node.buttons[0].label["nl"] == "Nieuwe knop"
    assert node.is_stale("ti")  # the Dutch label changed: the Tigrinya is stale
    assert node.is_stale("ar")  # the Arabic label was saved against the Dutch label before the change


def test_every_checker_problem_has_a_console_sentence() -> None:
    """Each kind of problem `flows check` reports is said in the console's language, not in English."""
    from bot.flows import loader

    codes = set(re.findall(r'code="([a-z_]+)"', Path(loader.__file__).read_text(encoding="utf-8")))
    codes |= {f"field_{kind}" for kind in ("missing", "extra_forbidden", "string_pattern_mismatch")}
    macro = (Path(__file__).parents[1] / "bot/web/templates/_content_problem.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'p\.code == "([a-z_]+)"', macro))
    assert len(codes) > 20
    assert codes - shown == set()


async def test_staff_start_a_new_topic_from_unanswered_questions(
    services: Services, web_url: str, tmp_path: Path
) -> None:
    """A new topic is a draft of a new flow; translators see it as missing; publishing checks it and,
    once translated, makes it live (and `flows export` writes it like any other flow)."""
    coach, ccsrf = await _signed_in(services, web_url, COACH)
    translator, tcsrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    url = web_url + "/console/content/unanswered/topic"
    form = {
        "csrf": csrf,
        "topic": "housing",
        "title_nl": "Een huis vinden",
        "text": "Zoek een huis bij de gemeente: https://www.rijksoverheid.nl/huren",
        "url": "",
        "checked": "",
    }
    async with coach, translator, staff:
        async with coach.post(url, data={**form, "csrf": ccsrf}, allow_redirects=False) as r:
            assert r.status == 403  # not staff
        async with translator.post(url, data={**form, "csrf": tcsrf}, allow_redirects=False) as r:
            assert r.status == 403
        async with staff.post(url, data={**form, "csrf": ""}, allow_redirects=False) as r:
            assert r.status == 403  # no CSRF token
        async with staff.post(url, data=form, allow_redirects=False) as r:
            assert r.status == 400  # a link needs its source and the date it was checked
            page = await r.text()  # the form again, with what was typed, and why (in the console's language)
            assert "het webadres van de bron" in page
            assert "https://www.rijksoverheid.nl/huren</textarea>" in page
        async with staff.post(url, data={**form, "topic": "cv_help"}, allow_redirects=False) as r:
            assert r.status == 400  # the name is taken
        async with staff.post(url, data={**form, "topic": "Huis!"}, allow_redirects=False) as r:
            assert r.status == 400
        async with staff.post(url, data={**form, "topic": "worklist"}, allow_redirects=False) as r:
            assert r.status == 400  # the name of a page of its own
        async with services.sessions() as session:
            assert await store.drafts(session) == []
        form |= {"url": "https://www.rijksoverheid.nl/huren", "checked": "2026-12-01"}
        async with staff.post(url, data=form, allow_redirects=False) as r:
            assert r.status == 303
            assert r.headers["Location"] == "/console/content/housing"
        async with staff.get(web_url + "/console/content/housing") as r:
            page = html.unescape(await r.text())
        assert r.status == 200
        assert "Zoek een huis bij de gemeente" in page
        assert "Antwoord 'start' heeft geen tekst in het Arabisch." in page  # the checker, in Dutch
        async with translator.get(web_url + "/console/content/worklist") as r:
            assert "/console/content/housing" in await r.text()  # missing Arabic: on the worklist
        # Discarding the draft topic's answer throws the whole draft topic away; the form brings it back.
        async with staff.post(web_url + "/console/content/housing/start/discard", data={"csrf": csrf}) as r:
            assert r.status == 200
        async with services.sessions() as session:
            assert await store.drafts(session) == []
        async with staff.post(url, data=form, allow_redirects=False) as r:
            assert r.status == 303
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf}) as r:
            assert r.status == 400  # refused until the topic is translated
            refused = html.unescape(await r.text())
        assert "De titel heeft geen tekst in het Arabisch." in refused
        async with services.sessions() as session:
            assert await store.head_number(session) == 1
        # Until it is published, the form again with the same name replaces the draft: now with every title.
        titles = {"title_en": "Finding a home", "title_ar": "إيجاد سكن", "title_ti": "ገዛ ምርካብ"}
        async with staff.post(url, data={**form, **titles}, allow_redirects=False) as r:
            assert r.status == 303
        for lang, text in (("en", "Look for a home"), ("ar", "ابحث عن سكن"), ("ti", "ገዛ ድለ")):
            link = " https://www.rijksoverheid.nl/huren"
            async with staff.post(
                web_url + f"/console/content/housing/start/text/{lang}", data={"csrf": csrf, "text": text + link}
            ) as r:
                assert r.status == 200
        async with staff.post(web_url + "/console/content/publish", data={"csrf": csrf, "comment": "huis"}) as r:
            assert r.status == 200
        async with services.sessions() as session:
            newest = await store.head(session)
        assert newest is not None
        assert newest.number == 2
        assert "housing" in newest.files
        await services.content.refresh()
        assert services.flows.text("housing", "start", "nl").startswith("Zoek een huis")
        assert services.flows.flows["housing"].menu is not None  # reachable from the main menu
        assert services.flows.flows["housing"].nodes["start"].sources[0].checked.isoformat() == "2026-12-01"
        async with translator.get(web_url + "/console/content/worklist?lang=ar") as r:
            assert "/console/content/housing" in await r.text()  # the Arabic text waits for its review
        out = tmp_path / "export"
        assert await _cli(services.settings, "export", str(out)) == 0
        assert check_texts(read_texts(out), services.content.glossary).errors == []  # a flow like the others
        assert (out / "housing.yml").exists()

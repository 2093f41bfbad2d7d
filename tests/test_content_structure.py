"""Staff change a topic's structure in the console (titles, the facts flag, sources, answers and buttons
added or removed), as drafts published through the checks; translators may not (403). A new topic from
unanswered questions gets its own intent, trained on the group's questions when it is published."""

from __future__ import annotations

import asyncio
import html
import re
import shutil
from pathlib import Path

import aiohttp
import pytest
import yaml
from sqlalchemy import select

from bot.content import examples, store
from bot.content.cli import nlu_export
from bot.content.live import check_files
from bot.db.models import NluExample, UnansweredQuestion, User
from bot.flows.loader import check_texts, read_texts
from bot.incoming import Incoming
from bot.nlu.data import Example
from bot.pipeline import process
from bot.services import Services
from tests.conftest import ROOT, texts_with_new_topic
from tests.test_content import STAFF, TRANSLATOR, _signed_in

CV = "/console/content/cv_help"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    flows_dir = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows_dir)
    return {"flows_dir": flows_dir, "content_poll_seconds": 0.2}


async def _post(http: aiohttp.ClientSession, url: str, data: dict[str, str], status: int = 200) -> str:
    async with http.post(url, data=data) as r:
        body = html.unescape(await r.text())
        assert r.status == status, body[-2000:]
        return body


async def _publish(http: aiohttp.ClientSession, web_url: str, csrf: str, status: int = 200) -> str:
    return await _post(http, web_url + "/console/content/publish", {"csrf": csrf, "comment": "structure"}, status)


async def test_staff_add_an_answer_and_a_button_to_it_then_remove_the_button(services: Services, web_url: str) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    base = web_url + CV
    async with staff:
        page = await _post(staff, base + "/nodes", {"csrf": csrf, "node": "portfolio", "text": "Maak een portfolio."})
        assert 'id="n-portfolio"' in page
        await _post(staff, base + "/nodes", {"csrf": csrf, "node": "portfolio", "text": "Nog een."}, 400)
        await _post(staff, base + "/nodes", {"csrf": csrf, "node": "Port folio!", "text": "x"}, 400)
        labels = {"label_nl": "Portfolio", "label_en": "Portfolio", "label_ar": "ملف أعمال", "label_ti": "ፖርትፎሊዮ"}
        page = await _post(staff, base + "/start/buttons", {"csrf": csrf, "goto": "portfolio", **labels})
        # Not translated yet: publishing is refused, with the problem at the new answer's Arabic text.
        card = page[page.index('action="/console/content/cv_help/portfolio/text/ar"') :]
        assert "Antwoord 'portfolio' heeft geen tekst in het Arabisch." in card[: card.index("</form>")]
        await _publish(staff, web_url, csrf, 400)
        for lang, text in (("en", "Make a portfolio."), ("ar", "اصنع ملف أعمال."), ("ti", "ፖርትፎሊዮ ስርሑ።")):
            await _post(staff, f"{base}/portfolio/text/{lang}", {"csrf": csrf, "text": text})
        await _publish(staff, web_url, csrf)
        await services.content.refresh()
        flow = services.flows.flows["cv_help"]
        assert flow.nodes["portfolio"].text["nl"] == "Maak een portfolio."
        added = flow.nodes["start"].buttons[-1]
        assert (added.goto, added.label["ar"]) == ("portfolio", "ملف أعمال")
        async with services.sessions() as session:
            newest = await store.head(session)
        assert newest is not None
        assert {(c["node"], c["field"]) for c in newest.changes} >= {("portfolio", "node_add"), ("start", "buttons")}

        # A newcomer presses through to it.
        result = await process(services, Incoming(7100, 7100, "text", text="ik wil CV maken", telegram_language="nl"))
        (reply,) = result.outgoing
        assert reply.text == services.flows.text("cv_help", "start", "nl")
        assert "Portfolio" in str(reply.buttons)

        # Remove the first button: the translator's label draft of the second one follows it.
        second = flow.nodes["start"].buttons[1]
        translator, tcsrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
        async with translator:
            await _post(translator, base + "/start/label/1/ar", {"csrf": tcsrf, "label": "تسمية جديدة"})
        await _post(staff, base + "/start/buttons/0/remove", {"csrf": csrf})
        async with services.sessions() as session:
            assert [(d.field, d.lang) for d in await store.drafts(session)] == [("label.0", "ar"), ("buttons", "")]
        await _publish(staff, web_url, csrf)
        await services.content.refresh()
        buttons = services.flows.flows["cv_help"].nodes["start"].buttons
        assert len(buttons) == len(flow.nodes["start"].buttons) - 1
        assert buttons[0].goto == second.goto
        assert buttons[0].label["ar"] == "تسمية جديدة"


async def test_removing_an_answer_is_refused_while_buttons_lead_to_it(services: Services, web_url: str) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    base = web_url + CV
    async with staff:
        page = await _post(staff, base + "/gaps/remove", {"csrf": csrf}, 409)
        section = page[page.index('id="n-gaps"') :]
        assert "cv_help · start #2" in section[: section.index("</section>")]  # said at the answer itself
        await _post(staff, base + "/start/remove", {"csrf": csrf}, 409)  # the first answer stays
        # A node added in a draft and removed again leaves no draft behind.
        await _post(staff, base + "/nodes", {"csrf": csrf, "node": "extra", "text": "Extra."})
        await _post(staff, base + "/extra/remove", {"csrf": csrf})
        async with services.sessions() as session:
            assert await store.drafts(session) == []
        # Without the buttons that lead to it, "gaps" can go; "Keep it" undoes the removal.
        start = services.flows.flows["cv_help"].nodes["start"]
        leading = [i for i, b in enumerate(start.buttons) if b.goto == "gaps"]
        other = services.flows.flows["cv_help"].nodes["no_nl_exp"]
        assert [b.goto for b in other.buttons].count("gaps") == 1
        await _post(staff, f"{base}/start/buttons/{leading[0]}/remove", {"csrf": csrf})
        await _post(
            staff, f"{base}/no_nl_exp/buttons/{[b.goto for b in other.buttons].index('gaps')}/remove", {"csrf": csrf}
        )
        page = await _post(staff, base + "/gaps/remove", {"csrf": csrf})
        assert 'id="n-gaps"' not in page
        assert "/console/content/cv_help/gaps/keep" in page
        await _post(staff, base + "/gaps/keep", {"csrf": csrf})
        await _post(staff, base + "/gaps/remove", {"csrf": csrf})
        await _publish(staff, web_url, csrf)
    await services.content.refresh()
    assert "gaps" not in services.flows.flows["cv_help"].nodes
    assert check_files(dict(await _head_files(services)), services.content.glossary).errors == []


async def _head_files(services: Services) -> dict[str, str]:
    async with services.sessions() as session:
        newest = await store.head(session)
    assert newest is not None
    return dict(newest.files)


async def test_titles_facts_and_sources_are_drafts_checked_on_publish(services: Services, web_url: str) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    translator, tcsrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    base = web_url + CV
    async with staff, translator:
        await _post(staff, base + "/title/nl", {"csrf": csrf, "title": "Je cv maken"})
        await _post(translator, base + "/title/ar", {"csrf": tcsrf, "title": "سيرتك الذاتية"})
        await _post(translator, base + "/title/ti", {"csrf": tcsrf, "title": "x"}, 403)
        # The only source of a node that states facts removed: refused, said at that node.
        page = await _post(staff, base + "/template/sources/0/remove", {"csrf": csrf})
        section = page[page.index('id="n-template"') :]
        assert "Antwoord 'template' noemt feiten maar heeft geen bronnen" in section[: section.index("</section>")]
        refused = await _publish(staff, web_url, csrf, 400)
        assert "Antwoord 'template' noemt feiten maar heeft geen bronnen" in refused
        await _post(staff, base + "/template/sources", {"csrf": csrf, "url": "ftp://x", "checked": ""}, 400)
        source = {"csrf": csrf, "url": "https://www.werk.nl/werkzoekenden/solliciteren/cv", "checked": "2026-11-30"}
        await _post(staff, base + "/template/sources", source)
        await _post(staff, base + "/template/sources", {**source, "url": "https://www.werk.nl/extra"})
        await _post(staff, base + "/template/sources/1", {**source, "url": "https://www.werk.nl/tweede"})
        await _post(staff, base + "/gaps/factual", {"csrf": csrf, "factual": "1"})  # and gaps needs a source
        await _post(staff, base + "/gaps/sources", {**source, "checked": ""})  # checked today by default
        await _publish(staff, web_url, csrf)
    await services.content.refresh()
    flow = services.flows.flows["cv_help"]
    assert (flow.title["nl"], flow.title["ar"]) == ("Je cv maken", "سيرتك الذاتية")
    assert [(s.url, s.checked.isoformat()) for s in flow.nodes["template"].sources] == [
        ("https://www.werk.nl/werkzoekenden/solliciteren/cv", "2026-11-30"),
        ("https://www.werk.nl/tweede", "2026-11-30"),
    ]
    assert flow.nodes["gaps"].factual
    assert len(flow.nodes["gaps"].sources) == 1
    async with services.sessions() as session:
        newest = await store.head(session)
    assert newest is not None
    assert {(c["node"], c["field"], c["lang"]) for c in newest.changes} >= {
        ("", "title", "nl"),
        ("", "title", "ar"),
        ("template", "sources", ""),
        ("gaps", "factual", ""),
    }


async def test_translators_may_not_change_the_structure(services: Services, web_url: str) -> None:
    translator, tcsrf = await _signed_in(services, web_url, TRANSLATOR, translates="ar")
    base = web_url + CV
    forms = {
        "/nodes": {"node": "x", "text": "x"},
        "/gaps/remove": {},
        "/gaps/keep": {},
        "/gaps/factual": {"factual": "1"},
        "/template/sources": {"url": "https://example.org/a", "checked": "2026-11-30"},
        "/template/sources/0": {"url": "https://example.org/a", "checked": "2026-11-30"},
        "/template/sources/0/remove": {},
        "/start/buttons": {"goto": "gaps", "label_nl": "x"},
        "/start/buttons/0/remove": {},
        "/examples": {"intent": "cv_help", "language": "nl", "text": "cv"},
        "/title/nl": {"title": "x"},
    }
    async with translator:
        page = await (await translator.get(base)).text()
        assert "/start/buttons/0/remove" not in page  # not offered either
        for path, data in forms.items():
            await _post(translator, base + path, {"csrf": tcsrf, **data}, 403)
    async with services.sessions() as session:
        assert await store.drafts(session) == []


def test_a_topic_may_have_its_own_intent_and_no_other_unknown_one() -> None:
    texts = read_texts(ROOT / "flows")
    own = texts["cv_help"].replace("intents: [cv_help]", "intents: [cv_help]\n", 1)
    new = own.replace("id: cv_help", "id: cv_tips", 1).replace("intents: [cv_help]", "intents: [cv_tips]", 1)
    result = check_texts({**texts, "cv_tips": new}, [])
    assert [p for p in result.errors if p.code == "unknown_intent"] == []
    wrong = new.replace("intents: [cv_tips]", "intents: [cv_trips]", 1)
    result = check_texts({**texts, "cv_tips": wrong}, [])
    assert [p.args["intent"] for p in result.errors if p.code == "unknown_intent"] == ["cv_trips"]


def test_only_published_topics_with_enough_examples_are_learnt() -> None:
    flows = check_texts(read_texts(ROOT / "flows"), []).flows
    with_topic = check_texts(texts_with_new_topic(), []).flows
    few = [Example(f"opvang {i}", "childcare", "nl") for i in range(examples.MIN_EXAMPLES - 1)]
    enough = [*few, Example("opvang", "childcare", "nl")]
    base = [Example("cv maken", "cv_help", "nl")]
    assert examples.trainable([*base, *enough], flows) == base  # the topic is not published
    assert examples.trainable([*base, *few], with_topic) == base  # too few to learn from
    assert examples.trainable([*base, *enough], with_topic) == [*base, *enough]
    assert examples.known_intents(with_topic)[-1] == "childcare"


CHILDCARE = [
    "hoe vind ik kinderopvang als ik ga werken",
    "wie past op mijn kinderen als ik werk",
    "krijg ik toeslag voor de kinderopvang",
    "is er een creche voor mijn baby als ik werk",
    "kinderopvangtoeslag aanvragen hoe",
    "wat kost kinderopvang",
    "buitenschoolse opvang voor mijn zoon",
    "ik werk en mijn kind moet naar de opvang",
]
ASKED = "waar kan mijn kind naar de opvang als ik werk"  # not one of the training questions
CHILDCARE_NL = "Vraag bij je gemeente naar kinderopvang. Je werkgever kan ook helpen."


async def unanswered(services: Services, texts: list[str], first_user: int) -> list[int]:
    ids = []
    async with services.sessions() as session, session.begin():
        for i, text in enumerate(texts):
            user = User(telegram_id=first_user + i)
            session.add(user)
            await session.flush()
            question = UnansweredQuestion(user_id=user.id, text=text, language="nl")
            session.add(question)
            await session.flush()
            ids.append(question.id)
    return ids


@pytest.mark.small_nlu
async def test_a_new_topic_learns_its_groups_questions_and_answers_a_similar_one(
    services: Services, web_url: str, tmp_path: Path
) -> None:
    ids = await unanswered(services, CHILDCARE, 8900)
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    titles = {"title_nl": "Kinderopvang", "title_en": "Childcare", "title_ar": "رعاية الأطفال", "title_ti": "ክንክን ቆልዑ"}
    form = [("csrf", csrf), ("topic", "childcare"), ("text", CHILDCARE_NL), ("url", ""), ("checked", "")]
    form += [*titles.items(), *(("question", str(i)) for i in ids)]
    async with staff:
        async with staff.post(web_url + "/console/content/unanswered/topic", data=form, allow_redirects=False) as r:
            assert r.status == 303
        async with staff.post(web_url + "/console/content/unanswered/topic", data=form, allow_redirects=False) as r:
            assert r.status == 303  # sent again before publishing: no question twice
        page = html.unescape(await (await staff.get(web_url + "/console/content/childcare")).text())
        assert "eigen vraagsoort (intent) 'childcare'" in page
        assert "Nu: 8 vragen." in page
        extra = {
            "csrf": csrf,
            "intent": "childcare",
            "language": "nl",
            "text": "opvang voor mijn kinderen tijdens werk",
        }
        await _post(staff, web_url + "/console/content/childcare/examples", extra)
        await _post(staff, web_url + "/console/content/childcare/examples", {**extra, "intent": "cv_help"}, 400)
        for lang, text in (("en", "Ask your municipality."), ("ar", "اسأل البلدية."), ("ti", "ንምምሕዳርካ ሕተት።")):
            await _post(staff, f"{web_url}/console/content/childcare/start/text/{lang}", {"csrf": csrf, "text": text})
        await _publish(staff, web_url, csrf)
    async with services.sessions() as session:
        rows = list(await session.scalars(select(NluExample).where(NluExample.intent == "childcare")))
    assert sorted(r.text for r in rows) == sorted([*CHILDCARE, extra["text"]])
    assert {r.revision for r in rows} == {2}
    async with services.sessions() as session:
        newest = await store.head(session)
    assert newest is not None
    recorded = [c for c in newest.changes if c["field"] == "example"]
    assert [(c["flow"], c["lang"]) for c in recorded] == [("childcare", "nl")] * len(rows)
    assert not any(c.get("text") for c in recorded)  # the newcomers' words stay out of the history
    # `nlu export` gives a Rasa server the same examples: what nlu/ teaches the embedded classifier, plus the console's
    assert await nlu_export(services.settings, str(tmp_path / "rasa")) == 0
    assert sorted(p.name for p in (tmp_path / "rasa").glob("*.yml")) == ["console.yml", "nlu.yml"]
    exported = yaml.safe_load((tmp_path / "rasa" / "console.yml").read_text(encoding="utf-8"))["nlu"]
    assert [block["intent"] for block in exported] == ["childcare"]
    assert sorted(line[2:] for line in exported[0]["examples"].splitlines()) == sorted(r.text for r in rows)
    for _ in range(1200):  # this replica retrains in a child process after serving revision 2
        if services.trained_examples == len(rows):
            break
        await asyncio.sleep(0.1)
    assert "childcare" in services.embedded.intents
    assert ASKED not in CHILDCARE
    result = await process(services, Incoming(7200, 7200, "text", text=ASKED, telegram_language="nl"))
    assert [o.text for o in result.outgoing] == [CHILDCARE_NL]


async def test_discarding_a_draft_topic_drops_its_waiting_questions(services: Services, web_url: str) -> None:
    ids = await unanswered(services, CHILDCARE[:2], 8950)
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    form = [("csrf", csrf), ("topic", "childcare"), ("title_nl", "Kinderopvang"), ("text", CHILDCARE_NL)]
    form += [("question", str(i)) for i in ids]
    async with staff:
        async with staff.post(web_url + "/console/content/unanswered/topic", data=form, allow_redirects=False) as r:
            assert r.status == 303
        async with staff.post(web_url + "/console/content/unanswered/topic", data=[*form[:1], ("topic", "greet")]) as r:
            assert r.status == 400
        async with services.sessions() as session:
            assert len(await examples.pending(session)) == 2
        await _post(staff, web_url + "/console/content/childcare/start/discard", {"csrf": csrf})
    async with services.sessions() as session:
        assert await examples.pending(session) == []
        assert await store.drafts(session) == []


def test_exported_new_topic_checks_clean(tmp_path: Path) -> None:
    """A topic with its own intent passes `flows check` as a file (what `flows export` writes)."""
    files = texts_with_new_topic()
    assert re.search(r"^intents: \[childcare\]$", files["childcare"], re.MULTILINE)
    assert check_texts(files, []).errors == []


def test_the_dialog_answers_and_offers_a_topics_own_intent() -> None:
    """Nothing in the dialog is special for a topic's own intent: it answers it with the topic's first
    answer, and offers the topic when it asks back."""
    from bot.callbacks import OtherTopic, TopicButton, encode
    from bot.dialog import Button, Dialog, DialogConfig, State, TextIn
    from bot.messages import FlowTitle, NodeText
    from bot.nlu.types import NluResult

    flows = check_texts(texts_with_new_topic(), []).flows
    dialog = Dialog(DialogConfig(flows, threshold=0.5))
    sure = NluResult(ASKED, "nl", "childcare", 0.9, (("childcare", 0.9),))
    outcome = dialog.decide(TextIn(ASKED, sure), State())
    assert outcome.replies[0].text == NodeText("childcare", "start")
    unsure = NluResult(ASKED, "nl", "childcare", 0.3, (("childcare", 0.3), ("cv_help", 0.2)))
    outcome = dialog.decide(TextIn(ASKED, unsure), State())
    offered = [b for row in outcome.replies[0].buttons for b in row]
    assert offered[0].label == FlowTitle("childcare")
    assert offered[0].data == encode(TopicButton("childcare"))
    # Close behind a confident answer, it is the other topic offered below it.
    close = NluResult(ASKED, "nl", "cv_help", 0.7, (("cv_help", 0.7), ("greet", 0.2), ("childcare", 0.16)))
    outcome = dialog.decide(TextIn(ASKED, close), State())
    offered = [b for row in outcome.replies[0].buttons for b in row]
    assert Button(FlowTitle("childcare"), encode(OtherTopic("childcare"))) in offered, offered


async def test_structure_forms_need_the_csrf_token_and_escape_what_staff_write(
    services: Services, web_url: str
) -> None:
    staff, csrf = await _signed_in(services, web_url, STAFF, staff=True)
    xss = "<script>alert(1)</script>"
    async with staff:
        await _post(staff, web_url + CV + "/nodes", {"node": "x", "text": "Zonder token."}, 403)
        await _post(staff, web_url + CV + "/title/nl", {"title": "Zonder token"}, 403)
        async with staff.post(web_url + CV + "/title/nl", data={"csrf": csrf, "title": xss}) as r:
            page = await r.text()
        assert xss not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

"""The staff pages (`/console/content/…`): edit, translate, review and publish the FAQ. Translators edit only their
languages' translations (else 403); publishing runs `flows check`; every publication is a restorable revision."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.content import examples, store, sync, views, yamltext
from bot.content.drafts import CHECKED, GOTO, LABEL, NEW_TOPIC, NODE_REMOVE, REVIEWED, TEXT, Edit, apply
from bot.content.live import check_files
from bot.db.models import Coach, ContentDraft, ContentRevision, UnansweredQuestion, utcnow
from bot.dialog import node_reply
from bot.flows.loader import LINK, MAX_TEXT, CheckResult, Problem, read_texts
from bot.flows.model import FlowSet
from bot.languages import LANGUAGES
from bot.nlu.types import INTENTS
from bot.render import Renderer
from bot.tools.unanswered import contexts, corrections
from bot.web.console import CONSOLE, number, path_id, render, signed_in, staff_only

TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
URL = re.compile(r"^https://\S{4,500}$")
MAX_TITLE = 80
# Names of the content pages themselves: a topic with such a name could not be opened.
RESERVED = frozenset({"publish", "import", "worklist", "recheck", "history", "unanswered"})
GOTO_PATTERN = re.compile(r"^[a-z0-9_]{1,40}(\.[a-z0-9_]{1,40})?$")
MAX_COMMENT = 500
NL_HASH = re.compile(r"[0-9a-f]{10}")  # bot.flows.model.nl_hash_of
MAX_LABEL_INPUT = 200  # longer than a label may be, so the check at publishing says so
Field = tuple[str, str, str, str]  # a draft's flow, node, field and language


def may_edit(coach: Coach, lang: str) -> bool:
    """Staff edit every language (the Dutch source too); a translator only their own."""
    return coach.is_staff or lang in coach.translates()


def _coach(request: web.Request) -> Coach:
    coach = signed_in(request).coach
    if not (coach.is_staff or coach.translates()):
        raise web.HTTPForbidden(text="only staff and translators edit the FAQ")
    return coach


def _editor(request: web.Request, languages: Iterable[str], refusal: str) -> tuple[Coach, str]:
    """The signed-in coach and the URL's language, when that coach may edit it."""
    coach = _coach(request)
    lang = request.match_info["lang"]
    if lang not in languages:
        raise web.HTTPNotFound()
    if not may_edit(coach, lang):
        raise web.HTTPForbidden(text=refusal)
    return coach, lang


def _staff(request: web.Request) -> Coach:
    _coach(request)  # a coach who is neither staff nor translator is refused as on every content page
    return staff_only(request, "only staff publish and restore")


@dataclass(frozen=True)
class Refusal:
    """A structural edit refused at its place on the topic page (node:<id>, buttons:<id>, add-node, ...);
    `code` picks the sentence the page says, in the console's language."""

    place: str
    code: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Snapshot:
    """The published revision with the drafts on top, checked like `flows check`."""

    base: ContentRevision
    drafts: list[ContentDraft]
    files: dict[str, str]
    result: CheckResult
    published: FlowSet = field(default_factory=lambda: FlowSet({}))

    @property
    def flows(self) -> FlowSet:
        return self.result.flows

    def draft_keys(self) -> set[tuple[str, str, str, str]]:
        return {(d.flow, d.node, d.field, d.lang) for d in self.drafts}


async def snapshot(request: web.Request) -> Snapshot:
    services = request.app[CONSOLE].services
    async with services.sessions() as session:
        base = await store.head(session)
        drafts = await store.drafts(session)
    if base is None:
        raise web.HTTPServiceUnavailable(text="the content is not seeded yet: start the bot once")
    files, _applied = await asyncio.to_thread(apply, dict(base.files), store.edits(drafts))
    result = await asyncio.to_thread(check_files, files, services.content.glossary)
    return Snapshot(base, drafts, files, result, services.flows)


# the topic list and publishing -----------------------------------------------------------------------
async def topics_page(request: web.Request, problems: list[Problem] | None = None, status: int = 200) -> web.Response:
    _coach(request)
    snap = await snapshot(request)
    services = request.app[CONSOLE].services
    texts = await asyncio.to_thread(read_texts, services.settings.flows_dir)
    comparison = sync.compare_with(texts, snap.base)
    async with services.sessions() as session:
        waiting = len(await examples.pending(session))
    context = {
        "here": "topics",
        "rows": views.topics(snap.flows, Counter(d.flow for d in snap.drafts)),
        "base": snap.base,
        "drafts": snap.drafts,
        "waiting_examples": waiting,
        "comparison": comparison,
        "problems": problems if problems is not None else [],
        "published": request.query.get("published", ""),
        "states": (views.REVIEWED, views.UNREVIEWED, views.STALE, views.MISSING),
        "translations": views.TRANSLATIONS,
    }
    return render("content_topics.html", request, context, status=status)


async def publish(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    form = await request.post()
    comment = str(form.get("comment", "")).strip()[:MAX_COMMENT]
    snap = await snapshot(request)
    services = request.app[CONSOLE].services
    async with services.sessions() as session:
        waiting = len(await examples.pending(session))
    if not snap.drafts and not waiting:
        raise web.HTTPSeeOther("/console/content/")
    return await _publish(request, coach, snap.files, store.CONSOLE, comment, snap=snap)


async def _publish(
    request: web.Request,
    coach: Coach,
    files: dict[str, str],
    source: str,
    comment: str,
    *,
    snap: Snapshot | None = None,
    from_files: str | None = None,
) -> web.StreamResponse:
    """Publish `files` if they pass the checks. With `snap`, they are its drafts applied: those drafts
    (unless someone changed one meanwhile) and the waiting training examples go into the revision."""
    services = request.app[CONSOLE].services
    result = snap.result if snap else await asyncio.to_thread(check_files, files, services.content.glossary)
    if result.errors or not files:
        return await topics_page(request, result.errors, 400)
    changes = [edit.change() for edit in apply(dict(snap.base.files), store.edits(snap.drafts))[1]] if snap else []
    try:
        async with services.sessions() as session, session.begin():
            base = snap.base if snap else await store.head(session)
            if snap is not None:
                now = await store.drafts(session)
                if [(d.id, d.updated_at) for d in now] != [(d.id, d.updated_at) for d in snap.drafts]:
                    raise store.PublishConflictError
                # The examples' intent and language, not the newcomer's words: the history is open to translators.
                waiting = await examples.pending(session)
                changes += [
                    Edit(r.intent, "", "example", r.language, "", r.author, r.created_at).change() for r in waiting
                ]
            row = await store.publish(
                session,
                files,
                parent=base.number if base else None,
                source=source,
                author=coach.name,
                coach=coach,
                comment=comment,
                changes=changes,
                from_files=from_files,
            )
            if snap is not None:
                await store.clear_drafts(session, [d.id for d in snap.drafts])
                await examples.publish_pending(session, row.number)  # every replica trains on them now
    except (IntegrityError, store.PublishConflictError):
        return await topics_page(request, [Problem("", 0, "conflict")], 409)
    services.content.request_refresh()
    raise web.HTTPSeeOther(f"/console/content/?published={row.number}")


async def import_files(request: web.Request) -> web.StreamResponse:
    """Publish flows/ as it is on the server (offered when it differs from the published content)."""
    coach = _staff(request)
    texts = await asyncio.to_thread(read_texts, request.app[CONSOLE].services.settings.flows_dir)
    return await _publish(request, coach, texts, store.IMPORT, "flows/", from_files=store.files_hash(texts))


# a topic ---------------------------------------------------------------------------------------------
async def _at_flow(request: web.Request) -> tuple[Snapshot, str]:
    """The snapshot, and the URL's topic in it."""
    snap = await snapshot(request)
    flow = request.match_info["flow"]
    if flow not in snap.flows.flows:
        raise web.HTTPNotFound(text="no such topic")
    return snap, flow


async def _at_node(request: web.Request) -> tuple[Snapshot, str, str]:
    """The snapshot, and the URL's topic and node in it."""
    snap, flow = await _at_flow(request)
    node = request.match_info["node"]
    if node not in snap.flows.flows[flow].nodes:
        raise web.HTTPNotFound(text="no such node")
    return snap, flow, node


def _where(problems: list[Problem], flow: str) -> dict[str, dict[str, list[Problem]]]:
    """node -> place (text.ar, buttons.0, factual, sources, or "" for the node itself) -> problems; the
    topic's own problems under node "" (place: title, intents, ...)."""
    out: dict[str, dict[str, list[Problem]]] = {}
    for problem in problems:
        if problem.file.removeprefix("flows/").removesuffix(".yml") != flow:
            continue
        path = [str(p) for p in problem.path]
        node = path[1] if len(path) > 1 and path[0] == "nodes" else ""
        if not node:
            place = path[0] if path else ""
        elif len(path) > 2 and path[2] in ("text", "buttons"):
            place = ".".join(path[2:4])
        else:
            place = path[2] if len(path) > 2 and path[2] in ("factual", "sources") else ""
        if place == "text":
            place = "text.nl"
        out.setdefault(node, {}).setdefault(place, []).append(problem)
    return out


async def topic_page(request: web.Request, refusal: Refusal | None = None, status: int = 200) -> web.Response:
    coach = _coach(request)
    snap, flow_id = await _at_flow(request)
    flow = snap.flows.flows[flow_id]
    published = snap.published.flows.get(flow_id)
    services = request.app[CONSOLE].services
    questions: list[Any] = []
    if coach.is_staff:
        async with services.sessions() as session:
            for intent in flow.intents:
                questions += await examples.of_intent(session, intent)
    own = [i for i in flow.intents if i not in INTENTS]
    context = {
        "here": "topics",
        "flow": flow,
        "published": published,
        "drafted": snap.draft_keys(),
        "removed": sorted(d.node for d in snap.drafts if d.flow == flow_id and d.field == NODE_REMOVE),
        "problems": _where(snap.result.problems, flow_id),
        "editable": {lang: may_edit(coach, lang) for lang in LANGUAGES},
        "order": ("nl", *views.TRANSLATIONS),
        "state": views.state,
        "max_text": MAX_TEXT,
        "old_before": views.recheck_limit(utcnow().date(), services.settings.content_review_months),
        "today": utcnow().date().isoformat(),
        "refusal": refusal,
        "questions": questions,
        "own_intent": own[0] if own else "",
        "min_examples": examples.MIN_EXAMPLES,
        "rasa": bool(services.settings.rasa_url),
    }
    return render("content_topic.html", request, context, status=status)


def _index(request: web.Request, length: int) -> int:
    """The URL's place in a list of `length` items (404 past its end)."""
    index = path_id(request, "index")
    if index >= length:
        raise web.HTTPNotFound()
    return index


def _published_node(snap: Snapshot, flow: str, node: str) -> dict[str, Any]:
    text = snap.base.files.get(flow)  # a new topic is not published yet
    data = yamltext.load(text) if text else {}
    found = (data.get("nodes") or {}).get(node) if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


async def _draft(request: web.Request, coach: Coach, at: Field, value: str | None, nl_hash: str | None = None) -> None:
    """The draft of one field (`at`: flow, node, field, language) in its own transaction; value None: no
    draft (the value is what is published)."""
    flow, node, field, lang = at
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        if value is None:
            await store.drop_draft(session, flow, node, field, lang)
        else:
            await store.save_draft(session, coach, flow, node, field, lang, value, nl_hash)


def _back(flow: str, node: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/console/content/{flow}#n-{node}")


def _seen_dutch(form: Any, current: str) -> str:
    """The Dutch a translation or review was made against: the stamp of the page the translator had open.
    Stamped with the Dutch of the moment of saving, an edit of the Dutch made meanwhile would be lost
    on them (the translation would not turn stale)."""
    seen = str(form.get("nl_hash", ""))
    return seen if NL_HASH.fullmatch(seen) else current


async def save_text(request: web.Request) -> web.StreamResponse:
    coach, lang = _editor(request, LANGUAGES, "you translate other languages")
    snap, flow, node = await _at_node(request)
    form = await request.post()
    value = str(form.get("text", "")).replace("\r\n", "\n").strip()[: MAX_TEXT * 2]
    published = _published_node(snap, flow, node).get("text") or {}
    current = snap.flows.flows[flow].nodes[node].nl_hash()
    made_against = None if lang == "nl" else _seen_dutch(form, current)
    back = str(published.get(lang, "")).strip() == value  # back to what is published
    await _draft(request, coach, (flow, node, TEXT, lang), None if back else value, made_against)
    raise _back(flow, node)


async def mark_reviewed(request: web.Request) -> web.StreamResponse:
    coach, lang = _editor(request, views.TRANSLATIONS, "you review other languages")
    snap, flow, node = await _at_node(request)
    made_against = _seen_dutch(await request.post(), snap.flows.flows[flow].nodes[node].nl_hash())
    await _draft(request, coach, (flow, node, REVIEWED, lang), "1", made_against)
    raise _back(flow, node)


async def save_goto(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    buttons = snap.flows.flows[flow].nodes[node].buttons
    index = _index(request, len(buttons))
    if buttons[index].goto is None:
        raise web.HTTPNotFound()
    value = str((await request.post()).get("goto", "")).strip()
    if not GOTO_PATTERN.match(value):
        raise web.HTTPBadRequest(text="a target is a node id, or topic.node (lowercase letters, digits and _)")
    await _draft(request, coach, (flow, node, f"{GOTO}.{index}", ""), value)
    raise _back(flow, node)


async def save_label(request: web.Request) -> web.StreamResponse:
    """A button's label in one language (the Dutch label is part of what translations are made from)."""
    coach, lang = _editor(request, LANGUAGES, "you translate other languages")
    snap, flow, node = await _at_node(request)
    found = snap.flows.flows[flow].nodes[node]
    index = _index(request, len(found.buttons))
    value = str((await request.post()).get("label", "")).strip()[:MAX_LABEL_INPUT]
    made_against = None if lang == "nl" else found.nl_hash()
    await _draft(request, coach, (flow, node, f"{LABEL}.{index}", lang), value, made_against)
    raise _back(flow, node)


async def source_checked(request: web.Request) -> web.StreamResponse:
    """Staff checked a source again today (after reading it and fixing the answer if the fact changed)."""
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    index = _index(request, len(snap.flows.flows[flow].nodes[node].sources))
    await _draft(request, coach, (flow, node, f"{CHECKED}.{index}", ""), utcnow().date().isoformat())
    raise _back(flow, node)


async def discard(request: web.Request) -> web.StreamResponse:
    """Staff throw away every draft of a node (the published text stays)."""
    _staff(request)
    snap, flow, node = await _at_node(request)
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        new_topic = flow not in snap.base.files  # a draft topic goes away as a whole
        for draft in snap.drafts:
            if draft.flow == flow and (draft.node == node or new_topic):
                await store.drop_draft(session, flow, draft.node, draft.field, draft.lang)
        if new_topic:
            await examples.drop_pending(session, flow)  # its questions, waiting to become examples
    raise web.HTTPSeeOther("/console/content/") if new_topic else _back(flow, node)


async def preview(request: web.Request) -> web.Response:
    """The node as the bot would send it now with the drafts published, in any language."""
    _coach(request)
    snap, flow_id, node_id = await _at_node(request)
    lang = request.query.get("lang", "nl")
    lang = lang if lang in LANGUAGES else "nl"
    services = request.app[CONSOLE].services
    renderer = Renderer(services.translator, FlowSet(snap.flows.flows, services.settings.stale_fallback()))
    flow = snap.flows.flows[flow_id]
    messages = renderer.render(node_reply(flow, node_id, frozenset({"menu", "language", "coach"})), lang)
    context = {
        "here": "topics",
        "flow": flow,
        "node": node_id,
        "lang": lang,
        "messages": messages,
        "marks": sum(m.text.count("\u200f") for m in messages),
    }
    return render("content_preview.html", request, context)


# the translator's worklist and the sources to re-check ------------------------------------------------
async def worklist_page(request: web.Request) -> web.Response:
    coach = _coach(request)
    snap = await snapshot(request)
    languages = list(views.TRANSLATIONS) if coach.is_staff else coach.translates()
    wanted = request.query.get("lang", "")
    if wanted in languages:
        languages = [wanted]
    context = {"here": "worklist", "items": views.worklist(snap.flows, languages), "languages": languages}
    return render("content_worklist.html", request, context)


async def recheck_page(request: web.Request) -> web.Response:
    _coach(request)
    months = request.app[CONSOLE].services.settings.content_review_months
    flows = request.app[CONSOLE].services.flows
    items = views.to_recheck(flows, utcnow().date(), months)
    return render("content_recheck.html", request, {"here": "recheck", "items": items, "months": months})


# history ---------------------------------------------------------------------------------------------
async def history_page(request: web.Request) -> web.Response:
    _coach(request)
    async with request.app[CONSOLE].services.sessions() as session:
        rows = await store.revisions(session)
    return render("content_history.html", request, {"here": "history", "rows": rows})


async def _revision(request: web.Request, number: int) -> ContentRevision:
    async with request.app[CONSOLE].services.sessions() as session:
        row = await store.revision(session, number)
    if row is None:
        raise web.HTTPNotFound(text="no such revision")
    return row


async def revision_page(request: web.Request) -> web.Response:
    """One revision compared with the one before it (or `?against=N`)."""
    _coach(request)
    row = await _revision(request, path_id(request, "number"))
    against = number(request.query.get("against", str(row.number - 1)))
    other = await _revision(request, against) if against else None
    old_files = dict(other.files) if other else {}
    changes = await asyncio.to_thread(views.diff, old_files, dict(row.files))
    async with request.app[CONSOLE].services.sessions() as session:
        is_head = await store.head_number(session) == row.number
    context = {"here": "history", "row": row, "other": other, "changes": changes, "is_head": is_head}
    return render("content_revision.html", request, context)


async def restore(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    row = await _revision(request, path_id(request, "number"))
    return await _publish(request, coach, dict(row.files), store.RESTORE, f"restored revision {row.number}")


# unanswered questions -> training examples -------------------------------------------------------------
MAX_SHOWN = 5
MAX_CORRECTED = 100  # the newest answers newcomers corrected
MAX_GROUP = 100  # questions of a group that become a new topic's training examples


async def unanswered_page(request: web.Request, status: int = 200, typed: dict[str, Any] | None = None) -> web.Response:
    """What newcomers asked that no answer matched, grouped by language and similarity (staff only: these
    are newcomers' own words)."""
    _staff(request)
    services = request.app[CONSOLE].services
    raw = request.query.get("days", "30")
    days = min(number(raw) or 30, 365)
    since = utcnow() - timedelta(days=days)
    async with services.sessions() as session:
        rows = list(
            await session.scalars(
                select(UnansweredQuestion)
                .where(UnansweredQuestion.created_at >= since)
                .order_by(UnansweredQuestion.id)
                .limit(2000)
            )
        )
        around = await contexts(session, rows, services.flows.is_topic)
        corrected = await corrections(session, days=days, is_topic=services.flows.is_topic)
        waiting = await examples.pending(session)
    groups: list[dict[str, Any]] = []
    for language in sorted({r.language or "?" for r in rows}):
        same = [r for r in rows if (r.language or "?") == language]
        for indices in await examples.group_in_process([r.text for r in same]):
            members = [same[i] for i in indices]
            topics = [around.picked[m.id] for m in members if m.id in around.picked]
            groups.append(
                {
                    "language": language,
                    "count": len(members),
                    "texts": [m.text for m in members[:MAX_SHOWN]],
                    "after": [around.after.get(m.id, "") for m in members[:MAX_SHOWN]],
                    "ids": [m.id for m in members[:MAX_GROUP]],
                    "suggested": max(set(topics), key=topics.count) if topics else "",
                }
            )
    groups.sort(key=lambda g: (-g["count"], g["language"]))
    context = {
        "here": "unanswered",
        "groups": groups,
        "corrected": corrected[-MAX_CORRECTED:],
        "days": days,
        "intents": examples.known_intents(services.flows),
        "waiting": waiting,
        "rasa": bool(services.settings.rasa_url),
        "added": request.query.get("added", ""),
        "typed": typed,  # a refused new topic: what was typed, shown again in its group's form
        "typed_group": next((g for g in groups if typed and g["ids"] == typed["ids"]), None),
    }
    return render("content_unanswered.html", request, context, status=status)


async def add_example(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()[: examples.MAX_EXAMPLE]
    language, intent = str(form.get("language", "")), str(form.get("intent", ""))
    known = examples.known_intents(request.app[CONSOLE].services.flows)
    if not text or language not in LANGUAGES or intent not in known:
        raise web.HTTPBadRequest(text="choose an intent for a question in a known language")
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        await examples.add(session, coach, text, language, intent)
    raise web.HTTPSeeOther("/console/content/unanswered?added=1")


def _new_topic_yaml(topic: str, titles: dict[str, str], text: str, menu: int, url: str, checked: str) -> str:
    """A new flow in the schema of flows/*.yml: one answer in Dutch; the translations are still missing."""
    node: dict[str, Any] = {"factual": bool(url), "text": {"nl": text}}
    if url:
        node["sources"] = [{"url": url, "checked": date.fromisoformat(checked)}]
    # Its own intent, named like it: the group's questions are its first training examples.
    flow = {"id": topic, "intents": [topic], "menu": menu, "title": titles, "nodes": {"start": node}}
    return yamltext.dump(flow)


def _new_topic_problem(snap: Snapshot, topic: str, titles: dict[str, str], text: str, url: str, checked: str) -> str:
    """Why a new topic cannot be made as typed (a code the page says in the console's language), or ""."""
    if not TOPIC_ID.match(topic):
        return "name"
    if topic in snap.base.files or topic in RESERVED or topic in INTENTS:
        return "taken"
    # The same name again before it is published: the new titles and answer replace the draft.
    if not titles.get("nl") or not text:
        return "dutch"
    if url or LINK.search(text):
        try:
            date.fromisoformat(checked)
        except ValueError:
            return "source"
        if not URL.match(url):
            return "source"
    return ""


async def new_topic(request: web.Request) -> web.StreamResponse:
    """Staff start a new topic for questions no answer matched: a draft of a new flow, published (and
    checked) with the next publication once its translations are there."""
    coach = _staff(request)
    form = await request.post()
    topic = str(form.get("topic", "")).strip()
    titles = {lang: str(form.get(f"title_{lang}", "")).strip()[:MAX_TITLE] for lang in LANGUAGES}
    titles = {lang: title for lang, title in titles.items() if title}
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()[:MAX_TEXT]
    url, checked = str(form.get("url", "")).strip(), str(form.get("checked", "")).strip()
    snap = await snapshot(request)
    ids = [i for i in (number(str(raw)) for raw in form.getall("question", [])) if i is not None][:MAX_GROUP]
    problem = _new_topic_problem(snap, topic, titles, text, url, checked)
    if problem:  # the page again, with everything typed in its form: none of it is lost
        typed = {"ids": ids, "topic": topic, "titles": titles, "text": text, "url": url, "checked": checked}
        return await unanswered_page(request, 400, {**typed, "problem": problem})
    menu = max((f.menu or 0 for f in snap.flows.flows.values()), default=0) + 10
    value = _new_topic_yaml(topic, titles, text, menu, url, checked)
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        await store.save_draft(session, coach, topic, "", NEW_TOPIC, "", value)
        # The group's questions wait, with the draft, as examples of the topic's intent (once each).
        have = {(e.text, e.language) for e in await examples.of_intent(session, topic)}
        rows = await session.scalars(select(UnansweredQuestion).where(UnansweredQuestion.id.in_(ids)))
        for row in rows:
            if row.language in LANGUAGES and (row.text, row.language) not in have:
                have.add((row.text, row.language))
                await examples.add(session, coach, row.text, row.language, topic)
    raise web.HTTPSeeOther(f"/console/content/{topic}")


def setup_content(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", "/console/content/", topics_page)
    add("POST", "/console/content/publish", publish)
    add("POST", "/console/content/import", import_files)
    add("GET", "/console/content/worklist", worklist_page)
    add("GET", "/console/content/recheck", recheck_page)
    add("GET", "/console/content/history", history_page)
    add("GET", "/console/content/unanswered", unanswered_page)
    add("POST", "/console/content/unanswered/example", add_example)
    add("POST", "/console/content/unanswered/topic", new_topic)
    add("GET", "/console/content/history/{number}", revision_page)
    add("POST", "/console/content/history/{number}/restore", restore)
    add("GET", "/console/content/{flow}", topic_page)
    add("GET", "/console/content/{flow}/{node}/preview", preview)
    add("POST", "/console/content/{flow}/{node}/text/{lang}", save_text)
    add("POST", "/console/content/{flow}/{node}/reviewed/{lang}", mark_reviewed)
    add("POST", "/console/content/{flow}/{node}/goto/{index}", save_goto)
    add("POST", "/console/content/{flow}/{node}/checked/{index}", source_checked)
    add("POST", "/console/content/{flow}/{node}/label/{index}/{lang}", save_label)
    add("POST", "/console/content/{flow}/{node}/discard", discard)
    from bot.web.content_structure import setup_structure  # its handlers import this module

    setup_structure(app)

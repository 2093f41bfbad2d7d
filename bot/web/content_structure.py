"""Staff change a topic's structure in the console: its titles, a node's facts flag and sources, and
nodes and buttons added or removed. Each change is a draft (bot/content/drafts.py) until published,
checked like `flows check`; translators may edit a title in their own languages, nothing else here."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import examples, store
from bot.content.drafts import BUTTONS, CHECKED, FACTUAL, GOTO, LABEL, NODE_ADD, NODE_REMOVE, SOURCES, TITLE
from bot.db.models import ContentDraft, utcnow
from bot.flows.loader import MAX_TEXT
from bot.flows.model import Flow, FlowButton, Source
from bot.languages import LANGUAGES
from bot.web.console import CONSOLE
from bot.web.content import (
    GOTO_PATTERN,
    MAX_LABEL_INPUT,
    MAX_TITLE,
    Refusal,
    _at_flow,
    _at_node,
    _back,
    _draft,
    _editor,
    _index,
    _published_node,
    _staff,
    topic_page,
)

NODE_ID = re.compile(r"^[a-z0-9_]{1,40}$")
SOURCE_URL = re.compile(r"^https?://\S{4,500}$")  # as the flow schema's Source.url
MAX_SOURCES = 10
MAX_BUTTONS = 8  # the checker and Telegram decide what is too many; this only bounds the form


def _sources(found: list[Source]) -> list[dict[str, str]]:
    return [{"url": s.url, "checked": s.checked.isoformat()} for s in found]


def _buttons(found: list[FlowButton]) -> list[dict[str, Any]]:
    return [{k: v for k, v in b.model_dump().items() if v not in (None, {})} for b in found]


async def _shift_after(session: AsyncSession, flow: str, node: str, prefix: str, removed: int) -> None:
    """Item `removed` of a list is gone: its index drafts (`goto.N`, `label.N`) go, the later ones move up
    one place, lowest first."""
    rows = await session.scalars(
        select(ContentDraft).where(
            ContentDraft.flow == flow, ContentDraft.node == node, ContentDraft.field.startswith(prefix + ".")
        )
    )
    found = [(int(r.field.split(".", 1)[1]), r) for r in rows if r.field.split(".", 1)[1].isdigit()]
    for index, row in sorted(found, key=lambda pair: pair[0]):
        if index == removed:
            await session.delete(row)
            await session.flush()
        elif index > removed:
            row.field = f"{prefix}.{index - 1}"
            await session.flush()  # one at a time: the unique (flow, node, field, lang) holds throughout


# the title -------------------------------------------------------------------------------------------
async def save_title(request: web.Request) -> web.StreamResponse:
    coach, lang = _editor(request, LANGUAGES, "you translate other languages")
    snap, flow = await _at_flow(request)
    value = str((await request.post()).get("title", "")).strip()[:MAX_TITLE]
    published = snap.published.flows.get(flow)
    back = published is not None and published.title.get(lang, "") == value  # back to what is published
    await _draft(request, coach, (flow, "", TITLE, lang), None if back else value)
    raise web.HTTPSeeOther(f"/console/content/{flow}#title")


# facts and sources -----------------------------------------------------------------------------------
async def save_factual(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    value = "1" if (await request.post()).get("factual") == "1" else "0"
    published = _published_node(snap, flow, node)
    back = bool(published) and bool(published.get("factual", False)) == (value == "1")
    await _draft(request, coach, (flow, node, FACTUAL, ""), None if back else value)
    raise _back(flow, node)


def _source_form(form: Any) -> dict[str, str] | None:
    url = str(form.get("url", "")).strip()
    raw = str(form.get("checked", "")).strip() or utcnow().date().isoformat()
    try:
        checked = date.fromisoformat(raw)
    except ValueError:
        return None
    if not SOURCE_URL.match(url) or checked > utcnow().date():
        return None
    return {"url": url, "checked": checked.isoformat()}


async def _save_sources(request: web.Request, flow: str, node: str, sources: list[dict[str, str]]) -> None:
    """The whole list as one draft; the node's "checked today" drafts are in it already (read from the
    drafts applied), so they go."""
    coach = _staff(request)
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        await store.save_draft(session, coach, flow, node, SOURCES, "", json.dumps(sources))
        await session.execute(
            delete(ContentDraft).where(
                ContentDraft.flow == flow, ContentDraft.node == node, ContentDraft.field.startswith(CHECKED + ".")
            )
        )


async def save_source(request: web.Request) -> web.StreamResponse:
    """A source changed (`sources/{index}`) or added (`sources`, up to MAX_SOURCES)."""
    _staff(request)
    snap, flow, node = await _at_node(request)
    current = _sources(snap.flows.flows[flow].nodes[node].sources)
    adding = "index" not in request.match_info
    index = len(current) if adding else _index(request, len(current))
    source = _source_form(await request.post())
    if source is None or (adding and len(current) >= MAX_SOURCES):
        return await topic_page(request, Refusal(f"sources:{node}", "source_invalid"), 400)
    current[index : index + 1] = [source]
    await _save_sources(request, flow, node, current)
    raise _back(flow, node)


async def remove_source(request: web.Request) -> web.StreamResponse:
    _staff(request)
    snap, flow, node = await _at_node(request)
    current = _sources(snap.flows.flows[flow].nodes[node].sources)
    del current[_index(request, len(current))]
    await _save_sources(request, flow, node, current)
    raise _back(flow, node)


# buttons ---------------------------------------------------------------------------------------------
async def add_button(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    form = await request.post()
    target = str(form.get("goto", "")).strip()
    labels = {lang: str(form.get(f"label_{lang}", "")).strip()[:MAX_LABEL_INPUT] for lang in LANGUAGES}
    current = _buttons(snap.flows.flows[flow].nodes[node].buttons)
    if not GOTO_PATTERN.match(target) or not labels["nl"] or len(current) >= MAX_BUTTONS:
        return await topic_page(request, Refusal(f"buttons:{node}", "button_invalid"), 400)
    button = {"goto": target, "label": {lang: label for lang, label in labels.items() if label}}
    await _draft(request, coach, (flow, node, BUTTONS, ""), json.dumps([*current, button]))
    raise _back(flow, node)


async def remove_button(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    current = _buttons(snap.flows.flows[flow].nodes[node].buttons)
    index = _index(request, len(current))
    del current[index]
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        await store.save_draft(session, coach, flow, node, BUTTONS, "", json.dumps(current))
        for prefix in (GOTO, LABEL):  # the later buttons' target and label drafts follow them
            await _shift_after(session, flow, node, prefix, index)
    raise _back(flow, node)


# nodes -----------------------------------------------------------------------------------------------
async def add_node(request: web.Request) -> web.StreamResponse:
    coach = _staff(request)
    snap, flow = await _at_flow(request)
    form = await request.post()
    node = str(form.get("node", "")).strip()
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()[: MAX_TEXT * 2]
    published = snap.published.flows.get(flow)
    taken = node in snap.flows.flows[flow].nodes or (published is not None and node in published.nodes)
    if not NODE_ID.match(node) or taken or not text:
        code = "node_taken" if taken else "node_invalid"
        return await topic_page(request, Refusal("add-node", code, {"node": node}), 400)
    value = json.dumps({"factual": False, "text": {"nl": text}}, ensure_ascii=False)
    await _draft(request, coach, (flow, node, NODE_ADD, ""), value)
    raise _back(flow, node)


def links_to(flows: dict[str, Flow], flow: str, node: str) -> list[str]:
    """What still leads to a node: buttons ("topic · node, button N") and the topic's start or entities."""
    found = []
    for other in flows.values():
        for node_id, found_node in other.nodes.items():
            for i, button in enumerate(found_node.buttons):
                if button.goto is not None and other.resolve(button.goto) == (flow, node):
                    found.append(f"{other.id} · {node_id} #{i + 1}")
    own = flows[flow]
    if own.start == node or any(node in routes.values() for routes in own.entities.values()):
        found.insert(0, own.id)
    return found


async def remove_node(request: web.Request) -> web.StreamResponse:
    """Refused kindly, at the node, while something still leads to it; a node added in a draft simply
    goes (with its drafts)."""
    coach = _staff(request)
    snap, flow, node = await _at_node(request)
    leading = links_to(snap.flows.flows, flow, node)
    if leading:
        return await topic_page(request, Refusal(f"node:{node}", "node_linked", {"links": ", ".join(leading)}), 409)
    added = (flow, node, NODE_ADD, "") in snap.draft_keys()
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        for draft in snap.drafts:
            if draft.flow == flow and draft.node == node:
                await store.drop_draft(session, flow, node, draft.field, draft.lang)
        if not added:
            await store.save_draft(session, coach, flow, node, NODE_REMOVE, "", "")
    raise web.HTTPSeeOther(f"/console/content/{flow}")


async def keep_node(request: web.Request) -> web.StreamResponse:
    """Undo a node's removal (the draft); it is not on the page any more, so `_at_node` cannot find it."""
    coach = _staff(request)
    snap, flow = await _at_flow(request)
    node = request.match_info["node"]
    if (flow, node, NODE_REMOVE, "") not in snap.draft_keys():
        raise web.HTTPNotFound()
    await _draft(request, coach, (flow, node, NODE_REMOVE, ""), None)
    raise _back(flow, node)


# the questions that open a topic ---------------------------------------------------------------------
async def add_topic_example(request: web.Request) -> web.StreamResponse:
    """A question newcomers ask about this topic, as a training example of its intent (published, and
    trained on, with the next publication)."""
    coach = _staff(request)
    snap, flow = await _at_flow(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()[: examples.MAX_EXAMPLE]
    language, intent = str(form.get("language", "")), str(form.get("intent", ""))
    if not text or language not in LANGUAGES or intent not in snap.flows.flows[flow].intents:
        return await topic_page(request, Refusal("examples", "example_invalid"), 400)
    async with request.app[CONSOLE].services.sessions() as session, session.begin():
        await examples.add(session, coach, text, language, intent)
    raise web.HTTPSeeOther(f"/console/content/{flow}#examples")


def setup_structure(app: web.Application) -> None:
    """After the content routes: `{flow}/title/{lang}` must not hide a node named "title"."""
    add = app.router.add_route
    add("POST", "/console/content/{flow}/nodes", add_node)
    add("POST", "/console/content/{flow}/examples", add_topic_example)
    add("POST", "/console/content/{flow}/{node}/remove", remove_node)
    add("POST", "/console/content/{flow}/{node}/keep", keep_node)
    add("POST", "/console/content/{flow}/{node}/factual", save_factual)
    add("POST", "/console/content/{flow}/{node}/sources", save_source)
    add("POST", "/console/content/{flow}/{node}/sources/{index}", save_source)
    add("POST", "/console/content/{flow}/{node}/sources/{index}/remove", remove_source)
    add("POST", "/console/content/{flow}/{node}/buttons", add_button)
    add("POST", "/console/content/{flow}/{node}/buttons/{index}/remove", remove_button)
    add("POST", "/console/content/{flow}/title/{lang}", save_title)

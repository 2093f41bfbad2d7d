"""Drafts applied to published content: pure functions from (flow texts, edits) to new flow texts. An edited
translation is stamped with its Dutch (`nl_hash`); a Dutch edit leaves the stamps, so translations go stale."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.content import yamltext
from bot.flows.model import nl_hash_of

SOURCE = "nl"
TEXT, REVIEWED, GOTO, CHECKED, LABEL = "text", "reviewed", "goto", "checked", "label"
# A whole new topic (its YAML text as the value, node ""): staff start it from unanswered questions.
NEW_TOPIC = "new_topic"
# Structure (staff): a topic's title per language (node ""), a node added (JSON of the node) or removed,
# and a node's facts flag ("1"/"0"), sources and buttons (each the whole list, as JSON).
TITLE, NODE_ADD, NODE_REMOVE = "title", "node_add", "node_remove"
FACTUAL, SOURCES, BUTTONS = "factual", "sources", "buttons"


@dataclass(frozen=True)
class Edit:
    flow: str
    node: str
    # text, reviewed, goto.N / label.N (button N's target / label, from 0), checked.N (source N's date),
    # and the structural fields above
    field: str
    lang: str
    value: str
    author: str
    at: datetime
    nl_hash: str | None = None  # translations and reviews: the Dutch they were made against

    def change(self) -> dict[str, Any]:
        """As recorded in the revision's history."""
        return {
            "flow": self.flow,
            "node": self.node,
            "field": self.field,
            "lang": self.lang,
            "by": self.author,
            "at": self.at.isoformat(timespec="seconds"),
        }


def _node(data: Any, node: str) -> dict[str, Any] | None:
    nodes = data.get("nodes") if isinstance(data, dict) else None
    found = nodes.get(node) if isinstance(nodes, dict) else None
    return found if isinstance(found, dict) else None


def _dutch_hash(node: dict[str, Any]) -> str:
    text = node.get("text") or {}
    buttons = node.get("buttons") or []
    labels = [str((b.get("label") or {}).get(SOURCE, "")) for b in buttons if isinstance(b, dict)]
    return nl_hash_of(str(text.get(SOURCE, "")) if isinstance(text, dict) else "", labels)


def _review(node: dict[str, Any], lang: str) -> dict[str, Any]:
    reviews = node.setdefault("review", {})
    current = reviews.get(lang)
    review = dict(current) if isinstance(current, dict) else {}
    reviews[lang] = review
    return review


def _apply_to_flow(data: Any, edit: Edit) -> bool:
    """A title, or a node added or removed."""
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, dict):
        return False
    if edit.field == TITLE:
        return _set_lang(data, "title", edit)
    if edit.field == NODE_ADD:
        if edit.node in nodes:
            return False
        nodes[edit.node] = json.loads(edit.value)
        return True
    if edit.node not in nodes:
        return False
    del nodes[edit.node]
    return True


def _set_lang(data: dict[str, Any], key: str, edit: Edit) -> bool:
    """A title's or text's value in the edit's language."""
    texts = data.setdefault(key, {})
    if isinstance(texts, dict):
        texts[edit.lang] = edit.value
    return isinstance(texts, dict)


def _set_list(node: dict[str, Any], key: str, items: list[Any]) -> None:
    if items:
        node[key] = items
    else:
        node.pop(key, None)


def _apply_one(node: dict[str, Any], edit: Edit) -> bool:
    if edit.field == FACTUAL:
        node["factual"] = edit.value == "1"
        return True
    if edit.field == SOURCES:
        sources = [{"url": s["url"], "checked": date.fromisoformat(s["checked"])} for s in json.loads(edit.value)]
        _set_list(node, "sources", sources)
        return True
    if edit.field == BUTTONS:
        _set_list(node, "buttons", json.loads(edit.value))
        return True
    if edit.field == TEXT:
        return _set_lang(node, "text", edit)
    if edit.field.startswith((GOTO + ".", LABEL + ".", CHECKED + ".")):
        kind, index = edit.field.split(".", 1)
        items = node.get("sources" if kind == CHECKED else "buttons") or []
        if not index.isdigit() or int(index) >= len(items) or not isinstance(items[int(index)], dict):
            return False
        item = items[int(index)]
        if kind == GOTO:
            item["goto"] = edit.value
        elif kind == LABEL:
            item.setdefault("label", {})[edit.lang] = edit.value
        else:
            item["checked"] = date.fromisoformat(edit.value)
        return True
    return edit.field in (REVIEWED, NEW_TOPIC)


_STRUCTURE = {NODE_ADD: -3, NODE_REMOVE: -2, TITLE: -1, FACTUAL: -1, SOURCES: -1, BUTTONS: -1}


def _order(edit: Edit) -> int:
    """Structure first (the index edits of buttons and sources refer to the lists it sets), then Dutch
    and button edits (they set the hash), then translations, then review marks."""
    if edit.field in _STRUCTURE:
        return _STRUCTURE[edit.field]
    if edit.field == REVIEWED:
        return 2
    return 0 if edit.lang in ("", SOURCE) else 1


def apply(files: dict[str, str], edits: list[Edit]) -> tuple[dict[str, str], list[Edit]]:
    """The flow texts with `edits` applied, and the edits that applied (an edit of a node that no
    longer exists is left out). Only flows with edits are written again."""
    files = dict(files)
    applied: list[Edit] = []
    for edit in edits:
        if edit.field == NEW_TOPIC and edit.flow not in files:  # created first; its edits apply on top
            files[edit.flow] = edit.value
            applied.append(edit)
    by_flow: dict[str, list[Edit]] = {}
    for edit in edits:
        if edit.flow in files:
            by_flow.setdefault(edit.flow, []).append(edit)
    result = dict(files)
    for flow, flow_edits in by_flow.items():
        data = yamltext.load(files[flow])
        done = []
        for edit in sorted(flow_edits, key=_order):
            if edit.field in (TITLE, NODE_ADD, NODE_REMOVE):
                if _apply_to_flow(data, edit):
                    done.append(edit)
                continue
            node = _node(data, edit.node)
            if node is None or not _apply_one(node, edit):
                continue
            done.append(edit)
            if edit.lang and edit.lang != SOURCE:
                review = _review(node, edit.lang)
                review["reviewed"] = edit.field == REVIEWED  # a new translation waits for its review
                # Made against older Dutch (edited since, in a draft or a publication): it stays stale.
                review["nl_hash"] = edit.nl_hash or _dutch_hash(node)
        if done:
            result[flow] = yamltext.dump(data)
            applied += done
    return result, applied

"""What the content pages show, computed from checked flows: per-language states, the translator's
worklist, sources to re-check, and the differences between two revisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.content import yamltext
from bot.flows.model import FlowSet, Node

TRANSLATIONS = ("en", "ar", "ti")
MISSING, STALE, UNREVIEWED, REVIEWED = "missing", "stale", "unreviewed", "reviewed"


def state(node: Node, lang: str) -> str:
    """A translation's state: missing, stale (the Dutch changed since), unreviewed or reviewed."""
    if not node.text.get(lang, "").strip():
        return MISSING
    if node.is_stale(lang):
        return STALE
    review = node.review.get(lang)
    return REVIEWED if review is not None and review.reviewed else UNREVIEWED


@dataclass
class TopicRow:
    flow: str
    title: str
    nodes: int
    states: dict[str, dict[str, int]]  # lang -> state -> count
    drafts: int = 0


def topics(flows: FlowSet, drafts_by_flow: dict[str, int]) -> list[TopicRow]:
    rows = []
    for flow_id in sorted(flows.flows, key=lambda f: (flows.flows[f].menu is None, flows.flows[f].menu or 0, f)):
        flow = flows.flows[flow_id]
        states = {lang: dict.fromkeys((REVIEWED, UNREVIEWED, STALE, MISSING), 0) for lang in TRANSLATIONS}
        for node in flow.nodes.values():
            for lang in TRANSLATIONS:
                states[lang][state(node, lang)] += 1
        rows.append(
            TopicRow(flow_id, flow.title.get("nl", flow_id), len(flow.nodes), states, drafts_by_flow.get(flow_id, 0))
        )
    return rows


@dataclass(frozen=True)
class WorkItem:
    flow: str
    node: str
    lang: str
    state: str
    dutch: str


def worklist(flows: FlowSet, languages: list[str]) -> list[WorkItem]:
    """Stale first, then unreviewed and missing translations in `languages`."""
    items = []
    for flow_id, flow in sorted(flows.flows.items()):
        for node_id, node in flow.nodes.items():
            for lang in languages:
                if lang in TRANSLATIONS and (found := state(node, lang)) != REVIEWED:
                    items.append(WorkItem(flow_id, node_id, lang, found, node.text.get("nl", "")))
    order = {STALE: 0, MISSING: 1, UNREVIEWED: 2}
    return sorted(items, key=lambda i: (order[i.state], i.flow, i.node, i.lang))


@dataclass(frozen=True)
class Recheck:
    flow: str
    node: str
    url: str
    checked: date


def recheck_limit(today: date, months: int) -> date:
    """`months` before `today`: a source checked before this date is checked again."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def to_recheck(flows: FlowSet, today: date, months: int) -> list[Recheck]:
    """Sources last checked more than `months` ago, oldest first (wages change every 1 January and 1 July)."""
    limit = recheck_limit(today, months)
    found = [
        Recheck(flow_id, node_id, source.url, source.checked)
        for flow_id, flow in flows.flows.items()
        for node_id, node in flow.nodes.items()
        for source in node.sources
        if source.checked < limit
    ]
    return sorted(found, key=lambda r: (r.checked, r.flow, r.node))


@dataclass
class NodeDiff:
    flow: str
    node: str
    # (what, old, new): a text per language, the buttons, the sources, the review marks
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else yamltext.dump(value).strip()


def diff(old_files: dict[str, str], new_files: dict[str, str]) -> list[NodeDiff]:
    """Per node and field (a text per language, buttons, sources, reviews): what differs."""
    out: list[NodeDiff] = []
    for flow_id in sorted(set(old_files) | set(new_files)):
        old = yamltext.load(old_files[flow_id]) if flow_id in old_files else {}
        new = yamltext.load(new_files[flow_id]) if flow_id in new_files else {}
        if old == new:
            continue
        old_nodes, new_nodes = old.get("nodes") or {}, new.get("nodes") or {}
        top = NodeDiff(flow_id, "")
        for key in dict.fromkeys([*old, *new]):
            if key != "nodes" and old.get(key) != new.get(key):
                top.fields.append((key, _as_text(old.get(key)), _as_text(new.get(key))))
        if top.fields:
            out.append(top)
        for node_id in dict.fromkeys([*old_nodes, *new_nodes]):
            a, b = old_nodes.get(node_id) or {}, new_nodes.get(node_id) or {}
            if a == b:
                continue
            one = NodeDiff(flow_id, node_id)
            texts_a, texts_b = a.get("text") or {}, b.get("text") or {}
            for lang in dict.fromkeys([*texts_a, *texts_b]):
                if texts_a.get(lang) != texts_b.get(lang):
                    one.fields.append((f"text {lang}", _as_text(texts_a.get(lang)), _as_text(texts_b.get(lang))))
            for key in dict.fromkeys([*a, *b]):
                if key != "text" and a.get(key) != b.get(key):
                    one.fields.append((key, _as_text(a.get(key)), _as_text(b.get(key))))
            out.append(one)
    return out

"""The schema of a flow file (docs/flow-schema.md) and the validated set of flows the bot serves."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z0-9_]+$"
Action = Literal["coach", "menu", "language", "intake"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    url: str = Field(pattern=r"^https?://\S+$")
    checked: date


class Review(_Strict):
    reviewed: bool = False
    nl_hash: str | None = None
    note: str | None = None


class FlowButton(_Strict):
    goto: str | None = Field(default=None, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)?$")
    action: Action | None = None
    label: dict[str, str] = Field(default_factory=dict)


class Node(_Strict):
    text: dict[str, str]
    factual: bool = False
    handoff: bool = False
    sources: list[Source] = Field(default_factory=list)
    review: dict[str, Review] = Field(default_factory=dict)
    buttons: list[FlowButton] = Field(default_factory=list)
    # Why this node must be checked again before publishing (e.g. a figure that changed since `checked`).
    recheck: str | None = None

    def nl_hash(self) -> str:
        """Hash of the Dutch source text (answer and button labels) that translations are made from."""
        return nl_hash_of(self.text.get("nl", ""), [b.label.get("nl", "") for b in self.buttons])

    def is_stale(self, lang: str) -> bool:
        review = self.review.get(lang)
        return review is not None and review.nl_hash is not None and review.nl_hash != self.nl_hash()


def nl_hash_of(text: str, labels: list[str]) -> str:
    """`Node.nl_hash` from the raw Dutch text and button labels (also for content not yet validated)."""
    parts = [text.strip(), *(label.strip() for label in labels)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]


class Flow(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    intents: list[str] = Field(default_factory=list)
    menu: int | None = None
    title: dict[str, str]
    entities: dict[str, dict[str, str]] = Field(default_factory=dict)
    start: str = "start"
    nodes: dict[str, Node]

    def resolve(self, target: str) -> tuple[str, str]:
        """A button's `goto` as (flow id, node id)."""
        if "." in target:
            flow, node = target.split(".", 1)
            return flow, node
        return self.id, target


@dataclass(frozen=True)
class FlowSet:
    flows: dict[str, Flow]
    # Per language: serve this language's text (nl or en) with a note instead of a stale translation.
    stale_fallback: dict[str, str] = field(default_factory=dict)

    def served_language(self, flow: str, node: str, lang: str) -> str:
        """`lang`, or its fallback when the node's translation is stale and a fallback is set."""
        found = self.node(flow, node)
        fallback = self.stale_fallback.get(lang)
        return fallback if fallback and found is not None and found.is_stale(lang) else lang

    def node(self, flow: str, node: str) -> Node | None:
        found = self.flows.get(flow)
        return found.nodes.get(node) if found else None

    def for_intent(self, intent: str) -> Flow | None:
        return next((f for f in self.flows.values() if intent in f.intents), None)

    def is_topic(self, intent: str) -> bool:
        """An FAQ topic is a flow in the menu (greetings, thanks, asking for a person are not); staff's
        new topics included, which the NLU's built-in list of topics does not know."""
        flow = self.for_intent(intent)
        return flow is not None and flow.menu is not None

    def menu(self) -> list[Flow]:
        return sorted((f for f in self.flows.values() if f.menu is not None), key=lambda f: f.menu or 0)

    def text(self, flow: str, node: str, lang: str) -> str:
        found = self.node(flow, node)
        if found is None:
            raise KeyError(f"{flow}.{node}")
        return (found.text.get(lang) or found.text["nl"]).strip()

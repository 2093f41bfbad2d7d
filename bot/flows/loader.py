"""Loads flows/*.yml and checks them; every problem is reported as `file line N: plain words`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from bot.callbacks import NodeButton, fits
from bot.flows.glossary import GLOSSARY_FILE, Entry, alternatives_used, load_glossary
from bot.flows.model import Flow, FlowSet
from bot.flows.quality import amount_without_date, rule_like
from bot.languages import LANGUAGES
from bot.nlu.types import INTENTS

LANGUAGE_NAMES = {"nl": "Dutch", "ar": "Arabic", "ti": "Tigrinya", "en": "English"}
MAX_TEXT = 4000
PHONE_SCREEN = 1000
MAX_LABEL = 40
# A web address in an answer: what it says must be checked like any other source.
LINK = re.compile(r"https?://|\bwww\.[a-z0-9-]+\.[a-z]", re.IGNORECASE)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    level: Literal["error", "warning"] = "error"
    # Where in the flow the problem is (e.g. ("nodes", "start", "buttons", 0)): the console shows it there.
    path: tuple[str | int, ...] = ()
    # What kind of problem, with its parts (node, lang, ...): the console says it in its own language.
    code: str = ""
    params: tuple[tuple[str, str | int], ...] = ()

    @property
    def args(self) -> dict[str, str | int]:
        return dict(self.params)

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.level}: {self.message}"


@dataclass
class CheckResult:
    flows: FlowSet
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


class FlowsInvalidError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


# libyaml's C loader when PyYAML was built with it (about 100x faster); the pure-Python one otherwise.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _to_python(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], constructor: yaml.constructor.SafeConstructor
) -> Any:
    """The node as Python data, recording the line of every key and item on the way; scalars are built by
    the loader's own constructor, so values are exactly what `yaml.safe_load` gives."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(constructor.construct_object(key_node, deep=True))
            if key in result:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            result[key] = _to_python(value_node, (*path, key), lines, constructor)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


def _parse(text: str, lines: dict[Path_, int]) -> Any:
    """The document in `text` (None when empty), filling `lines` with the line of each path."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return None if root is None else _to_python(root, (), lines, loader)
    finally:
        loader.dispose()


def _line(lines: dict[Path_, int], path: Iterable[str | int]) -> int:
    parts = tuple(path)
    while parts and parts not in lines:
        parts = parts[:-1]
    return lines.get(parts, 1)


@dataclass
class _File:
    name: str
    flow: Flow
    lines: dict[Path_, int]


def _read(stem: str, text: str, display: str, problems: list[Problem]) -> _File | None:
    def fail(line: int, message: str, *, code: str, path: Path_ = (), **params: str) -> None:
        problems.append(Problem(display, line, message, path=path, code=code, params=tuple(params.items())))

    lines: dict[Path_, int] = {}
    try:
        data = _parse(text, lines)
        if data is None:
            fail(1, "the file is empty", code="empty")
            return None
    except _DuplicateKeyError as exc:
        fail(exc.line, f"'{exc.key}' appears twice here; keep only one", code="duplicate_key", key=exc.key)
        return None
    except yaml.YAMLError as exc:
        mark, detail = getattr(exc, "problem_mark", None), str(getattr(exc, "problem", exc))
        line = mark.line + 1 if mark is not None else 1
        fail(line, f"this is not valid YAML ({detail})", code="invalid_yaml", detail=detail)
        return None
    if not isinstance(data, dict):
        fail(1, "a flow file must be a mapping with id, title and nodes", code="not_mapping")
        return None
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = " → ".join(str(p) for p in loc) or "the file"
            kind, detail = error.get("type", ""), str(error.get("msg", ""))
            code = f"field_{kind}" if kind in _PLAIN else "field"
            message = f"{where}: {_PLAIN.get(kind) or str(error.get('msg', 'invalid value'))}"
            fail(_line(lines, loc), message, code=code, path=loc, where=where, detail=detail)
        return None
    if flow.id != stem:
        message = f"id '{flow.id}' must be the file name '{stem}'"
        fail(_line(lines, ("id",)), message, code="id_not_file_name", path=("id",), id=flow.id, name=stem)
    return _File(display, flow, lines)


# Pydantic's error types said in plain words (others keep pydantic's message).
_PLAIN = {
    "missing": "this is required but missing",
    "extra_forbidden": "this field is unknown (a typo?)",
    "string_pattern_mismatch": "use only lowercase letters, digits and _ (a URL must start with https://)",
}


def _glossary_says(entry: Entry) -> tuple[str, dict[str, str | int]]:
    """The end of a glossary warning ("uses 'x'; the glossary says 'y' for z") and its parts."""
    message = f"uses '{entry.alternative}'; the glossary ({GLOSSARY_FILE} line {entry.line}) says '{entry.use}' for {entry.term}"
    parts: dict[str, str | int] = {"alternative": entry.alternative, "file": GLOSSARY_FILE, "line": entry.line}
    return message, {**parts, "use": entry.use, "term": entry.term}


def _check_file(f: _File, all_flows: dict[str, Flow], problems: list[Problem], glossary: list[Entry]) -> None:
    flow, name, lines = f.flow, f.name, f.lines

    def add(
        path: Iterable[str | int],
        message: str,
        level: Literal["error", "warning"] = "error",
        code: str = "",
        **params: str | int,
    ) -> None:
        where = tuple(path)
        problems.append(Problem(name, _line(lines, where), message, level, where, code, tuple(params.items())))

    for intent in flow.intents:
        # Beyond the fixed intents a topic may have its own, named like it: staff give it examples in the
        # console (bot/content/examples.py).
        if intent not in INTENTS and intent != flow.id:
            message = f"unknown intent '{intent}' (see shared/contracts.md for the list)"
            add(("intents",), message, code="unknown_intent", intent=intent)
    for lang in LANGUAGES:
        if not flow.title.get(lang, "").strip():
            add(("title",), f"the title has no {LANGUAGE_NAMES[lang]} text", code="title_missing", lang=lang)
    if flow.start not in flow.nodes:
        add(("start",), f"the start node '{flow.start}' does not exist", code="start_missing", node=flow.start)
    for entity, routes in flow.entities.items():
        for value, target in routes.items():
            if target not in flow.nodes:
                message = f"entity value '{value}' points to node '{target}', which does not exist"
                add(("entities", entity, value), message, code="entity_target_missing", value=value, node=target)
    for node_id, node in flow.nodes.items():
        base, who = ("nodes", node_id), f"node '{node_id}'"
        at = partial(add, node=node_id)  # a problem of this node
        if (
            len(node_id) > 40
            or not node_id.replace("_", "").isalnum()
            or (not node_id.islower() and not node_id.isdigit())
        ):
            at(base, f"node id '{node_id}' must use only lowercase letters, digits and _", code="node_id_chars")
        if not fits(NodeButton(flow.id, node_id)):
            at(base, f"node id '{node_id}' is too long for a Telegram button; shorten it", code="node_id_long")
        for lang in LANGUAGES:
            text, at_text = node.text.get(lang, ""), partial(at, (*base, "text", lang), lang=lang)
            the_text = f"{who}: the {LANGUAGE_NAMES[lang]} text"
            if not text.strip():
                # shown at that language's text; the same line for the CLI
                at_text(f"{who} has no {LANGUAGE_NAMES[lang]} text", code="text_missing")
            elif len(text) > MAX_TEXT:
                message = f"{the_text} is too long ({len(text)} characters, at most {MAX_TEXT})"
                at_text(message, code="text_too_long", length=len(text), most=MAX_TEXT)
            if len(text) > PHONE_SCREEN:
                message = (
                    f"{the_text} is long for a phone screen ({len(text)} characters; aim for at most {PHONE_SCREEN})"
                )
                at_text(message, "warning", code="text_long_for_phone", length=len(text), most=PHONE_SCREEN)
            if lang != "nl" and text.strip():
                review = node.review.get(lang)
                if review is None:
                    message = f"{the_text} has no review status (add review: {lang}: {{reviewed: false}})"
                    at_text(message, "warning", code="review_missing")
                elif node.is_stale(lang):
                    message = f"{who}: the Dutch text changed after the {LANGUAGE_NAMES[lang]} translation was made; update the translation"
                    at((*base, "review", lang), message, "warning", code="translation_stale", lang=lang)
        if not node.sources and (
            link_lang := next((lang for lang in LANGUAGES if LINK.search(node.text.get(lang, ""))), None)
        ):
            at(
                (*base, "text", link_lang),
                f"{who}: the {LANGUAGE_NAMES[link_lang]} text links to a website but the node names no "
                "source (add sources: with the url and the date it was checked)",
                code="link_without_source",
                lang=link_lang,
            )
        if node.factual and not node.sources:
            message = f"{who} states facts but has no sources (add sources: with url and checked date)"
            at(base, message, code="facts_without_source")
        if not node.factual and (found := rule_like(node.text.get("nl", ""))):
            message = f"{who} states {' and '.join(found)} but is marked factual: false; set factual: true and add the source that says it"
            at((*base, "factual"), message, code="rule_not_factual")
        for lang in LANGUAGES:
            text, at_text = node.text.get(lang, ""), partial(at, (*base, "text", lang), lang=lang)
            the_text = f"{who}: the {LANGUAGE_NAMES[lang]} text"
            if amount_without_date(text):
                message = f"{the_text} names an amount without a date; say from when it holds (for example 'sinds 1 januari 2026')"
                at_text(message, code="amount_without_date")
            for entry in alternatives_used(text, lang, glossary):
                says, parts = _glossary_says(entry)
                at_text(f"{the_text} {says}", "warning", code="glossary_text", **parts)
        for i, button in enumerate(node.buttons):
            this = f"{who} button {i + 1}"
            at_button = partial(at, (*base, "buttons", i), number=i + 1)  # a problem of this button
            if (button.goto is None) == (button.action is None):
                at_button(f"{this} needs exactly one of goto or action", code="button_goto_or_action")
                continue
            if button.goto is not None:
                target_flow, target_node = flow.resolve(button.goto)
                linked = all_flows.get(target_flow)
                if linked is None or target_node not in linked.nodes:
                    message = f"{this} goes to '{button.goto}', which does not exist"
                    at_button(message, code="button_target_missing", target=button.goto)
                for lang in LANGUAGES:
                    label, at_label = button.label.get(lang, ""), partial(at_button, lang=lang)
                    the_label = f"{this}: the {LANGUAGE_NAMES[lang]} label"
                    for entry in alternatives_used(label, lang, glossary):
                        says, parts = _glossary_says(entry)
                        at_label(f"{the_label} {says}", "warning", code="glossary_label", **parts)
                    if not label.strip():
                        at_label(f"{this} has no {LANGUAGE_NAMES[lang]} label", code="label_missing")
                    elif len(label) > MAX_LABEL:
                        message = f"{the_label} is too long ({len(label)} characters, at most {MAX_LABEL})"
                        at_label(message, code="label_too_long", length=len(label), most=MAX_LABEL)


def read_texts(flows_dir: Path) -> dict[str, str]:
    """The flow files' texts by flow id (file stem), as they are on disk."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(flows_dir.glob("*.yml"))}


def check_flows(flows_dir: Path, display_root: Path | None = None) -> CheckResult:
    root = display_root or flows_dir.parent
    shown = str(flows_dir.relative_to(root)) if flows_dir.is_relative_to(root) else str(flows_dir)
    texts = read_texts(flows_dir)
    if not texts:
        return CheckResult(
            FlowSet({}), [Problem(str(flows_dir), 1, "there are no flow files (*.yml) here", code="no_files")]
        )
    return check_texts(texts, load_glossary(flows_dir / GLOSSARY_FILE), f"{shown}/{{}}.yml")


def check_texts(texts: dict[str, str], glossary: list[Entry], display: str = "{}.yml") -> CheckResult:
    """The checks of `flows check` on flow texts by flow id (files, or content from the database).
    `display` names a flow in problems, e.g. "flows/{}.yml"."""
    problems: list[Problem] = []
    files: list[_File] = []
    for stem in sorted(texts):
        loaded = _read(stem, texts[stem], display.format(stem), problems)
        if loaded is not None:
            files.append(loaded)
    all_flows = {f.flow.id: f.flow for f in files}
    owner: dict[str, str] = {}
    for f in files:
        _check_file(f, all_flows, problems, glossary)
        for intent in f.flow.intents:
            if intent in owner:
                message = f"intent '{intent}' is already answered by {owner[intent]}"
                params = (("intent", intent), ("file", owner[intent]))
                problems.append(
                    Problem(f.name, _line(f.lines, ("intents",)), message, code="intent_taken", params=params)
                )
            owner.setdefault(intent, f.name)
    return CheckResult(FlowSet(all_flows), problems)


def load_flows(flows_dir: Path) -> FlowSet:
    """The flows, or FlowsInvalidError with every error when the set is not valid."""
    result = check_flows(flows_dir)
    if result.errors:
        raise FlowsInvalidError(result.errors)
    return result.flows

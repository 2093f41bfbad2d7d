"""Reads the Rasa 3 NLU training data (nlu/data/<lang>.yml), the same files a Rasa server trains on."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.types import Entity

# [surface](entity) or [surface]{"entity": "...", "value": "..."}
_ANNOTATION = re.compile(r"\[(?P<surface>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    entities: tuple[tuple[str, Entity], ...] = ()  # (surface text, entity)
    node: str | None = None  # from nlu/nodes: the node of the intent's flow this question is about
    followup: bool = False  # from nlu/followups: only for follow-ups of that node, never an intent example


class TrainingDataError(ValueError):
    pass


# libyaml's parser where PyYAML has it: the same documents, ~10x quicker (a cold start reads all of nlu/data).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def example_lines(block: dict[str, Any]) -> list[str]:
    """The examples of a Rasa NLU block: its `examples: |` lines that start with "- ", without it."""
    lines = (line.strip() for line in str(block.get("examples") or "").splitlines())
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def parse_example(raw: str) -> tuple[str, tuple[tuple[str, Entity], ...]]:
    """Strip Rasa entity annotations from an example; return the plain text and (surface, entity) pairs."""
    found: list[tuple[str, Entity]] = []

    def replace(match: re.Match[str]) -> str:
        surface = match.group("surface")
        if match.group("name"):
            found.append((surface, Entity(match.group("name"), surface)))
        else:
            spec = json.loads(match.group("json"))
            found.append((surface, Entity(str(spec["entity"]), str(spec.get("value", surface)))))
        return surface

    return _ANNOTATION.sub(replace, raw), tuple(found)


def annotate(example: Example) -> str:
    """The example as a Rasa training line: its text with the entity annotations put back."""
    text = example.text
    done = 0  # annotate left to right, never inside an annotation already written
    for surface, entity in example.entities:
        at = text.find(surface, done)
        if at < 0:
            raise TrainingDataError(f"entity {surface!r} not in {example.text!r}")
        if entity.value == surface:
            marked = f"[{surface}]({entity.entity})"
        else:
            spec = json.dumps({"entity": entity.entity, "value": entity.value}, ensure_ascii=False)
            marked = f"[{surface}]{spec}"
        text = text[:at] + marked + text[at + len(surface) :]
        done = at + len(marked)
    return text


def rasa_yaml(examples: Sequence[Example]) -> str:
    """Rasa 3 NLU YAML for `examples` (grouped by intent, first-seen order), e.g. one cross-validation fold."""
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(annotate(example))
    blocks = [
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {line}\n" for line in lines)
        for intent, lines in by_intent.items()
    ]
    return 'version: "3.1"\nnlu:\n' + "\n".join(blocks)


def load_examples(data_dir: Path) -> list[Example]:
    """All examples of `data_dir/*.yml`; the file name (nl.yml, ar.yml, ...) is the examples' language."""
    examples: list[Example] = []
    files = sorted(data_dir.glob("*.yml"))
    if not files:
        raise TrainingDataError(f"no training data in {data_dir}")
    for path in files:
        language = path.stem
        doc = _read_yaml(path) or {}
        for block in doc.get("nlu", []):
            intent = block.get("intent")
            if not intent:
                continue  # synonyms, lookup tables, regexes
            for line in example_lines(block):
                text, entities = parse_example(line)
                if text:
                    examples.append(Example(text, intent, language, entities))
    return examples


def load_node_examples(nodes_dir: Path, *, followup: bool = False) -> list[Example]:
    """Questions per answer node (nlu/nodes/<lang>.yml: intent -> node -> list of questions).

    They are examples of their intent as well, and teach the classifier which node of the flow answers.
    `followup`: nlu/followups, the same layout: follow-ups without the topic's words, for nodes only."""
    examples: list[Example] = []
    for path in sorted(nodes_dir.glob("*.yml")):
        doc = _read_yaml(path) or {}
        for intent, nodes in doc.items():
            for node, texts in (nodes or {}).items():
                for text in texts or []:
                    if str(text).strip():
                        examples.append(Example(str(text).strip(), str(intent), path.stem, (), str(node), followup))
    return examples


# Intent of the nlu/openers lines: not a class, only put in front of content examples in training
# (bot/nlu/compose.py).
OPENER = "_opener"


def load_openers(openers_dir: Path) -> list[Example]:
    """nlu/openers/<lang>.yml: introductions people write before their question, as `OPENER` examples."""
    return [
        Example(str(line), OPENER, path.stem)
        for path in sorted(openers_dir.glob("*.yml"))
        for line in _read_yaml(path) or []
    ]


def load_training(nlu_dir: Path, *, followups: bool = False) -> list[Example]:
    """Everything the embedded classifier trains on: nlu/data (intents), nlu/nodes (answer nodes) and
    nlu/openers (openings put in front of questions); with `followups`, also nlu/followups (the bot's
    model: only its node lookup for follow-ups reads them; evaluations of intents leave them out)."""
    found = load_examples(nlu_dir / "data")
    if (nlu_dir / "nodes").is_dir():
        found += load_node_examples(nlu_dir / "nodes")
    if (nlu_dir / "openers").is_dir():
        found += load_openers(nlu_dir / "openers")
    if followups and (nlu_dir / "followups").is_dir():
        found += load_node_examples(nlu_dir / "followups", followup=True)
    return found

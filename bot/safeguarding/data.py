"""The safeguarding data: nlu/safeguarding/<lang>.yml (development) and heldout/<lang>.yml
(evaluation only), Rasa 3 YAML with one intent per category and `none` for hard negatives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.nlu.data import example_lines

NONE = "none"


@dataclass(frozen=True)
class Example:
    text: str
    category: str  # a safeguarding category, or "none"
    language: str
    source: str = ""  # the file's name without the language: "" for <lang>.yml, "round2", "b"...


def load(directory: Path) -> list[Example]:
    """The examples of every <lang>.yml or <lang>_<part>.yml directly in `directory`."""
    return load_files(sorted(directory.glob("*.yml")))


def load_files(paths: Iterable[Path]) -> list[Example]:
    """The examples of these <lang>.yml or <lang>_<part>.yml files."""
    examples: list[Example] = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            language, _, part = path.stem.partition("_")
            source = f"{path.parent.name}/{part}"
            examples += [Example(text, str(block["intent"]), language, source) for text in example_lines(block)]
    return examples

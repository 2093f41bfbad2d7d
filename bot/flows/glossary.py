"""flows/GLOSSARY.md (its format: that file): per language the word for each recurring term and its known
alternatives; `flows check` warns on an alternative outside double quotes and web addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.flows.quality import URL
from bot.languages import LANGUAGES

GLOSSARY_FILE = "GLOSSARY.md"

_HEADING = re.compile(r"^##\s+([a-z]{2})\b")
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»")


@dataclass(frozen=True)
class Entry:
    lang: str
    term: str
    use: str
    alternative: str
    line: int
    pattern: re.Pattern[str]


def _pattern(word: str) -> re.Pattern[str]:
    # Latin words match as whole words; Arabic and Ge'ez words also inside a longer word, because
    # articles and prefixes are written onto the word (المرشد, بالمرشد).
    if all(ord(c) < 0x250 for c in word):
        return re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])")
    return re.compile(re.escape(word))


def load_glossary(path: Path) -> list[Entry]:
    """The entries of the glossary at `path`; [] when there is none."""
    if not path.is_file():
        return []
    entries: list[Entry] = []
    lang: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if heading := _HEADING.match(line):
            lang = heading.group(1) if heading.group(1) in LANGUAGES else None
            continue
        if lang is None or not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set(cells[0]) <= {"-", ":", " "} or cells[0].lower() == "term":
            continue
        for alternative in (a.strip().strip("`") for a in cells[2].split(",")):
            if alternative and alternative != "-":
                entries.append(Entry(lang, cells[0], cells[1].strip("`"), alternative, number, _pattern(alternative)))
    return entries


def alternatives_used(text: str, lang: str, entries: list[Entry]) -> list[Entry]:
    """The glossary entries whose known alternative `text` (in `lang`) uses."""
    checked = URL.sub(" ", _QUOTED.sub(" ", text))
    return [e for e in entries if e.lang == lang and e.pattern.search(checked)]

"""Checks and normalises intake answers; invalid answers are re-asked, never stored."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.textnorm import normalize

DATA = Path(__file__).resolve().parent.parent / "data"


def _fold(text: str) -> str:
    """Lower case, no accents, no punctuation: 'Súdwest-Fryslân' -> 'sudwest fryslan'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass(frozen=True)
class Municipalities:
    names: tuple[str, ...]
    by_folded: dict[str, str]

    @classmethod
    def load(cls, directory: Path = DATA) -> Municipalities:
        names = tuple(
            line.strip() for line in (directory / "municipalities.txt").read_text("utf-8").splitlines() if line.strip()
        )
        by_folded = {_fold(name): name for name in names}
        aliases = directory / "municipality_aliases.txt"
        if aliases.is_file():
            for line in aliases.read_text("utf-8").splitlines():
                if "\t" in line:
                    alias, official = line.split("\t", 1)
                    if official.strip() in names:
                        by_folded[_fold(alias)] = official.strip()
        return cls(names, by_folded)

    def match(self, text: str) -> tuple[str | None, list[str]]:
        """(the municipality, None) for a known name typed with any spelling of accents, case and
        punctuation; otherwise (None, close suggestions)."""
        folded = _fold(text)
        if not folded:
            return None, []
        if folded in self.by_folded:
            return self.by_folded[folded], []
        close = difflib.get_close_matches(folded, list(self.by_folded), n=3, cutoff=0.75)
        return None, list(dict.fromkeys(self.by_folded[c] for c in close))


@cache
def municipalities() -> Municipalities:
    return Municipalities.load()


_PHONE_CLEAN = re.compile(r"[\s\-().]")
_DUTCH_MOBILE = re.compile(r"^(?:\+31|0031|0)6\d{8}$")
_DUTCH_OTHER = re.compile(r"^(?:\+31|0031|0)[1-9]\d{8}$")
_INTERNATIONAL = re.compile(r"^(?:\+|00)[1-9]\d{7,14}$")


def phone(text: str) -> str | None:
    """A Dutch or international phone number in a standard form (+31612345678), or None."""
    cleaned = _PHONE_CLEAN.sub("", normalize(text))
    if _DUTCH_MOBILE.match(cleaned) or _DUTCH_OTHER.match(cleaned):
        national = re.sub(r"^(?:\+31|0031|0)", "", cleaned)
        return f"+31{national}"
    if _INTERNATIONAL.match(cleaned):
        return "+" + cleaned.lstrip("+").removeprefix("00") if cleaned.startswith("00") else cleaned
    return None


def first_name(text: str) -> str | None:
    name = " ".join(text.split())
    if not 1 <= len(name) <= 40 or any(ch.isdigit() for ch in name) or not any(ch.isalpha() for ch in name):
        return None
    if len(name.split()) > 3:
        return None
    return name


def free_text(text: str, max_length: int) -> str | None:
    value = " ".join(text.split())
    if not value or not any(ch.isalnum() for ch in value):
        return None
    return value[:max_length]


def years(text: str) -> str | None:
    digits = normalize(text)
    match = re.fullmatch(r"(\d{1,3})(?:\s*[^\d\s]\D*)?", digits)
    if match is None:
        return None
    value = int(match.group(1))
    return str(value) if 0 <= value <= 60 else None

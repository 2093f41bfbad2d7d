"""Checks and normalises intake answers; invalid answers are re-asked, never stored."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers

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


def phone(text: str) -> str | None:
    """A valid phone number, Dutch unless it says otherwise, in E.164 form (+31612345678), or None."""
    try:
        number = phonenumbers.parse(normalize(text), "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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

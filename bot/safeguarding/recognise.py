"""The safeguarding recogniser: curated phrase patterns per category over normalised sentences.

It is separate from the intent classifier on purpose: it must work whichever NLU backend is
configured (embedded or Rasa) and it is tuned for recall, not for accuracy. A long message is split
into sentences and the most urgent category found in any of them wins, so a disclosure inside a
question about something else is still seen. See bench/README.md, section Safeguarding."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.safeguarding.patterns import EXCEPTIONS, PATTERNS, PRIORITY
from bot.textnorm import normalize as _normalize

CATEGORIES: tuple[str, ...] = PRIORITY
MAX_CHARS = 4000  # Telegram's limit is 4096; longer input is cut, never skipped
_ETHIOPIC_SYLLABLE = re.compile(r"[\u1200-\u135a]")


def normalize(text: str) -> str:
    """The repo's normalisation, then every Ethiopic syllable reduced to its consonant (sixth order),
    so that Tigrinya spellings differing in the vowel (ዓሌትነት / ዓሌታዊ) meet the same pattern."""
    return _ETHIOPIC_SYLLABLE.sub(lambda m: chr((ord(m.group()) & ~7) + 5), _normalize(text))


_SENTENCES = re.compile(r"(?<=[.!?;\n])\s*|\s+(?:but|maar|لكن|بس|ግን)\s+")


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    """One regex for a list of patterns, normalised like the text they meet."""
    return re.compile("|".join(f"(?:{normalize(p)})" for p in patterns) or r"(?!)")


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    """Per category: what raises it, and what cancels it in the same sentence."""
    return {c: (_alternation(PATTERNS[c]), _alternation(EXCEPTIONS.get(c, []))) for c in PRIORITY}


def sentences(text: str) -> list[str]:
    """The message in sentences (and the whole message, for phrases across a full stop)."""
    normalized = normalize(text[:MAX_CHARS].replace("\n", ". "))
    parts = [p.strip(" .!?;,") for p in _SENTENCES.split(normalized)]
    return [p for p in dict.fromkeys([*parts, normalized]) if p]


def categories(text: str) -> set[str]:
    """Every category found in any sentence of `text`."""
    found: set[str] = set()
    compiled = _compiled()
    for sentence in sentences(text):
        for category, (pattern, exception) in compiled.items():
            if category not in found and pattern.search(sentence) and not exception.search(sentence):
                found.add(category)
    return found


def most_urgent(found: Iterable[str]) -> str | None:
    present = set(found)
    return next((c for c in PRIORITY if c in present), None)


def recognise(text: str | None) -> str | None:
    """The most urgent safeguarding category in `text`, or None."""
    if not text or not text.strip():
        return None
    return most_urgent(categories(text))

"""The safeguarding recogniser: curated phrase patterns per category over normalised sentences.

It is separate from the intent classifier on purpose: it must work whichever NLU backend is
configured (embedded or Rasa) and it is tuned for recall, not for accuracy. A long message is split
into sentences and the most urgent category found in any of them wins, so a disclosure inside a
question about something else is still seen. See bench/README.md, section Safeguarding."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache

from bot.safeguarding.patterns import (
    BIRTH_YEAR,
    ETHIOPIAN_ERA,
    EXCEPTIONS,
    MASKS,
    PATTERNS,
    PRIORITY,
    minor_by_birth_year,
)
from bot.textnorm import normalize as _normalize

CATEGORIES: tuple[str, ...] = PRIORITY
MAX_CHARS = 4000  # Telegram's limit is 4096; longer input is cut, never skipped
# Every Ethiopic syllable to its row's sixth order (the bare consonant), as one translation table.
_ETHIOPIC_SKELETON = {c: (c & ~7) + 5 for c in range(0x1200, 0x135B)}


def normalize(text: str) -> str:
    """The repo's normalisation, then every Ethiopic syllable reduced to its consonant (sixth order),
    so that Tigrinya spellings differing in the vowel (ዓሌትነት / ዓሌታዊ) meet the same pattern."""
    return _normalize(text).translate(_ETHIOPIC_SKELETON)


_SENTENCES = re.compile(r"(?<=[.!?;\n])\s*|\s+(?:but|maar|لكن|بس|ግን)\s+")


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    """One regex for a list of patterns, normalised like the text they meet."""
    return re.compile("|".join(f"(?:{normalize(p)})" for p in patterns) or r"(?!)")


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    """Per category: what raises it, and what cancels it in the same sentence."""
    return {c: (_alternation(PATTERNS[c]), _alternation(EXCEPTIONS.get(c, []))) for c in PRIORITY}


@lru_cache(maxsize=1)
def _masks() -> dict[str, re.Pattern[str]]:
    """Per category: the spans its patterns do not see (patterns.MASKS)."""
    return {c: _alternation(MASKS[c]) for c in MASKS}


def _seen_by(category: str, sentence: str) -> str:
    """The sentence as `category`'s patterns see it: its masked spans blanked out."""
    mask = _masks().get(category)
    return mask.sub(" ", sentence) if mask is not None else sentence


@lru_cache(maxsize=1)
def _birth_year() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A stated birth year, and the Ethiopian calendar's mark after it."""
    return _alternation(BIRTH_YEAR), _alternation([ETHIOPIAN_ERA])


def whole(text: str) -> str:
    """The whole message, normalised as its sentences are."""
    return normalize(text[:MAX_CHARS].replace("\n", ". "))


def split(text: str) -> tuple[list[str], int]:
    """The message's sentences and the whole message (for phrases across a full stop), normalised;
    and the index of the whole message among them (-1 when it is empty)."""
    normalized = whole(text)
    parts = [p.strip(" .!?;,") for p in _SENTENCES.split(normalized)]
    unique = [p for p in dict.fromkeys([*parts, normalized]) if p]
    return unique, unique.index(normalized) if normalized in unique else -1


def categories(text: str, today: date | None = None) -> set[str]:
    """Every category found in any sentence of `text`; a stated birth year is judged against `today`
    (by default today's date in UTC)."""
    found: set[str] = set()
    compiled = _compiled()
    day = today or datetime.now(UTC).date()
    birth_year, era = _birth_year()
    for sentence in split(text)[0]:
        for category, (pattern, exception) in compiled.items():
            if (
                category not in found
                and pattern.search(_seen_by(category, sentence))
                and not exception.search(sentence)
            ):
                found.add(category)
        if (
            "minor" not in found
            and minor_by_birth_year(_seen_by("minor", sentence), birth_year, day, era)
            and not compiled["minor"][1].search(sentence)
        ):
            found.add("minor")
    return found


def most_urgent(found: Iterable[str]) -> str | None:
    present = set(found)
    return next((c for c in PRIORITY if c in present), None)


def patterns_only(text: str | None, today: date | None = None) -> str | None:
    """The most urgent category the patterns find in `text`, or None."""
    if not text or not text.strip():
        return None
    return most_urgent(categories(text, today))


def recognise(text: str | None) -> str | None:
    """The most urgent safeguarding category in `text`, or None: the patterns, or else the learned
    model (bot/safeguarding/model.py) once it is trained. Recall first: either one is enough."""
    found = patterns_only(text)
    if found is None and text and text.strip():
        from bot.safeguarding.model import current  # here: model.py imports this module

        model = current()
        if model is not None:
            return model.recognise(text)
    return found

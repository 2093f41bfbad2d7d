"""Content checks a coach asks for: plain language, rule-like statements, amounts without a date. Plain language is
LIX (words per sentence + share of words over six letters): no word lists or syllables needed, easy to explain."""

from __future__ import annotations

import re
from dataclasses import dataclass

# B1 targets: about 15 words a sentence at most, LIX up to 40 ("easy" text).
MAX_SENTENCE_WORDS = 15.0
MAX_LIX = 40.0

URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A sentence ends at . ! ? : or a line end (bullets and short lines are sentences of their own).
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n")

# Reliably rule-like: a money amount, a percentage or a duration in weeks/months/years.
_AMOUNT = re.compile(r"€\s?\d|\d\s?(?:euro|يورو|ዩሮ)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s?%")
_DURATION = re.compile(
    r"\b\d+\s?(?:werkweken|weken|week|maanden|maand|jaar|jaren|weeks?|months?|years?)\b", re.IGNORECASE
)
# Words that often state a rule; found only for review, since they also occur in plain advice.
_RULE_WORDS = re.compile(
    r"\b(?:verplicht|moet|moeten|mag niet|mogen niet|verboden|recht op|boete|wet|niet nodig|geen \w+ nodig|"
    r"must|required|not allowed|obliged|fine|the law|right to|not needed|no \w+ needed)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b20\d\d\b")
_HOME_PAGE = re.compile(r"^https?://[^/\s]+/?$")


@dataclass(frozen=True)
class Readability:
    sentences: int
    words: int
    long_words: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def lix(self) -> float:
        if not self.words:
            return 0.0
        return self.words_per_sentence + 100.0 * self.long_words / self.words

    @property
    def plain(self) -> bool:
        return self.words_per_sentence <= MAX_SENTENCE_WORDS and self.lix <= MAX_LIX

    def __add__(self, other: Readability) -> Readability:
        return Readability(
            self.sentences + other.sentences, self.words + other.words, self.long_words + other.long_words
        )


def readability(text: str) -> Readability:
    """Counts for LIX; web addresses are left out (they are neither words nor sentences)."""
    text = URL.sub(" ", text)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    return Readability(len(sentences), len(words), sum(1 for w in words if len(w) > 6))


def rule_like(text: str) -> list[str]:
    """What makes `text` reliably state a rule or a figure (amount, percentage, duration); [] if nothing."""
    text = URL.sub(" ", text)
    found = []
    if _AMOUNT.search(text):
        found.append("an amount")
    if _PERCENT.search(text):
        found.append("a percentage")
    if match := _DURATION.search(text):
        found.append(f"a duration ('{match.group(0)}')")
    return found


def rule_words(text: str) -> list[str]:
    """Words that may state a rule (moet, verplicht, must, ...), for review by a person."""
    return sorted({m.group(0).lower() for m in _RULE_WORDS.finditer(URL.sub(" ", text))})


def amount_without_date(text: str) -> bool:
    """True when `text` names a money amount but no year, so a reader cannot tell how current it is."""
    text = URL.sub(" ", text)
    return bool(_AMOUNT.search(text)) and not _YEAR.search(text)


def is_home_page(url: str) -> bool:
    """True for a site's front page, which rarely states the rule a node cites it for."""
    return bool(_HOME_PAGE.match(url))

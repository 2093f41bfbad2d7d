"""Messages with several parts: a greeting, thanks or who someone is, then one or two questions.

Two measures (bench/README.md, NLU, tells which helped how much):
- training data shaped like real messages (`augment`): content examples with an opening in front (a greeting,
  thanks or an nlu/openers introduction of the same language), so the opening stops pulling towards `greet`;
- per-part classification (`segments`): a message split at sentence ends (Latin, Arabic and Ethiopic
  punctuation, new lines) and at "and" between questions; the dialog answers the first part that is a
  confident question and offers the next one as a button. When the whole message is torn between two topics,
  the first part about one of them that asks something (`QUESTION_WORD`) decides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.nlu.data import OPENER, Example
from bot.textnorm import normalize

PLEASANTRIES = frozenset({"greet", "thanks", "goodbye", "affirm", "deny"})
# Not a question the bot answers with a topic: openings, small talk and everything else.
NOT_QUESTIONS = PLEASANTRIES | {"out_of_scope"}
# Of the content examples, how many get one extra copy with an opening in front. 1.0 since 2026-12-05 night
# (0.5 before): cross-validated messages with an opening +2-4 points right, short lines the same (bench/README).
AUGMENT_SHARE = 1.0

# Sentence ends and clause breaks: . ! ? ; new line, Arabic ؟ ، ؛, Ethiopic ። ፧ ፣ ፤ (normalised to Latin
# marks by bot.textnorm, but `segments` also sees raw text).
_SENTENCE = re.compile(r"(?:[.!?;\n؟؛።፧፤]|,|،|፣)+\s*")
# "and" joining two questions: Dutch, English, Arabic (as a word of its own, or with a question word),
# Tigrinya ("ከምኡውን", "ከምኡ'ውን").
_AND = re.compile(
    r"\s+(?:en|and|also|ook|و|وكمان|وكذلك|وكيف|ووين|وشو|وكم|وقديش|وايش|ከምኡውን|ከምኡ'ውን|ከምኡ ድማ)\s+", re.IGNORECASE
)
MIN_PART = 2  # characters: a part shorter than this is glued to its neighbour
# A part that asks something: a question word of nl, en, ar (dialects) or ti, or a Tigrinya word ending in the
# question particle ዶ. Written normalised (bot.textnorm: ሓ -> ሃ, ኣ -> አ, ى -> ي, أ -> ا).
_QUESTION_WORDS = (
    "hoe wat waar wanneer welke welk wie waarom hoeveel hoelang kan kun kunt mag moet "
    "how what where when which who why can could should do does is are may "
    "كيف كيفيه شلون ازاي وين فين شو ايش شنو ليش ليه لماذا متي امتي هل كم قديش اديش ممكن بقدر يمكن ماذا اين "
    "ከመይ አበይ እንታይ ክንደይ መአስ ስለምንታይ ንምንታይ መን ዶ ድየ ድዩ ዲዩ ዲኻ ዲኺ ዲና kemey abey entay kndey"
)
QUESTION_WORD = re.compile(
    rf"(?<!\w)(?:{'|'.join(normalize(w) for w in _QUESTION_WORDS.split())})(?!\w)|\w+ዶ(?!\w)", re.IGNORECASE
)


def segments(text: str) -> list[str]:
    """The parts of a message, in order (the message itself when it has only one)."""
    parts: list[str] = []
    for sentence in _SENTENCE.split(text):
        for part in _AND.split(sentence):
            part = part.strip()
            if len(part) >= MIN_PART:
                parts.append(part)
    return parts or [text]


def intent_training(examples: Sequence[Example], augmented: bool = True) -> list[Example]:
    """The texts an intent model learns from: the intent and node examples first (not the openings alone, not
    the follow-up lines), then, `augmented`, their copies with an opening in front. The embedded classifier and
    the Rasa export (`werkhelpdesk nlu export`) both train on exactly these."""
    examples = [e for e in examples if not e.followup]
    real = [e for e in examples if e.intent != OPENER]
    return real + augment(examples) if augmented else real


def augment(examples: Sequence[Example], share: float = AUGMENT_SHARE) -> list[Example]:
    """Extra training examples: content examples with a greeting, thanks or introduction in front.

    The openings are the language's own greet and thanks examples and its nlu/openers lines; about a third of
    the copies get two of them. Each choice is a hash of the example and the opening (highest score wins), not
    a draw from one random stream: an added line changes no other example's opening, and an added opening only
    those it now wins (a seeded stream moved every copy, and CV and held-out figures with it)."""
    by_language: dict[str, list[str]] = {}
    for e in examples:
        if e.intent in {"greet", "thanks", OPENER}:
            by_language.setdefault(e.language, []).append(e.text)
    hashes = {language: _hashes(pool) for language, pool in by_language.items()}
    extra: list[Example] = []
    for e in examples:
        pool = by_language.get(e.language)
        if e.intent in NOT_QUESTIONS or e.intent == OPENER or not pool:
            continue
        key = example_key(e)
        if _unit(f"{key}\x1fshare") >= share:
            continue
        opening = pool[_highest(hashes[e.language], f"{key}\x1ffirst")]
        if _unit(f"{key}\x1ftwo") < 0.35:
            second = pool[_highest(hashes[e.language], f"{key}\x1fsecond")]
            opening = f"{opening} {second}"
        extra.append(Example(f"{opening} {e.text}", e.intent, e.language, e.entities, e.node))
    return extra


def example_key(example: Example) -> str:
    """What identifies a training row for the hashed choices (its copy and openings, its calibration fold)."""
    return f"{example.language}\x1f{example.intent}\x1f{example.node}\x1f{example.text}"


def stable_hash(text: str) -> int:
    """A hash that is the same in every process and run (Python's own `hash` of a str is salted)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _unit(text: str) -> float:
    return stable_hash(text) / 2**64


def _hashes(pool: Sequence[str]) -> npt.NDArray[np.uint64]:
    return np.asarray([stable_hash(text) for text in pool], dtype=np.uint64)


def _highest(pool: npt.NDArray[np.uint64], key: str) -> int:
    """Rendezvous hashing: the index of the opening whose mix with `key` scores highest."""
    with np.errstate(over="ignore"):
        mixed = (pool ^ np.uint64(stable_hash(key))) * np.uint64(0x9E3779B97F4A7C15)
    return int(np.argmax(mixed ^ (mixed >> np.uint64(29))))

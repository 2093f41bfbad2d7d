"""Supported languages and how the language of a message is decided."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from babel import negotiate_locale

from bot.textnorm import normalize

LANGUAGES: Final = ("nl", "ar", "ti", "en")
RTL_LANGUAGES: Final = frozenset({"ar"})
# Each language named in its own script, for the language buttons.
NATIVE_NAMES: Final = {"nl": "Nederlands", "ar": "العربية", "ti": "ትግርኛ", "en": "English"}

_NL_WORDS = frozenset(
    [
        "ik",
        "je",
        "jij",
        "u",
        "wij",
        "we",
        "het",
        "de",
        "een",
        "en",
        "is",
        "ben",
        "heb",
        "hebt",
        "heeft",
        "wil",
        "wilt",
        "kan",
        "kun",
        "kunt",
        "mag",
        "moet",
        "niet",
        "geen",
        "wat",
        "hoe",
        "waar",
        "waarom",
        "wanneer",
        "wie",
        "mijn",
        "mij",
        "met",
        "voor",
        "van",
        "op",
        "naar",
        "ook",
        "maar",
        "dat",
        "dit",
        "die",
        "er",
        "zijn",
        "graag",
        "hallo",
        "hoi",
        "dank",
        "bedankt",
        "doei",
        "werk",
        "werken",
        "baan",
        "zoeken",
        "zoek",
        "hulp",
        "vraag",
        "goedemorgen",
        "goedemiddag",
        "alstublieft",
        "alsjeblieft",
        "nederlands",
        "taal",
        "diploma's",
        "erkennen",
        "waardering",
        "gemeente",
        "uitkering",
    ]
)
_EN_WORDS = frozenset(
    [
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "it",
        "the",
        "a",
        "an",
        "and",
        "is",
        "am",
        "are",
        "was",
        "have",
        "has",
        "want",
        "can",
        "could",
        "may",
        "must",
        "not",
        "no",
        "what",
        "how",
        "where",
        "why",
        "when",
        "who",
        "my",
        "me",
        "with",
        "for",
        "of",
        "on",
        "to",
        "also",
        "but",
        "that",
        "this",
        "there",
        "be",
        "please",
        "hello",
        "hi",
        "thanks",
        "thank",
        "bye",
        "work",
        "job",
        "find",
        "looking",
        "help",
        "question",
        "good",
        "morning",
        "english",
        "language",
        "recognise",
        "recognize",
        "degree",
    ]
)
# Arabic written in Latin letters ("Arabizi"): digits inside words and a few very common words.
_ARABIZI_WORDS = frozenset(
    [
        "ana",
        "enta",
        "enti",
        "inta",
        "bdi",
        "biddi",
        "baddi",
        "bade",
        "shu",
        "shou",
        "sho",
        "esh",
        "kif",
        "keef",
        "kifak",
        "kifik",
        "shlon",
        "shlonak",
        "marhaba",
        "salam",
        "alaikum",
        "3alaykum",
        "mar7aba",
        "shukran",
        "shokran",
        "yalla",
        "inshallah",
        "wallah",
        "habibi",
        "ahlan",
        "la2",
        "eh",
        "aywa",
        "shahada",
        "shahadti",
        "sha3ada",
        "3amal",
        "shoghol",
        "shoghl",
        "sho3'l",
        "wazifa",
        "wazife",
    ]
)
# Tigrinya typed in Latin letters: words common in it and absent from the Dutch, English and Arabizi data.
_TI_LATIN_WORDS = frozenset(
    [
        "kemey",
        "kemay",
        "srah",
        "sirah",
        "ksrh",
        "kserh",
        "kiserh",
        "nsrah",
        "delye",
        "deleye",
        "ydeley",
        "ydli",
        "yedli",
        "entay",
        "aleni",
        "aleka",
        "aleki",
        "aleku",
        "alekhum",
        "eyu",
        "abey",
        "kndey",
        "yrkeb",
        "yirkeb",
        "krekb",
        "rekibe",
        "dehan",
        "ykealdo",
        "bzaeba",
        "bzuh",
        "hagzuni",
        "kmhar",
        "kmehar",
        "yekenyeley",
        "hbereta",
        "tsbuq",
        "neyre",
        "yebleyn",
        "bejakum",
        "bejaka",
        "qwanqwa",
        "kwankwa",
        "tmhrti",
        "tmhrtey",
        "kzareb",
        "diplomay",
        "diplomaey",
        "kkewn",
        "ywesd",
        "kgebr",
        "iluni",
        "yfelet",
        "ykefel",
        "wereqet",
        "ytsahaf",
        "hollandnya",
        "cvey",
        "kjmr",
        "wolentawi",
        "aykonen",
        "temekro",
        "haftey",
        "mealti",
        "demoz",
        "demozey",
        "amesegnalehu",
        "btgrnya",
        "tigrigna",
        "ayfal",
        "ayfalen",
        "aydeln",
        "aydelyn",
    ]
)
_ARABIZI_DIGIT = re.compile(r"[a-z][2379]|[2379][a-z]")
_WORD = re.compile(r"[^\W\d_]+|\w+", re.UNICODE)
# A Dutch level (the intake asks for it) is no word: "a2" would count as the English "a".
_LEVEL = re.compile(r"\b[abc][0-2]\b")


@dataclass(frozen=True)
class ScriptCounts:
    arabic: int
    ethiopic: int
    latin: int


def count_scripts(text: str) -> ScriptCounts:
    arabic = ethiopic = latin = 0
    for ch in text:
        cp = ord(ch)
        if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFEFC:
            arabic += ch.isalpha()
        elif 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
            ethiopic += ch.isalpha()
        elif (ch.isascii() and ch.isalpha()) or 0x00C0 <= cp <= 0x024F:
            latin += 1
    return ScriptCounts(arabic, ethiopic, latin)


def detect_language(text: str) -> str | None:
    """The language a message is written in, or None when the text does not tell: script first (Ethiopic -> ti,
    Arabic -> ar); Latin text is Dutch, English, Arabizi or Tigrinya by its words."""
    counts = count_scripts(text)
    if counts.ethiopic > 0 and counts.ethiopic >= max(counts.arabic, counts.latin // 2):
        return "ti"
    if counts.arabic > 0 and counts.arabic >= counts.latin // 2:
        return "ar"
    if counts.latin == 0:
        return None
    words = _WORD.findall(_LEVEL.sub(" ", normalize(text)))
    nl = sum(w in _NL_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    arabizi = sum(w in _ARABIZI_WORDS or bool(_ARABIZI_DIGIT.search(w)) for w in words)
    tigrinya = sum(w in _TI_LATIN_WORDS for w in words)
    best = max(nl, en, arabizi)
    if tigrinya > best:
        return "ti"
    if best == 0:
        return None
    if arabizi == best and arabizi > max(nl, en):
        return "ar"
    if nl == en:
        return None
    return "nl" if nl > en else "en"


def negotiate(language_code: str | None) -> str | None:
    """Telegram's `language_code` (an IETF tag such as 'ar-SY') matched to a supported language."""
    if not language_code:
        return None
    return negotiate_locale([language_code.replace("-", "_")], list(LANGUAGES), sep="_") or negotiate_locale(
        [language_code.split("-")[0].lower()], list(LANGUAGES)
    )


def resolve_language(
    *,
    text: str | None,
    chosen: str | None,
    last: str | None,
    telegram_code: str | None,
    default: str,
) -> str:
    """The reply language: the one the user chose (until they change it), else this message's when its script or
    words tell, else the conversation's so far, else Telegram's language_code when supported, else the default."""
    if chosen in LANGUAGES:
        return chosen
    detected = detect_language(text) if text else None
    if detected:
        return detected
    if last in LANGUAGES:
        return last
    return negotiate(telegram_code) or default

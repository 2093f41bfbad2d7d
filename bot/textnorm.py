"""Text normalisation shared by language detection and the NLU (Arabic, Ethiopic, invisible marks)."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, direction marks and embeddings, the Arabic letter mark, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x061C, 0x180E, 0xFEFF, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070)]
)

# Arabic: diacritics (harakat, shadda, sukun, Quranic marks), superscript alef, tatweel.
_AR_DIACRITICS = dict.fromkeys([*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640])
_AR_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "؟": "?",
        "،": ",",
        "؛": ";",
    }
)
_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)


def _ethiopic_row(src: int, dst: int, length: int = 8) -> dict[int, int]:
    return {src + i: dst + i for i in range(length)}


# Ethiopic letters that people write interchangeably: ሐ/ኀ -> ሀ, ሠ -> ሰ, ዐ -> አ, ፀ -> ጸ (all orders).
# Tigrinya's ኸ and ቐ are k and q after a vowel: many write ከ and ቀ for them (የቀንየለይ, ክከይድ), so -> ከ, ቀ,
# with their labialised forms.
_ET_LETTERS: dict[int, int | str] = {
    **_ethiopic_row(0x1210, 0x1200),
    **_ethiopic_row(0x1280, 0x1200, 7),
    **_ethiopic_row(0x1220, 0x1230),
    **_ethiopic_row(0x12D0, 0x12A0, 7),
    **_ethiopic_row(0x1340, 0x1338, 7),
    **_ethiopic_row(0x12B8, 0x12A8, 7),
    **_ethiopic_row(0x12C0, 0x12B0, 6),
    **_ethiopic_row(0x1250, 0x1240, 7),
    **_ethiopic_row(0x1258, 0x1248, 6),
    ord("።"): ".",
    ord("፣"): ",",
    ord("፤"): ";",
    ord("፥"): ":",
    ord("፦"): ":",
    ord("፧"): "?",
    ord("፡"): " ",
    ord("፨"): " ",
}
_SPACES = re.compile(r"\s+")
# Ge'ez numerals: ፩-፱ (1-9), ፲-፺ (10-90), ፻ (100), ፼ (10,000); a run of them is one number (፲፭ = 15).
_GEEZ_VALUES = {
    **{chr(0x1369 + i): i + 1 for i in range(9)},
    **{chr(0x1372 + i): (i + 1) * 10 for i in range(9)},
}
_GEEZ_NUMBER = re.compile("[\u1369-\u137c]+")
# ኣ (the Eritrean spelling of the vowel a) and አ (the Ethiopian one) are written for the same sound.
_ET_A = str.maketrans({"ኣ": "አ"})


def _geez_number(match: re.Match[str]) -> str:
    total, group = 0, 0
    for ch in match.group():
        if ch == "፻":  # hundred: multiplies what came before it in this group of ten thousand
            group = (group or 1) * 100
        elif ch == "፼":  # ten thousand: multiplies everything before it
            total = (total + group or 1) * 10_000
            group = 0
        else:
            group += _GEEZ_VALUES[ch]
    return str(total + group)


def strip_invisible(text: str) -> str:
    """Remove zero-width characters and direction marks."""
    return text.translate(_INVISIBLE)


def normalize(text: str) -> str:
    """Normalise text for matching: NFKC, no invisible marks, folded Arabic and Ethiopic variants,
    Western digits, lower case and single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_invisible(text)
    text = text.translate(_AR_DIACRITICS).translate(_AR_LETTERS).translate(_DIGITS)
    text = text.translate(_ET_LETTERS).translate(_ET_A)
    text = _GEEZ_NUMBER.sub(_geez_number, text)
    text = text.casefold()
    return _SPACES.sub(" ", text).strip()

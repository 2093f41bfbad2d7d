from __future__ import annotations

import pytest

from bot.languages import detect_language, negotiate, resolve_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("شلون بعادل شهادتي الجامعية؟", "ar"),
        ("بدي اعادل شهادتي", "ar"),
        ("ዲፕሎማይ ከመይ ክፈልጦ", "ti"),
        ("ik wil CV maken", "nl"),
        ("Hoe kan ik mijn diploma laten waarderen?", "nl"),
        ("how can I get my degree recognised", "en"),
        ("bdi 3adel shahadti", "ar"),  # Arabizi
        ("CV", None),
        ("😀👍", None),
        ("12345", None),
        ("IDW ዲፕሎማ ከመይ", "ti"),  # mixed script: mostly Ethiopic
        ("ana bdi shoghol", "ar"),
        ("selam kemey aleka, srah delye", "ti"),  # Tigrinya in Latin letters
        ("kemey geire diplomay kfelto", "ti"),
        ("selam ik zoek werk", "nl"),  # one Tigrinya greeting does not outweigh the Dutch
        ("A2", None),  # a Dutch level, typed at the intake's question: not the English "a"
        ("ik heb a2", "nl"),
        ("i have a car", "en"),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ar-SY", "ar"),
        ("nl-BE", "nl"),
        ("en", "en"),
        ("ti", "ti"),
        ("fa", None),
        ("so", None),
        (None, None),
        ("", None),
    ],
)
def test_negotiate_telegram_language_code(code: str | None, expected: str | None) -> None:
    assert negotiate(code) == expected


def test_explicit_choice_wins_over_everything() -> None:
    assert resolve_language(text="hello there", chosen="ti", last="en", telegram_code="ar", default="nl") == "ti"


def test_text_script_wins_over_history_and_telegram() -> None:
    assert resolve_language(text="مرحبا", chosen=None, last="nl", telegram_code="en", default="nl") == "ar"


def test_history_wins_when_text_does_not_tell() -> None:
    assert resolve_language(text="CV", chosen=None, last="ti", telegram_code="en", default="nl") == "ti"


def test_telegram_language_then_default() -> None:
    assert resolve_language(text="👍", chosen=None, last=None, telegram_code="ar-IQ", default="nl") == "ar"
    assert resolve_language(text="👍", chosen=None, last=None, telegram_code="fa", default="nl") == "nl"
    assert resolve_language(text=None, chosen=None, last=None, telegram_code=None, default="en") == "en"

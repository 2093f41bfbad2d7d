from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import RLM, directional
from bot.render import split_text


def test_arabic_line_starting_with_latin_gets_a_right_to_left_mark() -> None:
    text = "IDW تقيّم شهادتك.\nقدّم الطلب عبر Mijn IDW.\nhttps://mijn.idw.nl رابط"
    lines = directional(text, "ar").split("\n")
    assert lines[0] == RLM + "IDW تقيّم شهادتك."
    assert lines[1] == "قدّم الطلب عبر Mijn IDW."  # already right to left: left alone
    assert lines[2].startswith(RLM)


def test_other_languages_and_pure_latin_lines_are_untouched() -> None:
    assert directional("IDW: https://idw.nl", "ar") == "IDW: https://idw.nl"
    assert directional("IDW ዲፕሎማ", "ti") == "IDW ዲፕሎማ"
    assert directional("Nederlands", "ar") == "Nederlands"


def test_long_text_is_split_at_line_boundaries() -> None:
    text = "\n".join(f"regel {i} " + "x" * 90 for i in range(100))  # about 10,000 characters
    parts = split_text(text)
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text


def test_text_without_spaces_is_split_hard() -> None:
    parts = split_text("a" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


@given(st.text(max_size=12000))
def test_split_never_exceeds_the_limit_and_loses_no_words(text: str) -> None:
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).split() == text.split()

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.textnorm import normalize, strip_invisible


def test_arabic_diacritics_tatweel_and_letter_variants() -> None:
    assert normalize("أَهْلاً") == "اهلا"
    assert normalize("شهـــادة") == "شهاده"
    assert normalize("إلى مستشفى") == "الي مستشفي"
    assert normalize("مؤسسة") == normalize("موسسه")


def test_arabic_indic_digits() -> None:
    assert normalize("٢٠٢٦ ۱۲") == "2026 12"


def test_ethiopic_letter_variants_and_punctuation() -> None:
    assert normalize("ሐሙስ") == normalize("ሀሙስ")
    assert normalize("ሠላም") == normalize("ሰላም")
    assert normalize("ዐዲ") == normalize("አዲ")
    assert normalize("ፀሓይ") == normalize("ጸሃይ")
    assert normalize("ሰላም። ከመይ፣ ኣለኻ፧") == "ሰላም. ከመይ, አለካ?"  # ኣ and አ are one, ኻ and ካ too (see below)
    assert normalize("ሰላም፡ኣለኻ") == "ሰላም አለካ"


def test_invisible_marks_removed_and_spaces_folded() -> None:
    assert normalize("\u200fCV\u200b  maken\u202b\ufeff ") == "cv maken"
    assert strip_invisible("a\u200db\u2066c\u2069") == "abc"


def test_nfkc_and_case() -> None:
    assert normalize("ＣＶ Ｍaken") == "cv maken"


@given(st.text())
def test_normalize_any_text_is_stable(text: str) -> None:
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once
    assert "\u200f" not in once
    assert "\u200b" not in once


def test_geez_numerals_become_western_digits() -> None:
    assert normalize("ክፍሊ ፲፪") == "ክፍሊ 12"
    assert normalize("፳፻፲፰") == "2018"
    assert normalize("፩ ፭ ፻ ፼") == "1 5 100 10000"


def test_both_spellings_of_the_tigrinya_a_are_one() -> None:
    assert normalize("ኣብ ሆላንድ ስራሕ") == normalize("አብ ሆላንድ ስራሕ")


def test_ethiopic_sentence_marks_become_latin_punctuation() -> None:
    assert normalize("ሰላም። ከመይ፧ ሓደ፣ ክልተ") == "ሰላም. ከመይ? ሃደ, ክልተ"


def test_tigrinya_spirant_letters_meet_their_plain_spelling() -> None:
    # ቐ/ኸ are q/k after a vowel; phone keyboards and Ethiopian writers often type ቀ/ከ instead.
    assert normalize("የቐንየለይ") == normalize("የቀንየለይ")
    assert normalize("ክኸይድ ኣለኒ") == normalize("ክከይድ አለኒ")
    assert normalize("ሓጊዝኩምኒ ኣዝዩ ጠቒሙኒ") == normalize("ሓጊዝኩምኒ አዝዩ ጠቂሙኒ")
    assert normalize("ዀ ቘ") == "ኰ ቈ"  # labialised forms too


def test_plain_letters_next_to_the_folded_rows_are_kept() -> None:
    # ኰ..ዀ and ደ..ዸ sit next to the folded rows in the block: they must not move.
    assert normalize("ኰ ወ ዸ ደ ቀ ከ") == "ኰ ወ ዸ ደ ቀ ከ"


def test_a_long_tigrinya_message_with_ethiopic_marks_and_geez_digits() -> None:
    text = "ሰላም፡ ኣብ ሰሙን ፳ ሰዓት እሰርሕ፣ ቢይስታንድ ኣለኒ። ክንደይ ይተርፈኒ፧"
    assert normalize(text) == "ሰላም አብ ሰሙን 20 ሰአት እሰርህ, ቢይስታንድ አለኒ. ክንደይ ይተርፈኒ?"

"""Messages with several parts: openings, stories, two questions (bot/nlu/compose.py and the classifier)."""

from __future__ import annotations

import pytest

from bot.nlu.compose import augment, segments
from bot.nlu.data import OPENER, Example
from bot.nlu.embedded import EmbeddedClassifier
from bot.textnorm import normalize


def test_segments_split_at_latin_arabic_and_ethiopic_sentence_ends_and_at_and() -> None:
    assert segments("hallo. ik ben ali! hoe maak ik een cv") == ["hallo", "ik ben ali", "hoe maak ik een cv"]
    parts = ["ሰላም", normalize("ኣነ ካብ ኤርትራ እየ"), normalize("cv ከመይ ይጽሓፍ")]
    assert segments(normalize("ሰላም። ኣነ ካብ ኤርትራ እየ፣ CV ከመይ ይጽሓፍ፧")) == parts
    assert segments("مرحبا، كيف اكتب سيرة ذاتية؟") == ["مرحبا", "كيف اكتب سيرة ذاتية"]
    assert segments("how do i make a cv and where do i find jobs") == ["how do i make a cv", "where do i find jobs"]
    assert segments("hallo") == ["hallo"]


def test_augment_puts_openings_of_the_same_language_in_front_of_questions_only() -> None:
    examples = [
        Example("hallo", "greet", "nl"),
        Example("ik kom uit syrie", OPENER, "nl"),
        Example("hello", "greet", "en"),
        *[Example(f"hoe maak ik cv {i}", "cv_help", "nl") for i in range(40)],
    ]
    extra = augment(examples, share=1.0)
    assert len(extra) == 40
    for e in extra:
        assert e.intent == "cv_help"
        assert e.text.endswith(e.text.split(" hoe maak")[-1])
        assert e.text.startswith(("hallo", "ik kom uit syrie"))  # never the English greeting
    assert augment(examples, share=1.0) == extra  # deterministic


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "السلام عليكم ورحمة الله، أنا مهندس مدني من سوريا. كيف أعادل شهادتي الجامعية في هولندا؟",
            "diploma_recognition",
        ),
        ("hallo goedemiddag, ik kom uit syrie. hoe schrijf ik een cv?", "cv_help"),
        ("thanks! and one more question: how do i find an internship", "volunteering_internship"),
        ("ሰላም። ኣብ ኤርትራ ነርስ ነይረ። ኣብ ሆላንድ ከም ነርስ ክሰርሕ ይኽእል ድየ፧", "profession_accreditation"),
        ("hallo", "greet"),
        ("السلام عليكم", "greet"),
        ("ሰላም ከመይ ኣለኹም", "greet"),
        ("thank you very much", "thanks"),
    ],
)
def test_the_question_decides_not_the_opening(embedded: EmbeddedClassifier, text: str, intent: str) -> None:
    result = embedded.predict(text)
    assert result.intent == intent
    assert result.confidence >= 0.5


def test_two_questions_answer_the_first_and_offer_the_second(embedded: EmbeddedClassifier) -> None:
    """One is answered, the other offered; the first when the whole message is unsure, else the one the whole
    message is most about (an introduction part often reads as a topic of its own: measured, bench/README)."""
    result = embedded.predict("hoe schrijf ik een cv? en waar vind ik vacatures?")
    assert {result.intent, result.second} == {"cv_help", "job_application"}
    result = embedded.predict("how do i write a cv and where do i find vacancies")
    assert {result.intent, result.second} == {"cv_help", "job_application"}
    assert embedded.predict("hoe schrijf ik een cv").second is None


@pytest.mark.parametrize(
    ("text", "gibberish"),
    [
        ("qwerty zxcv", True),
        ("asdfgh", True),
        ("jjj kkk lll", True),
        ("diplma", False),
        ("papieren", False),
        ("huis", False),
        ("ዲፕሎማ", False),
        ("shahadti", False),
        ("sollicitatie brif", False),
    ],
)
def test_gibberish_is_text_the_training_data_does_not_know(
    embedded: EmbeddedClassifier, text: str, gibberish: bool
) -> None:
    assert embedded.predict(text).gibberish is gibberish

"""Messages with several parts: openings, stories, two questions (bot/nlu/compose.py and the classifier)."""

from __future__ import annotations

import pytest

from bot.nlu.compose import QUESTION_WORD, augment, segments
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


def test_an_added_line_changes_no_other_examples_opening() -> None:
    """Openings are chosen by hashing, not drawn from one stream: a data change moves only what it touches."""
    openings = [Example(f"hallo {i}", "greet", "nl") for i in range(30)]
    questions = [Example(f"hoe maak ik cv {i}", "cv_help", "nl") for i in range(200)]
    before = augment([*openings, *questions], share=0.5)
    after = augment([Example("waar vind ik werk", "job_application", "nl"), *openings, *questions], share=0.5)
    assert [e for e in after if e.intent == "cv_help"] == before
    assert 60 < len(before) < 140  # about half the questions get a copy
    grown = augment([*openings, Example("goedemorgen allemaal", "greet", "nl"), *questions], share=0.5)
    moved = sum(a.text != b.text for a, b in zip(before, grown, strict=True))
    assert 0 < moved < len(before) / 4  # only the copies the new opening now wins (about 1 in 31, per opening)


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
        # A first message says it is the first one, a last one thanks with a plan: small talk, not a topic.
        ("hello, first time i use this chat", "greet"),
        ("goedemorgen allemaal, ik ben voor het eerst hier", "greet"),
        ("مرحبا، هاي اول مرة بكتب بهالشات", "greet"),
        ("ሰላም ንመጀመርታ እየ ዝጽሕፍ ኣብዚ", "greet"),
        ("thanks i will try tomorrow", "thanks"),
        ("hallo eerste keer hier, hoe laat ik mijn diploma waarderen", "diploma_recognition"),
    ],
)
def test_the_question_decides_not_the_opening(embedded: EmbeddedClassifier, text: str, intent: str) -> None:
    result = embedded.predict(text)
    assert result.intent == intent
    assert result.confidence >= 0.5


def test_a_part_overrides_an_out_of_scope_message_only_when_surer(embedded: EmbeddedClassifier) -> None:
    """A fine, a house, family abroad: told with a word of work in one part, still out of scope; a story about
    the azc with a work question after it is the work question."""
    assert embedded.predict(
        "good morning, i got a fine in the bus, and i have no money to pay it, what now"
    ).intent == ("out_of_scope")
    assert embedded.predict(
        "ik woon nog in het azc en mijn huis is te klein. hoe vind ik werk in de buurt?"
    ).intent == ("job_application")


def test_two_questions_answer_the_first_and_offer_the_second(embedded: EmbeddedClassifier) -> None:
    """One is answered, the other offered: the first question when the whole message is unsure or torn between
    the two topics (TIE_MARGIN), else the one the whole message is most about (bench/README)."""
    for text in (
        "hoe schrijf ik een cv? en waar vind ik vacatures?",
        "how do i write a cv and where do i find vacancies",
    ):
        result = embedded.predict(text)
        assert (result.intent, result.second) == ("cv_help", "job_application")
    assert embedded.predict("hoe schrijf ik een cv").second is None


def test_a_torn_message_is_decided_by_the_part_that_asks(embedded: EmbeddedClassifier) -> None:
    """Context first ("I am on bijstand"), then the question: the part that asks decides, not the first part."""
    result = embedded.predict(
        "goedemiddag, ik zit in de bijstand. de gemeente heeft het over een taaleis, wat moet ik doen"
    )
    assert result.intent == "language_learning"
    assert result.confidence >= 0.5


@pytest.mark.parametrize(
    ("part", "asks"),
    [
        ("waar vind ik vacatures", True),
        ("how do i write a cv", True),
        ("وين بلاقي شغل", True),
        ("كيف اعادل شهادتي", True),
        ("ስራሕ ኣበይ ይርከብ", True),
        ("ከም ነርስ ክሰርሕ ይኽእል ድየ", True),
        ("ik zit in de bijstand", False),
        ("i was a nurse in eritrea", False),
        ("انا عالبيستاند", False),
    ],
)
def test_question_words_in_four_languages(part: str, asks: bool) -> None:
    assert bool(QUESTION_WORD.search(normalize(part))) is asks


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

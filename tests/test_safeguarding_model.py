"""The learned half of the safeguarding recogniser (bot/safeguarding/model.py): it catches disclosures
the patterns miss, leaves look-alike questions alone, is trained when the bot's services open, and the
unseen evaluation set stays unseen (disjoint from everything it learns from)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.embedded import EmbeddedClassifier
from bot.safeguarding import data, lexicon, model
from bot.safeguarding.evaluate import LANGUAGES, unseen_sets
from bot.safeguarding.recognise import CATEGORIES, normalize, patterns_only, recognise, whole
from bot.safeguarding.respond import check
from bot.settings import PROJECT_ROOT, Settings

NLU = PROJECT_ROOT / "nlu"
UNSEEN = NLU / "safeguarding" / "unseen"

# Disclosures written for this test, in words the patterns do not know (checked below): the model must
# catch them. Category as the model names it.
MODEL_ONLY = [
    ("my supervisor keeps asking me for pictures of my body", "harassment"),
    ("hello, a question about my cv, and my boss keeps asking for photos of my body at night", "harassment"),
    ("een collega zit steeds aan mijn lichaam op het werk", "harassment"),
    ("mijn schoonmoeder slaat me elke week", "domestic_violence"),
    ("زميلي عم يبعتلي صور جسمو", "harassment"),
    ("ሓለቓይ ኩሉ ግዜ ስእሊ ኣካላተይ ይሓትት", "harassment"),
]

# Ordinary questions with trigger-like words, in every language: no alarm, patterns and model together.
LOOK_ALIKES = [
    "my contract ends",
    "how do I kill time while IDW decides",
    "my boss is strict about being on time",
    "mijn contract loopt af",
    "hoe sla ik de tijd dood terwijl IDW beslist",
    "mijn baas is streng op tijd komen",
    "عقدي بيخلص الشهر الجاي",
    "كيف بقضي الوقت لحتى IDW يقرر",
    "مديري صارم بالمواعيد",
    "3a2di byekhlas el shahr el jay",
    "ውዕለይ ኣብ ዝመጽእ ወርሒ ይውዳእ",
    "IDW ክሳብ ዝውስን ግዜ ብኸመይ ከሕልፍ",
    "ሓለቓይ ብሰዓት ኣዝዩ ተሪር እዩ",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iedereen is beter af zonder mij", {"without_me"}),
        ("my family is better without me", {"without_me"}),
        ("اهلي احسن بدوني", {"without_me"}),
        ("ስድራይ ብዘይ ኣነ ይሓይሽ", {"without_me"}),
        ("i want to sleep forever", {"want", "sleep", "forever"}),
        ("ንዘልኣለም ክድቅስ እደሊ", {"want", "sleep", "forever"}),
        ("الله ياخذني", {"god", "take_me"}),
        ("አምላኽ ውሰደኒ", {"god", "take_me"}),  # አ and ኣ spellings meet in the consonant skeleton
    ],
)
def test_word_classes_are_shared_across_languages(text: str, expected: set[str]) -> None:
    assert expected <= set(lexicon.classes(normalize(text)))
    assert {"k:" + c for c in expected} <= model.features(normalize(text))


@pytest.fixture(scope="module")
def trained() -> Iterator[model.SafeguardingModel]:
    before = model.current()
    yield model.ensure_trained(NLU)
    model.install(before)


@pytest.mark.parametrize(("text", "category"), MODEL_ONLY)
def test_the_model_catches_what_the_patterns_miss(trained: model.SafeguardingModel, text: str, category: str) -> None:
    assert patterns_only(text) is None
    assert trained.fires(text)
    assert recognise(text) == category
    assert check("text", text) == category  # the path the bot takes


def test_until_the_model_is_trained_the_patterns_alone_apply(trained: model.SafeguardingModel) -> None:
    text = MODEL_ONLY[0][0]
    model.install(None)
    try:
        assert recognise(text) is None
        assert recognise("i want to kill myself") == "suicide"
    finally:
        model.install(trained)
    assert recognise(text) == "harassment"


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_get_no_alarm(trained: model.SafeguardingModel, text: str) -> None:
    assert recognise(text) is None


def test_thresholds_per_language_from_cross_validation(trained: model.SafeguardingModel) -> None:
    assert set(trained.thresholds) == {*LANGUAGES, model.UNDETECTED}
    assert len(set(trained.thresholds.values())) > 1  # really per language, not one number
    assert all(np.isfinite(list(trained.thresholds.values())))


def test_choose_thresholds_keeps_the_budget() -> None:
    rng = np.random.default_rng(1)
    scores = rng.normal(size=2000)
    keys = ["nl"] * 1000 + ["ar"] * 1000
    scores[1000:] += 5  # Arabic scores run higher: its threshold must too
    thresholds = model.choose_thresholds(scores, keys)
    for key, part in (("nl", scores[:1000]), ("ar", scores[1000:])):
        assert (part >= thresholds[key]).mean() <= model.FALSE_ALARM_BUDGET
    assert thresholds["ar"] > thresholds["nl"] + 4
    assert thresholds["ti"] == max(thresholds["ar"], thresholds["nl"])  # no data: the strictest


def test_the_model_needs_no_scikit_learn(trained: model.SafeguardingModel) -> None:
    assert isinstance(trained.weights, np.ndarray)
    assert trained.category_weights.shape == (len(trained.vocabulary), len(CATEGORIES))


def _normalised(examples: list[data.Example]) -> set[str]:
    return {whole(e.text) for e in examples}


def test_the_unseen_set_is_never_trained_on() -> None:
    unseen = data.load(UNSEEN)
    training = model.load_training(NLU)
    overlap = _normalised(unseen) & {whole(t) for t in training.texts}
    assert not overlap
    for language in LANGUAGES:
        for category in (*CATEGORIES, data.NONE):
            count = sum(1 for e in unseen if e.language == language and e.category == category)
            assert count >= 15, (language, category, count)
    texts = {e.text.lower() for e in unseen}
    for look_alike in (
        "my contract ends",
        "how do i kill time while",
        "my new boss is very strict about being on time",
    ):
        assert any(t.startswith(look_alike) for t in texts), look_alike


def test_every_unseen_set_is_complete_and_new() -> None:
    """Each unseen set (<lang>.yml, <lang>_b.yml, <lang>_c.yml, ...) is reported on its own: each holds every
    language and category, and repeats no line of another set (a shared line would be scored twice)."""
    files = sorted(UNSEEN.glob("*.yml"))
    parts = sorted({p.stem.partition("_")[2] for p in files})
    assert parts[:3] == ["", "b", "c"]
    owner: dict[str, str] = {}
    repeated = []
    for part in parts:
        examples = data.load_files(p for p in files if p.stem.partition("_")[2] == part)
        for language in LANGUAGES:
            for category in (*CATEGORIES, data.NONE):
                count = sum(1 for e in examples if e.language == language and e.category == category)
                assert count >= 15, (part, language, category, count)
        for text in _normalised(examples):
            if owner.setdefault(text, part) != part:
                repeated.append((text, owner[text], part))
    assert repeated == []


def test_training_reads_the_training_files_only(tmp_path: Path) -> None:
    (tmp_path / "safeguarding" / "unseen").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi there\n', encoding="utf-8"
    )
    (tmp_path / "safeguarding" / "en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: suicide\n  examples: |\n    - i want to die\n', encoding="utf-8"
    )
    (tmp_path / "safeguarding" / "unseen" / "en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: suicide\n  examples: |\n    - secret unseen line\n', encoding="utf-8"
    )
    training = model.load_training(tmp_path)
    assert training.texts == ["i want to die", "hello", "hi there"]
    assert training.positive.tolist() == [True, False, False]
    assert training.ordinary.tolist() == [False, True, True]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # Rasa configured (nothing listens there): safeguarding must not depend on the NLU backend.
    return {"rasa_url": "http://127.0.0.1:9"}


async def test_the_services_train_it_whichever_nlu_backend(settings: Settings, embedded: EmbeddedClassifier) -> None:
    from bot.nlu.rasa import FallbackParser
    from bot.services import open_services

    model.install(None)
    async with open_services(settings, embedded=embedded) as services:
        assert isinstance(services.nlu, FallbackParser)  # the Rasa backend is the one configured
        assert model.current() is not None
        assert recognise(MODEL_ONLY[0][0]) == "harassment"


def test_a_further_unseen_set_is_reported_by_its_file_name(tmp_path: Path) -> None:
    """A set C written elsewhere (`<lang>_c.yml`) is evaluated as its own set, after A and B."""
    for name in ("en.yml", "nl_b.yml", "en_c.yml", "ti_c.yml"):
        (tmp_path / name).write_text(
            'version: "3.1"\nnlu:\n- intent: suicide\n  examples: |\n    - ' + name + "\n", encoding="utf-8"
        )
    found = unseen_sets(tmp_path)
    assert [name.split(" (")[0] for name, _ in found] == ["unseen set A", "unseen set B", "unseen set C"]
    assert sorted(e.language for e in found[2][1]) == ["en", "ti"]


def test_a_long_clause_is_also_read_in_windows_of_words() -> None:
    short = "ik zoek werk in de zorg"
    long = " ".join(f"woord{i}" for i in range(20))
    assert model.parts(short)[0] == [short]
    windows = [p for p in model.parts(long)[0] if p != long]
    assert windows
    assert all(len(p.split()) <= model.WINDOW for p in windows)
    assert windows[0].startswith("woord0 ")
    assert windows[-1].endswith(" woord19")


@pytest.mark.parametrize(
    "text",
    [
        # no punctuation: the disclosure comes after a long ordinary question
        "hallo ik heb een vraag over mijn cv en hoe ik een goede sollicitatiebrief schrijf voor een baan in de"
        " zorg en mijn baas houdt mijn paspoort en betaalt me al twee maanden niet",
        "ሰላም ብዛዕባ ሲቪ ከመይ ጌረ ጽቡቕ ደብዳቤ ክጽሕፍ ይኽእል ኣብ ስራሕ ሆስፒታል ሓለቓ ፓስፖርተይ ሒዙዎ ደሞዝ ኣይከፈለንን",
    ],
)
def test_the_model_finds_a_disclosure_buried_in_a_long_message(trained: model.SafeguardingModel, text: str) -> None:
    assert trained.band(text) == "alarm"


def test_a_long_ordinary_message_is_not_an_alarm(trained: model.SafeguardingModel) -> None:
    text = (
        "hallo ik heb een vraag over mijn cv en hoe ik een goede sollicitatiebrief schrijf voor een baan in de"
        " zorg en hoe lang duurt het voordat de IND beslist over mijn diploma"
    )
    assert trained.band(text) is None


def test_a_long_question_above_the_alarm_threshold_is_asked_about() -> None:
    """A model alarm on a question of LONG_QUESTION_WORDS words or more goes to the "ask" band; a short
    question, or a long message without a question mark, stays an alarm. (A model whose every score, 0,
    is above both thresholds.)"""
    keys = ("ar", "en", "nl", "ti", model.UNDETECTED)
    above = model.SafeguardingModel(
        {}, np.zeros(0), np.zeros((0, len(CATEGORIES))), dict.fromkeys(keys, -1.0), dict.fromkeys(keys, -2.0)
    )
    long_text = "my contract ends in two weeks and they said they may call me again in spring"
    assert above.band(f"{long_text}, what happens with my benefits?") == "ask"
    assert above.band(f"{long_text}, what happens with my benefits") == "alarm"
    assert above.band("what happens with my benefits?") == "alarm"
    assert above.band("عقدي بيخلص بعد اسبوعين وقالوا يمكن يرجعوا يتصلوا فيني بالربيع، شو بيصير بالمساعده؟") == "ask"
    assert not above.fires(f"{long_text}?")
    assert above.fires(long_text)


def test_thresholds_are_the_mean_over_the_fold_splits(monkeypatch: pytest.MonkeyPatch) -> None:
    """One split's threshold is a quantile of a few top scores and moves with the seed; the model takes the
    mean over FOLD_SEEDS, so an edit of nlu/data no longer moves the operating point by chance."""
    full = model.load_training(PROJECT_ROOT / "nlu")
    training = full.subset(np.arange(0, len(full.texts), 4))
    alone = {}
    for seed in (7, 8):
        monkeypatch.setattr(model, "FOLD_SEEDS", (seed,))
        alone[seed] = model.train(training)
    monkeypatch.setattr(model, "FOLD_SEEDS", (7, 8))
    both = model.train(training)
    assert alone[7].thresholds != alone[8].thresholds
    for key in both.thresholds:
        assert both.thresholds[key] == pytest.approx((alone[7].thresholds[key] + alone[8].thresholds[key]) / 2)
        assert both.ask_thresholds[key] == pytest.approx(
            (alone[7].ask_thresholds[key] + alone[8].ask_thresholds[key]) / 2
        )
    np.testing.assert_array_equal(both.weights, alone[7].weights)  # the final fit does not depend on the splits


def test_a_fit_counts_the_whole_texts_only() -> None:
    """Naive Bayes log-count ratios of the whole-text features, each language weighing the same."""
    examples = [
        data.Example("hij slaat mij, ik ben bang", "domestic_violence", "nl"),
        data.Example("he hits me", "danger", "en"),
    ]
    training = model.Training.build(examples, [("nl", "hallo daar"), ("en", "hello there"), ("en", "hi there")])
    vocabulary: dict[str, int] = {}
    rows = model._rows(training.texts, vocabulary, grow=True)
    weights = model._WholeEntries.of(rows, training).fit(np.arange(5), len(vocabulary))
    pos, neg = np.zeros(len(vocabulary)), np.zeros(len(vocabulary))
    for text, counts, weight in (
        ("hij slaat mij, ik ben bang", pos, 1.0),  # its clauses are rows of their own, not counted
        ("he hits me", pos, 1.0),
        ("hallo daar", neg, 1.5),  # 3 negatives in 2 languages: nl's one weighs 3 / (2 * 1)
        ("hello there", neg, 0.75),
        ("hi there", neg, 0.75),
    ):
        for feature in model.features(normalize(text)):
            counts[vocabulary[feature]] += weight
    expected = np.log((pos + 0.5) / (pos + 0.5).sum()) - np.log((neg + 0.5) / (neg + 0.5).sum())
    np.testing.assert_allclose(weights, np.where(pos + neg > 0, expected, 0.0))


def test_a_line_added_to_the_data_moves_no_other_line_to_another_fold() -> None:
    ordinary = [("nl", f"vraag nummer {i} over werk") for i in range(200)]
    examples = [data.Example(f"hij slaat mij {i}", "domestic_violence", "nl") for i in range(50)]
    before = model.fold_of(model.Training.build(examples, ordinary))
    after = model.fold_of(model.Training.build(examples, [("nl", "hallo eerste keer hier"), *ordinary]))
    np.testing.assert_array_equal(after[: len(examples)], before[: len(examples)])
    np.testing.assert_array_equal(after[len(examples) + 1 :], before[len(examples) :])
    assert min(np.bincount(before, minlength=model.FOLDS)) > 25
    assert not np.array_equal(before, model.fold_of(model.Training.build(examples, ordinary), seed=8))

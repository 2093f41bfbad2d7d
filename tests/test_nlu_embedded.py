"""The embedded classifier, trained once on nlu/data (the `embedded` fixture): rankings, entities, honesty."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.dialog import Dialog, DialogConfig, State, TextIn
from bot.flows.loader import load_flows
from bot.nlu import features
from bot.nlu.data import Example, load_examples
from bot.nlu.embedded import OUT_OF_SCOPE, EmbeddedClassifier, Gazetteer, sigmoid, train_in_process
from bot.nlu.evaluate import cross_validate, format_report
from bot.nlu.features import VIEWS, FeatureSpace, ethiopic_skeleton
from bot.nlu.types import Entity
from bot.settings import Settings
from bot.textnorm import normalize

THRESHOLD: float = Settings.model_fields["nlu_threshold"].default  # the dialog's default

# The end-to-end tests of the bot rely on these.
E2E = [
    ("شلون بعادل شهادتي الجامعية؟", "diploma_recognition"),
    ("بدي اعادل شهادتي", "diploma_recognition"),
    ("ዲፕሎማይ ኣብ ሆላንድ ከመይ ከረጋግጾ እኽእል", "diploma_recognition"),
    ("ዲፕሎማይ ከመይ ክፈልጦ", "diploma_recognition"),
    ("Hoe kan ik mijn diploma laten waarderen?", "diploma_recognition"),
    ("How do I get my foreign degree recognised?", "diploma_recognition"),
    ("كيف اكتب سيرة ذاتية CV للشغل بهولندا", "cv_help"),
    ("ik wil CV maken", "cv_help"),
    ("What is Dutch work culture like, are bosses strict?", "work_culture"),
    ("ባህሊ ስራሕ ኣብ ሆላንድ ከመይ እዩ", "work_culture"),
    ("dank je wel", "thanks"),
]

# Typical messages, none of them a training example.
TYPICAL = [
    ("nl", "ik zoek vrijwilligerswerk in rotterdam", "volunteering_internship"),
    ("nl", "hoeveel mag ik bijverdienen in de bijstand", "work_and_benefits"),
    ("nl", "mijn werkgever betaalt geen overuren", "employment_contract"),
    ("nl", "ik wil een eigen bedrijf beginnen als kapper", "self_employment"),
    ("nl", "bedankt voor je hulp!", "thanks"),
    ("ar", "بدي اتعلم هولندي للشغل", "language_learning"),
    ("ar", "كيف افتح مشروع وسجل بالـ KvK", "self_employment"),
    ("ar", "بدي احكي مع موظف حقيقي", "request_human"),
    ("ar", "عندي مقابلة عمل الاسبوع الجاي شو بيسألوا", "job_application"),
    ("ar", "شكرا كتير على المساعدة", "thanks"),
    ("ti", "CVይ ብሆላንድኛ ክጽሕፍ ሓግዙኒ", "cv_help"),
    ("ti", "ወለንታዊ ስራሕ ኣበይ ክረክብ እኽእል", "volunteering_internship"),
    ("ti", "ምስ ሰብ ክዛረብ ደልየ በጃኹም", "request_human"),
    ("ti", "ዝተሓተ ደሞዝ ክንደይ እዩ", "employment_contract"),
    ("ti", "የቐንየለይ ብጣዕሚ", "thanks"),
    ("en", "can you help me improve my resume", "cv_help"),
    ("en", "I want to start my own cleaning company", "self_employment"),
    ("en", "how much can I earn while on bijstand", "work_and_benefits"),
]

NOT_WORK = [
    "waar kan ik een woning vinden",
    "hoe vind ik een woning in utrecht",
    "wat voor weer wordt het morgen",
    "wie wint de wedstrijd van ajax",
    "hoe laat sluit de supermarkt vandaag",
    "وين بلاقي بيت للايجار",
    "ጽባሕ ዝናብ ክዘንብ ድዩ",
    "what is the best pizza in amsterdam",
]


@pytest.mark.parametrize(("text", "intent"), E2E)
def test_messages_the_bot_relies_on(embedded: EmbeddedClassifier, text: str, intent: str) -> None:
    result = embedded.predict(text)
    assert (result.intent, result.text) == (intent, text)
    assert result.confidence >= THRESHOLD


@pytest.mark.parametrize(("language", "text", "intent"), TYPICAL)
def test_typical_messages_rank_the_right_intent_first(
    embedded: EmbeddedClassifier, language: str, text: str, intent: str
) -> None:
    result = embedded.predict(text)
    assert result.ranking[0][0] == intent
    assert result.intent == intent
    assert result.language == language


@pytest.mark.parametrize("text", NOT_WORK)
def test_questions_outside_work_are_not_answered_as_work(embedded: EmbeddedClassifier, text: str) -> None:
    result = embedded.predict(text)
    assert result.intent == OUT_OF_SCOPE or result.confidence < THRESHOLD


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ik ben tandarts uit syrie, mag ik hier werken?", "dentist"),
        ("hoe worden buitenlandse artsen geregistreerd", "doctor"),
        ("انا ممرضة من سوريا كيف اشتغل بالمستشفى", "nurse"),
        ("شو لازم يعمل الصيدلي الاجنبي", "pharmacist"),
        ("ኣነ ሓኪም እየ ኣብ ሆላንድ ክሰርሕ ደልየ", "doctor"),
        ("I am a pharmacist from Iraq, do I need a license?", "pharmacist"),
    ],
)
def test_profession_entity(embedded: EmbeddedClassifier, text: str, value: str) -> None:
    result = embedded.predict(text)
    assert result.intent == "profession_accreditation"
    assert result.entities == (Entity("profession", value),)
    assert result.entity("profession") == value


def test_entity_words_inside_other_words_are_not_entities(embedded: EmbeddedClassifier) -> None:
    # "قابلة" (midwife) is part of "مقابلة" (interview); "doctor" of "doctorate".
    assert embedded.predict("عندي مقابلة عمل بكرا").entities == ()
    assert embedded.predict("is my doctorate from syria recognised").entities == ()


def test_ranking_is_ordered_and_confidences_are_probabilities(embedded: EmbeddedClassifier) -> None:
    result = embedded.predict("hoe schrijf ik een motivatiebrief")
    confidences = [c for _, c in result.ranking]
    assert len(result.ranking) == 5
    assert confidences == sorted(confidences, reverse=True)
    assert result.confidence == confidences[0]
    assert 0 < sum(confidences) <= 1 + 1e-9
    assert len({intent for intent, _ in result.ranking}) == 5
    assert result.as_json()["ranking"][0] == {"intent": result.intent, "confidence": round(result.confidence, 4)}


def test_nothing_to_classify(embedded: EmbeddedClassifier) -> None:
    for text in ("", "   ", "\u200b"):
        result = embedded.predict(text)
        assert (result.intent, result.confidence, result.ranking) == (OUT_OF_SCOPE, 0.0, ())
    assert embedded.predict_scored(["", "ik wil CV maken"])[0] == (OUT_OF_SCOPE, 0.0)


def test_batch_and_single_message_agree(embedded: EmbeddedClassifier) -> None:
    texts = [text for text, _ in E2E] + [text for _, text, _ in TYPICAL] + NOT_WORK + ["ik wil CV maken " * 300]
    batch = embedded.predict_scored(texts)
    assert embedded.predict_many(texts) == [intent for intent, _ in batch]
    for text, (intent, confidence) in zip(texts, batch, strict=True):
        single = embedded.predict(text)
        assert single.intent == intent
        assert single.confidence == pytest.approx(confidence, abs=1e-9)


def test_one_message_vector_equals_the_vectorisers() -> None:
    texts = [normalize(t) for t in ["ik wil CV maken", "بدي اعادل شهادتي", "ዲፕሎማይ ከመይ ክፈልጦ", "CV CV cv!"]]
    space, _ = FeatureSpace.fit(texts)
    vectorizers = [TfidfVectorizer(**spec.vectorizer_params()).fit(texts) for spec in VIEWS]
    for text in [*texts, "cv ዲፕሎማ ዲፕሎማ onbekend", "zzz", ""]:
        indices, values = space.vector(text)
        dense = np.zeros(space.size)
        dense[indices] = values
        expected = np.hstack([v.transform([text]).toarray()[0] for v in vectorizers])
        assert dense == pytest.approx(expected)


def test_feature_space_equals_the_vectorisers_exactly() -> None:
    """The vocabularies, IDF weights and training matrix (to the last bit, in the same order within a row) are
    those of scikit-learn's TfidfVectorizer: counting them in bot/nlu/features.py changes the model in nothing."""
    texts = [normalize(e.text) for e in load_examples(ROOT / "nlu" / "data")] + ODD_TEXTS
    space, matrix = FeatureSpace.fit(texts)
    blocks = []
    for view, spec in zip(space._views, VIEWS, strict=True):
        vectorizer = TfidfVectorizer(**spec.vectorizer_params())
        blocks.append(vectorizer.fit_transform(texts))
        assert view.vocabulary == vectorizer.vocabulary_
        assert view.idf == vectorizer.idf_.tolist()
    expected = sp.hstack(blocks, format="csr")
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(matrix, part), getattr(expected, part)), part
    assert matrix.dtype == expected.dtype
    assert matrix.indices.dtype == expected.indices.dtype


def test_ethiopic_skeleton_ignores_the_vowel_order() -> None:
    assert ethiopic_skeleton("ክፈልጦ") == ethiopic_skeleton("ክፈልጥ") == ethiopic_skeleton("ክፍልጦ")
    assert ethiopic_skeleton("ሰላም ሰላም") == "ስልም ስልም"
    assert ethiopic_skeleton("ik wil CV ዲፕሎማ") == "ድፕልም"


def test_gazetteer_prefers_the_longest_term() -> None:
    examples = [
        Example(
            "ik ben kinderarts", "profession_accreditation", "nl", (("kinderarts", Entity("profession", "doctor")),)
        ),
        Example("ik ben arts", "profession_accreditation", "nl", (("arts", Entity("profession", "doctor")),)),
        Example("انا طبيب اسنان", "profession_accreditation", "ar", (("طبيب اسنان", Entity("profession", "dentist")),)),
        Example("انا طبيب", "profession_accreditation", "ar", (("طبيب", Entity("profession", "doctor")),)),
    ]
    gazetteer = Gazetteer(examples)
    assert gazetteer.find(normalize("بدي اشتغل طبيب اسنان")) == (Entity("profession", "dentist"),)
    assert gazetteer.find(normalize("والطبيبة")) == (Entity("profession", "doctor"),)
    assert gazetteer.find(normalize("de artsen hier")) == (Entity("profession", "doctor"),)
    assert gazetteer.find(normalize("particulier")) == ()


def test_training_needs_two_examples_per_intent() -> None:
    with pytest.raises(ValueError, match="two examples"):
        EmbeddedClassifier.train([Example("hallo", "greet", "nl"), Example("doei", "goodbye", "nl")])


def test_two_intents_are_enough() -> None:
    words = ["hallo", "hoi", "goedemorgen", "hey", "doei", "tot ziens", "dag dag", "tot morgen"]
    examples = [Example(w, "greet" if i < 4 else "goodbye", "nl") for i, w in enumerate(words)]
    model = EmbeddedClassifier.train(examples)
    result = model.predict("hallo hallo")
    assert result.intent == "greet"
    assert {intent for intent, _ in result.ranking} == {"greet", "goodbye"}


def test_cross_validation_report() -> None:
    intents = {
        "cv_help": ["cv maken", "mijn cv", "cv verbeteren", "cv schrijven", "cv checken", "cv hulp"],
        "thanks": ["dank je", "bedankt", "dank u wel", "thanks", "heel erg bedankt", "merci"],
        OUT_OF_SCOPE: ["weer morgen", "ik zoek een huis", "voetbal", "mop vertellen", "bus", "trein"],
    }
    examples = [Example(text, intent, "nl") for intent, texts in intents.items() for text in texts]
    report = cross_validate(examples, folds=3)
    (nl,) = report.languages
    assert (report.folds, nl.language, nl.examples) == (3, "nl", 18)
    assert 0 <= nl.macro_f1 <= 1
    assert 0 <= nl.unsure <= 1
    assert nl.out_of_scope_recall is not None
    assert nl.out_of_scope_caught is not None
    assert nl.out_of_scope_caught >= nl.out_of_scope_recall
    text = format_report(report)
    assert "macro-F1" in text
    assert "\nnl " in text
    assert report.as_json()["languages"][0]["language"] == "nl"  # type: ignore[index]


ROOT = Path(__file__).resolve().parent.parent
ODD_TEXTS = [
    "",
    "   ",
    "a",
    "CV",
    "ik  wil\tCV\n maken",
    "ÉÉN Ärzte",
    "ዲ",
    "ik wil CV ዲፕሎማ",
    "بدي اعادل شهادتي",
    "cv " * 50,
]


def test_analyzers_equal_the_vectorisers() -> None:
    texts = [normalize(e.text) for e in load_examples(ROOT / "nlu" / "data")[::10]] + ODD_TEXTS
    for spec in VIEWS:
        analyze = TfidfVectorizer(**spec.vectorizer_params()).build_analyzer()
        for text in texts:
            assert spec.analyze(text) == analyze(text), (spec, text)


def test_known_terms_per_word_equal_the_analyser_with_a_full_and_an_empty_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [normalize(e.text) for e in load_examples(ROOT / "nlu" / "data")[::10]] + ODD_TEXTS
    space, _ = FeatureSpace.fit(texts[::2])  # half the texts unseen: unknown n-grams left out
    monkeypatch.setattr(features, "WORD_CACHE_SIZE", 50)  # starts over many times on the way
    for view in space._views:
        for _ in range(2):  # the second pass comes (partly) from the cache
            for text in texts:
                expected = [view.vocabulary[t] for t in view.spec.analyze(text) if t in view.vocabulary]
                assert view.known_terms(text) == expected, (view.spec, text)
        assert 0 < len(view._words) <= 50 or view.spec.analyzer == "word"
    copy = pickle.loads(pickle.dumps(space))
    assert all(not view._words for view in copy._views)  # the cache is not sent along
    assert copy.vector(texts[0])[1] == pytest.approx(space.vector(texts[0])[1])


def test_sigmoid_is_expit() -> None:
    x = np.linspace(-40, 40, 2001)
    assert sigmoid(x) == pytest.approx(expit(x), rel=1e-15, abs=0)


def test_pickled_classifier_predicts_as_the_trained_model(embedded: EmbeddedClassifier) -> None:
    """What the training process sends (plain data and NumPy arrays) predicts as the trained model."""
    sent = pickle.loads(pickle.dumps(embedded))
    assert sent.intents == embedded.intents
    sample = [e.text for e in load_examples(ROOT / "nlu" / "data")[::5]]
    texts = sample + [t for t, _ in E2E] + [t for _, t, _ in TYPICAL] + NOT_WORK + ODD_TEXTS + [sample[0] * 200]
    for text in texts:
        assert sent.predict(text) == embedded.predict(text)
    assert sent.predict_scored(texts) == embedded.predict_scored(texts)


def test_a_space_without_ethiopic_text_leaves_the_skeleton_view_out() -> None:
    space, matrix = FeatureSpace.fit(["ik wil CV maken", "dank je wel"])
    assert [view.spec for view in space._views] == list(VIEWS[:2])
    assert matrix.shape == (2, space.size)
    with pytest.raises(ValueError, match="no features"):
        FeatureSpace.fit(["", "  "])


async def test_training_in_a_child_process() -> None:
    words = ["hallo", "hoi", "goedemorgen", "hey", "doei", "tot ziens", "dag dag", "tot morgen"]
    examples = [Example(w, "greet" if i < 4 else "goodbye", "nl") for i, w in enumerate(words)]
    model = await train_in_process(examples)
    assert model.predict("hallo hallo").intent == "greet"
    assert model.predict("tot ziens!").intent == "goodbye"
    assert model.predict_many(words) == EmbeddedClassifier.train(examples).predict_many(words)


async def test_training_errors_come_back_from_the_child_process() -> None:
    with pytest.raises(ValueError, match="two examples"):
        await train_in_process([Example("hallo", "greet", "nl"), Example("doei", "goodbye", "nl")])


def test_the_bot_process_never_imports_scikit_learn_or_scipy() -> None:
    code = (
        "import sys, bot.cli, bot.services, bot.tg.app, bot.nlu.embedded, bot.nlu.features;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy'));"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("intent", "text", "node"),
    [
        ("diploma_recognition", "hoeveel kost dat", "cost_time"),
        ("diploma_recognition", "how long does it take", "cost_time"),
        ("diploma_recognition", "كم تكلف؟", "cost_time"),
        ("diploma_recognition", "en als ik mijn papieren kwijt ben?", "lost_papers"),
        ("employment_contract", "hoe lang duurt het?", "probation"),
        ("profession_accreditation", "en voor een advocaat?", "lawyer"),
        ("language_learning", "and where can i practise", "practise"),
        ("diploma_recognition", "ok", None),  # nothing of the topic in it
        ("employment_contract", "my phone is broken", None),
        ("diploma_recognition", "what's the weather tomorrow", None),
        ("diploma_recognition", "ik heb geen tijd nu", None),  # "ik heb geen ..." as in "no papers": not enough
    ],
)
def test_a_follow_up_is_read_against_the_nodes_of_the_topic_just_answered(
    embedded: EmbeddedClassifier, intent: str, text: str, node: str | None
) -> None:
    """Right after the topic's opening, as the bot decides it (bot.routes.dialog): which node answers."""
    flows = load_flows(ROOT / "flows")
    dialog = Dialog(DialogConfig(flows, 0.5))
    flow = flows.for_intent(intent)
    assert flow is not None
    state = State(flow.id, "start")
    outcome = dialog.decide(dialog.read_followup(TextIn(text, embedded.predict(text)), state, embedded.followup), state)
    answered = outcome.state.node if outcome.state.flow == flow.id and outcome.state.node != "start" else None
    assert answered == node


def test_follow_up_lines_teach_the_node_lookup_but_not_the_intents() -> None:
    nodes = {
        "cost_time": ["wat kost een diplomawaardering", "hoe lang duurt de diplomawaardering"],
        "lost_papers": ["diploma kwijt wat nu", "geen papieren van mijn diploma"],
        "start": ["vraag over mijn diploma", "diploma laten waarderen"],
    }
    examples = [Example(t, "diploma_recognition", "nl", (), n) for n, texts in nodes.items() for t in texts]
    examples += [Example(t, "cv_help", "nl") for t in ["cv maken", "mijn cv", "cv verbeteren", "cv schrijven"]]
    followups = [
        Example(t, "diploma_recognition", "nl", (), "cost_time", True) for t in ["moet ik betalen", "is het gratis"]
    ]
    plain, taught = EmbeddedClassifier.train(examples), EmbeddedClassifier.train(examples + followups)
    assert plain.followup("diploma_recognition", "is dat gratis", 0.1) is None
    assert taught.followup("diploma_recognition", "is dat gratis", 0.1) == "cost_time"
    for text in ["is dat gratis", "moet ik betalen", "wat kost een cv"]:  # the intents learnt nothing from them
        assert taught.predict(text).ranking == plain.predict(text).ranking


def test_a_follow_up_needs_its_lead_over_the_general_questions(embedded: EmbeddedClassifier) -> None:
    # Near both a node and the general questions of the topic: a node only when a small lead will do.
    assert embedded.followup("education_routes", "kan ik mbo doen met uitkering", 0.1) is None
    assert embedded.followup("education_routes", "kan ik mbo doen met uitkering", 0.0) == "types"

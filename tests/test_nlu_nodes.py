"""Specific questions get the specific answer node (nlu/nodes, NodeIndex in bot/nlu/embedded.py)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from bot.flows.loader import load_flows
from bot.nlu.data import load_node_examples
from bot.nlu.embedded import EmbeddedClassifier, NodeIndex
from bot.nlu.features import FeatureSpace
from bot.nlu.types import INTENTS
from bot.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent


def test_node_files_name_real_intents_and_nodes_in_every_language() -> None:
    flows = load_flows(ROOT / "flows")
    examples = load_node_examples(ROOT / "nlu" / "nodes")
    assert {e.language for e in examples} == {"nl", "en", "ar", "ti"}
    for e in examples:
        assert e.intent in INTENTS, e
        flow = flows.for_intent(e.intent)
        assert flow is not None, e
        assert e.node in flow.nodes, e
    for path in (ROOT / "nlu" / "nodes").glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert len(doc) == 11, path  # every content topic


@pytest.mark.parametrize(
    ("text", "intent", "node"),
    [
        ("Wat is het minimumloon?", "employment_contract", "wage"),
        ("Is it normal to call my boss by his first name?", "work_culture", "hierarchy"),
        ("What happens at a job interview?", "job_application", "interview"),
        ("ما عندي أوراق الشهادة، شو أعمل؟", "diploma_recognition", "lost_papers"),
        ("كم يكلف تقييم الشهادة؟", "diploma_recognition", "cost_time"),
        ("ዝተሓተ ደሞዝ ክንደይ እዩ፧", "employment_contract", "wage"),
        # not training lines (2026-12-05): a node that did not exist, and a trade that got BIG registration
        ("de kinderopvang vraagt een verklaring van goed gedrag", "job_application", "vog"),
        ("i want to work as a driver", "profession_accreditation", "other"),
        # not training lines (2026-12-05, evening): two answers that did not exist
        ("kan ik mijn marokkaanse rijbewijs inwisselen voor een nederlandse", "education_routes", "licence"),
        ("the employer says because i am pregnant there is no new contract", "employment_contract", "pregnancy"),
        ("هل يحق للمدير يفصلني وانا حامل بالشهر الخامس", "employment_contract", "pregnancy"),
        ("het uitzendbureau wil mijn burgerservicenummer weten", "job_application", "bsn"),
        ("does the employer need a permit to hire a refugee with status", "job_application", "permit"),
        ("ik mag morgen komen proefdraaien bij albert heijn, krijg ik geld", "employment_contract", "trial"),
        (
            "the form from my new job asks about loonheffingskorting, what do i fill in",
            "employment_contract",
            "tax_travel",
        ),
        ("ik ga werken, krijg ik dan nog zorgtoeslag?", "work_and_benefits", "toeslagen"),
        ("ik heb geen referentie, wie kan ik vragen?", "job_application", "references"),
        # not training lines (2026-12-05, night): the six answers that did not exist (hours, scam, vca, duties,
        # childcare, health)
        ("my shift is 10 hours and there is no break at all", "employment_contract", "hours"),
        ("the uitzendbureau asks 75 euro for registration before i can start", "job_application", "scam"),
        ("ابي اشتغل بمخزن وطلبو مني شهادة vca من وين اجيبها", "education_routes", "vca"),
        ("hoeveel keer per week moet ik solliciteren van de gemeente", "work_and_benefits", "duties"),
        ("ik heb 3 kinderen en de gemeente wil dat ik werk, wie betaalt de opvang", "work_and_benefits", "childcare"),
        (
            "ik heb bijstand maar door mijn hernia kan ik niet tillen, moet ik toch solliciteren",
            "work_and_benefits",
            "health",
        ),
        # not training lines (2026-12-05, late evening): the collective agreement, holiday pay and pension
        ("ik werk in een hotel, welke cao hoort daarbij", "employment_contract", "cao"),
        ("ما فهمت شو هي الـ cao المكتوبة بعقدي", "employment_contract", "cao"),
        ("do i get holiday pay on a zero hours contract", "employment_contract", "holiday_pay"),
        ("krijg ik aow als ik pas op mijn 45e naar nederland kwam", "employment_contract", "pension"),
        # not training lines (2026-12-05, night): the first day at work, and a copy of the ID on that day
        ("what do i bring on my first day at work", "work_culture", "first_day"),
        ("اول يوم الي بالشغل بكرا، شو بدي جيب معي؟", "work_culture", "first_day"),
        ("on my first day the company wants to copy my passport", "job_application", "bsn"),
        ("de huisbaas vraagt een werkgeversverklaring wat is dat", "employment_contract", "employer_statement"),
        ("wat betekent onbepaalde tijd in mijn contract", "employment_contract", "types"),
        ("can i work 20 hours a week next to my hbo", "education_routes", "study_work"),
        ("mijn dochter is 17, mag zij na school in een restaurant werken", "employment_contract", "young"),
    ],
)
def test_specific_questions_get_their_node(embedded: EmbeddedClassifier, text: str, intent: str, node: str) -> None:
    result = embedded.predict(text)
    assert (result.intent, result.node) == (intent, node)


def test_general_questions_get_no_node(embedded: EmbeddedClassifier) -> None:
    assert embedded.predict("ik wil iets vragen over mijn arbeidscontract").node is None
    assert embedded.predict("hallo").node is None


def test_pregnancy_care_is_not_the_work_answer(embedded: EmbeddedClassifier) -> None:
    """The pregnancy node is about work; a hospital or midwife question stays out of scope (not training lines)."""
    assert embedded.predict("my wife is pregnant, which hospital should she go to").intent == "out_of_scope"


def test_the_pickled_classifier_finds_the_same_nodes(embedded: EmbeddedClassifier) -> None:
    compact = pickle.loads(pickle.dumps(embedded))  # as the training process sends it
    for text in ("Wat is het minimumloon?", "كم يكلف تقييم الشهادة؟", "hoe schrijf ik een cv? en waar vind ik werk?"):
        assert compact.predict(text) == embedded.predict(text)


def test_the_index_from_the_training_matrix_equals_the_one_from_the_texts() -> None:
    """Training builds the index from the node examples' rows of its feature matrix instead of computing
    their vectors again: the same columns, the same centroids (up to rounding), the same nodes."""
    examples = load_node_examples(ROOT / "nlu" / "nodes")[::3]
    space, features = FeatureSpace.fit([normalize(e.text) for e in examples])
    computed, taken = NodeIndex.build(space, examples), NodeIndex.build(space, examples, features)
    assert computed._intents.keys() == taken._intents.keys()
    for intent, mine in computed._intents.items():
        other = taken._intents[intent]
        assert np.array_equal(other.features, mine.features)
        assert other.labels == mine.labels
        assert np.allclose(_dense(other), _dense(mine), rtol=0, atol=1e-6)
    for e in load_node_examples(ROOT / "nlu" / "nodes")[1::7]:
        vector = space.vector(normalize(e.text))
        assert taken.find(e.intent, *vector) == computed.find(e.intent, *vector)


def _dense(centroids: Any) -> Any:
    """An intent's centroids as a dense matrix (label x feature), from the index's sparse columns."""
    matrix = np.zeros((len(centroids.labels), len(centroids.features)))
    for column in range(len(centroids.features)):
        begin, end = centroids.starts[column], centroids.starts[column + 1]
        matrix[centroids.rows[begin:end], column] = centroids.values[begin:end]
    return matrix


def test_a_lookup_is_the_cosine_with_each_centroid() -> None:
    """The sparse sum over the message's features equals the plain product with the dense centroids."""
    examples = load_node_examples(ROOT / "nlu" / "nodes")[::3]
    space, features = FeatureSpace.fit([normalize(e.text) for e in examples])
    index = NodeIndex.build(space, examples, features)
    for e in load_node_examples(ROOT / "nlu" / "nodes")[2::11]:
        indices, values = space.vector(normalize(e.text))
        found = index.similarities(e.intent, indices, values)
        entry = index._intents[e.intent]
        dense = np.zeros(len(entry.features))
        known = np.isin(indices, entry.features)
        dense[np.searchsorted(entry.features, indices[known])] = values[known]
        if not known.any():
            assert found is None
            continue
        assert found is not None
        labels, cosine = found
        assert labels == entry.labels
        assert np.allclose(cosine, _dense(entry) @ dense / np.linalg.norm(values), rtol=0, atol=1e-6)

"""Follow-up messages after an answer: the held-out file (nlu/eval/followups.yml) and its evaluation through the
dialog (`werkhelpdesk nlu evaluate --followups`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.flows.loader import load_flows
from bot.flows.model import FlowSet
from bot.nlu.data import load_node_examples, load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.followups import FollowupMessage, evaluate_followups, format_followups, load_followups
from bot.nlu.types import INTENTS
from bot.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "nlu" / "eval").glob("followups*.yml"))


@pytest.fixture(scope="module")
def flows() -> FlowSet:
    return load_flows(ROOT / "flows")


def test_both_followup_sets_are_checked() -> None:
    assert [p.name for p in FILES] == ["followups.yml", "followups_b.yml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_followups_files_have_50_valid_messages_per_language(flows: FlowSet, path: Path) -> None:
    messages = load_followups(path)
    counts = Counter(m.language for m in messages)
    assert set(counts) == {"nl", "ar", "ti", "en"}
    assert min(counts.values()) >= 50, counts
    for m in messages:
        flow = flows.flows.get(m.topic)
        assert flow is not None, m
        assert flow.menu is not None, m
        assert m.shown in flow.nodes, m
        if m.kind == "node":
            assert m.expect in flow.nodes, m
            assert m.expect != "start", m
        elif m.kind == "switch":
            assert m.expect.removeprefix("intent:") in INTENTS, m
    assert {m.kind for m in messages} == {"node", "switch", "none"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_followup_message_is_in_the_training_data(path: Path) -> None:
    trained = {normalize(e.text) for e in load_training(ROOT / "nlu", followups=True)}
    assert [m.text for m in load_followups(path) if normalize(m.text) in trained] == []


def test_the_evaluation_scores_the_dialogs_answers_with_and_without_follow_ups(
    embedded: EmbeddedClassifier, flows: FlowSet
) -> None:
    messages = [
        FollowupMessage("nl", "diploma_recognition", "start", "hoeveel kost dat", "cost_time"),
        FollowupMessage("nl", "diploma_recognition", "start", "hoe maak ik een cv", "intent:cv_help"),
        FollowupMessage("nl", "diploma_recognition", "start", "oke dank je wel", "none"),
        FollowupMessage("nl", "employment_contract", "start", "waar kan ik een simkaart kopen", "none"),
    ]
    (nl,) = evaluate_followups(embedded.predict, embedded.followup, flows, messages, 0.5).languages
    assert nl.counts == {"node": 1, "switch": 1, "none": 2}
    assert nl.right_with == {"node": 1.0, "switch": 1.0, "none": 1.0}
    assert nl.right_without == {"node": 0.0, "switch": 1.0, "none": 1.0}  # "hoeveel kost dat" alone is vague
    assert nl.misses == []
    report = format_followups(evaluate_followups(embedded.predict, embedded.followup, flows, messages[:1], 0.5))
    assert "1.000 / 0.000 (1)" in report


def test_the_follow_up_lines_name_real_nodes_once_each(flows: FlowSet) -> None:
    lines = load_node_examples(ROOT / "nlu" / "followups", followup=True)
    assert {e.language for e in lines} == {"nl", "ar", "ti", "en"}
    for e in lines:
        flow = flows.for_intent(e.intent)
        assert flow is not None, e
        assert e.node in flow.nodes, e
        assert e.node != "start", e
    repeated = Counter((e.language, normalize(e.text)) for e in lines)
    assert [key for key, n in repeated.items() if n > 1] == []

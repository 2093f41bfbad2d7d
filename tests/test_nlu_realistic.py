"""The realistic held-out messages (every nlu/eval/realistic*.yml: realistic.yml, realistic_b.yml, ...) and
their evaluation. The follow-ups (nlu/eval/followups.yml) have tests of their own (test_nlu_followups.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.flows.loader import load_flows
from bot.nlu.data import load_training
from bot.nlu.embedded import EmbeddedClassifier
from bot.nlu.realistic import evaluate_realistic, format_realistic, load_realistic, offered_topics
from bot.nlu.types import INTENTS, NluResult
from bot.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILES = sorted((ROOT / "nlu" / "eval").glob("realistic*.yml"))
PROBE_FILES = sorted((ROOT / "nlu" / "eval").glob("probe*.yml"))  # small held-out sets about one confusion


def test_every_evaluation_set_is_checked() -> None:
    assert [p.name for p in EVAL_FILES][:2] == ["realistic.yml", "realistic_b.yml"]
    assert [p.name for p in PROBE_FILES] == [
        "probe_bsn.yml",
        "probe_cao.yml",
        "probe_childcare.yml",
        "probe_duties.yml",
        "probe_firstcontact.yml",
        "probe_firstday.yml",
        "probe_health.yml",
        "probe_hours.yml",
        "probe_language.yml",
        "probe_licence.yml",
        "probe_lifeq.yml",
        "probe_pension.yml",
        "probe_permit.yml",
        "probe_pregnancy.yml",
        "probe_professions.yml",
        "probe_references.yml",
        "probe_reporting.yml",
        "probe_resign.yml",
        "probe_scam.yml",
        "probe_statement.yml",
        "probe_studywork.yml",
        "probe_tax_travel.yml",
        "probe_toeslagen.yml",
        "probe_trial.yml",
        "probe_vca.yml",
        "probe_ww.yml",
        "probe_young.yml",
    ]


@pytest.mark.parametrize("path", EVAL_FILES, ids=lambda p: p.name)
def test_realistic_file_has_60_messages_per_language_with_valid_labels(path: Path) -> None:
    messages = load_realistic(path)
    counts = Counter(m.language for m in messages)
    assert set(counts) == {"nl", "ar", "ti", "en"}
    assert min(counts.values()) >= 60, counts
    flows = load_flows(ROOT / "flows")
    for m in messages:
        assert m.intent in INTENTS, m
        assert m.second is None or m.second in INTENTS, m
        if m.node is not None:
            flow = flows.for_intent(m.intent)
            assert flow is not None, m
            assert m.node in flow.nodes, m


@pytest.mark.parametrize("path", EVAL_FILES + PROBE_FILES, ids=lambda p: p.name)
def test_no_realistic_message_is_in_the_training_data(path: Path) -> None:
    """Held out means never trained on: not in nlu/data, nlu/nodes or nlu/openers (after normalisation)."""
    trained = {normalize(e.text) for e in load_training(ROOT / "nlu", followups=True)}
    leaked = [m.text for m in load_realistic(path) if normalize(m.text) in trained]
    assert leaked == []


def test_the_realistic_sets_do_not_repeat_each_other() -> None:
    """Each set adds new messages: a line in two files would be counted twice in the figures."""
    seen: dict[str, str] = {}
    repeated = []
    for path in EVAL_FILES:
        for m in load_realistic(path):
            text = normalize(m.text)
            if seen.get(text, path.name) != path.name:
                repeated.append((m.text, seen[text], path.name))
            seen.setdefault(text, path.name)
    assert repeated == []


def _result(intent: str, confidence: float, ranking: list[tuple[str, float]], node: str | None = None) -> NluResult:
    return NluResult("x", None, intent, confidence, tuple(ranking), node=node)


def test_evaluation_counts_right_asked_back_and_wrong(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        "nl:\n"
        "- {text: a, intent: cv_help, node: gaps}\n"
        "- {text: b, intent: cv_help}\n"
        "- {text: c, intent: cv_help}\n"
        "- {text: d, intent: cv_help}\n"
        "- {text: e, intent: cv_help}\n"
        "- {text: f, intent: request_human}\n",
        encoding="utf-8",
    )
    answers = {
        "a": _result("cv_help", 0.9, [("cv_help", 0.9)], node="gaps"),  # right, right node
        "b": _result("job_application", 0.4, [("job_application", 0.4), ("greet", 0.3), ("cv_help", 0.2)]),
        "c": _result("job_application", 0.8, [("job_application", 0.8), ("cv_help", 0.1)]),  # confidently wrong
        "d": _result("greet", 0.3, [("greet", 0.3), ("thanks", 0.3)]),  # asked, cv_help not offered
        # Confidently wrong, but cv_help close behind: offered below the answer.
        "e": _result("job_application", 0.6, [("job_application", 0.6), ("greet", 0.2), ("cv_help", 0.15)]),
        # Wrong, but "Talk to a coach" is under every topic's answer.
        "f": _result("job_application", 0.9, [("job_application", 0.9), ("request_human", 0.05)]),
    }
    report = evaluate_realistic(lambda text: answers[text], load_realistic(path), threshold=0.5)
    (nl,) = report.languages
    assert (nl.messages, nl.answered_right, nl.asked_back, nl.asked_wrong) == (6, 1 / 6, 1 / 6, 1 / 6)
    assert nl.answered_wrong == 3 / 6
    assert nl.wrong_offered == 2 / 3  # e and f, not c (cv_help at 0.1)
    assert (nl.node_questions, nl.node_right) == (1, 1.0)
    assert "nl" in format_realistic(report)
    assert offered_topics(answers["b"]) == ["job_application", "cv_help"]  # greet is not a topic


def test_evaluate_scores_several_files_with_one_training(
    embedded: EmbeddedClassifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nlu evaluate --realistic A B` trains once and prints a report per file (JSON keyed by file)."""
    import json

    from bot import cli
    from tests.conftest import make_settings

    trained: list[int] = []

    def train(*_args: object, **_kwargs: object) -> EmbeddedClassifier:
        trained.append(1)
        return embedded

    monkeypatch.setattr(EmbeddedClassifier, "train", staticmethod(train))
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text('nl:\n- {text: "hoe maak ik een cv", intent: cv_help}\n', encoding="utf-8")
    second.write_text('en:\n- {text: "what is the weather tomorrow", intent: out_of_scope}\n', encoding="utf-8")
    settings = make_settings("sqlite+aiosqlite://", ROOT / "locales", nlu_dir=ROOT / "nlu")
    out = tmp_path / "report.json"
    assert cli._nlu_evaluate(settings, 5, str(out), realistic=[str(first), str(second)]) == 0
    printed = capsys.readouterr().out
    assert trained == [1]
    assert printed.index(f"== {first}") < printed.index(f"== {second}")
    before, after = printed.split(f"== {second}")
    assert "\nnl " in before
    assert "\nen " in after
    assert sorted(json.loads(out.read_text(encoding="utf-8"))) == sorted([str(first), str(second)])

"""`werkhelpdesk nlu export`: a Rasa server trains on exactly what the embedded classifier's intents learn from
(nlu/data, nlu/nodes and their copies with an opening in front), not on nlu/data alone."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.cli import write_rasa_data
from bot.nlu.compose import intent_training
from bot.nlu.data import Example, load_node_examples, load_training

ROOT = Path(__file__).resolve().parent.parent


def _exported(directory: Path) -> dict[str, list[str]]:
    blocks = yaml.safe_load((directory / "nlu.yml").read_text(encoding="utf-8"))["nlu"]
    found: dict[str, list[str]] = {}
    for block in blocks:
        found.setdefault(block["intent"], []).extend(line[2:] for line in block["examples"].splitlines())
    return found


def test_the_export_holds_what_the_embedded_classifier_learns(tmp_path: Path) -> None:
    (tmp_path / "nl.yml").write_text("stale copy of nlu/data from an older export")  # would be trained twice
    learnt = [Example("waar is de kinderopvang", "childcare", "nl")]
    written = write_rasa_data(ROOT / "nlu", learnt, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.yml")) == ["console.yml", "nlu.yml"]
    exported = _exported(tmp_path)
    expected = intent_training(load_training(ROOT / "nlu"))
    assert written == len(expected) == sum(len(lines) for lines in exported.values())
    node_question = next(e for e in load_node_examples(ROOT / "nlu" / "nodes") if e.node == "vog")
    assert node_question.text in exported[node_question.intent]  # nlu/nodes, which nlu/data alone lacks
    assert len(expected) > 1.5 * len(load_training(ROOT / "nlu"))  # the copies with an opening in front
    console = yaml.safe_load((tmp_path / "console.yml").read_text(encoding="utf-8"))["nlu"]
    assert console == [{"intent": "childcare", "examples": "- waar is de kinderopvang\n"}]

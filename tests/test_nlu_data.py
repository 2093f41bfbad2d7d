"""The Rasa 3 training data: loading it (entity annotations included) and what nlu/data/ must contain."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.nlu import data
from bot.nlu.data import Example, TrainingDataError, annotate, load_examples, parse_example, rasa_yaml
from bot.nlu.types import INTENTS, Entity
from bot.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "nlu" / "data"
LANGUAGES = ("nl", "ar", "ti", "en")
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "affirm", "deny"})
PROFESSIONS = frozenset(
    {"doctor", "nurse", "dentist", "pharmacist", "physiotherapist", "midwife", "psychologist", "teacher", "lawyer"}
    | {"engineer"}
)

SAMPLE = """\
version: "3.1"
nlu:
- intent: profession_accreditation
  examples: |
    - ik ben [tandarts]{"entity": "profession", "value": "dentist"} uit syrie
    - انا [ممرضة]{"entity": "profession", "value": "nurse"}
    - i am a [nurse](profession) from eritrea
    - hoe kom ik in het BIG-register
- synonym: doctor
  examples: |
    - dokter
- intent: greet
  examples: |
    - hallo

    - hoi
- regex: kvk_number
  examples: |
    - \\d{8}
"""


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples(DATA)


def test_loading_strips_annotations_and_keeps_entities(tmp_path: Path) -> None:
    (tmp_path / "nl.yml").write_text(SAMPLE, encoding="utf-8")
    loaded = load_examples(tmp_path)
    assert [(e.intent, e.text) for e in loaded] == [
        ("profession_accreditation", "ik ben tandarts uit syrie"),
        ("profession_accreditation", "انا ممرضة"),
        ("profession_accreditation", "i am a nurse from eritrea"),
        ("profession_accreditation", "hoe kom ik in het BIG-register"),
        ("greet", "hallo"),
        ("greet", "hoi"),
    ]  # synonyms and regexes are not examples; blank lines are skipped
    assert {e.language for e in loaded} == {"nl"}  # the file name is the language
    assert loaded[0].entities == (("tandarts", Entity("profession", "dentist")),)
    assert loaded[1].entities == (("ممرضة", Entity("profession", "nurse")),)
    assert loaded[2].entities == (("nurse", Entity("profession", "nurse")),)  # short form: value = surface
    assert loaded[3].entities == ()


def test_parse_example_with_two_annotations() -> None:
    text, entities = parse_example('[arts]{"entity": "profession", "value": "doctor"} en [utrecht](city)')
    assert text == "arts en utrecht"
    assert entities == (("arts", Entity("profession", "doctor")), ("utrecht", Entity("city", "utrecht")))


def test_rasa_yaml_round_trip(tmp_path: Path) -> None:
    (tmp_path / "nl.yml").write_text(SAMPLE, encoding="utf-8")
    loaded = load_examples(tmp_path)
    written = rasa_yaml(loaded)
    assert yaml.safe_load(written)["version"] == "3.1"
    (tmp_path / "nl.yml").write_text(written, encoding="utf-8")
    assert load_examples(tmp_path) == loaded
    assert annotate(loaded[2]) == "i am a [nurse](profession) from eritrea"


def test_annotate_refuses_an_entity_missing_from_the_text() -> None:
    broken = Example("hallo", "greet", "nl", (("arts", Entity("profession", "doctor")),))
    with pytest.raises(TrainingDataError, match="arts"):
        annotate(broken)


def test_no_data_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no training data"):
        load_examples(tmp_path)


def test_libyaml_reads_the_training_data_as_the_python_parser_does(monkeypatch: pytest.MonkeyPatch) -> None:
    quick = data.load_training(ROOT / "nlu")
    monkeypatch.setattr(data, "_LOADER", yaml.SafeLoader)
    assert data.load_training(ROOT / "nlu") == quick


def test_every_language_has_every_intent_in_the_contract_order() -> None:
    for language in LANGUAGES:
        doc = yaml.safe_load((DATA / f"{language}.yml").read_text(encoding="utf-8"))
        assert [block["intent"] for block in doc["nlu"] if "intent" in block] == list(INTENTS), language


def test_enough_examples_per_intent_and_language(examples: list[Example]) -> None:
    counts = Counter((e.language, e.intent) for e in examples)
    too_few = []
    for language in LANGUAGES:
        for intent in INTENTS:
            needed = 10 if intent in SMALL_TALK or language == "en" else 25
            if counts[language, intent] < needed:
                too_few.append(f"{language}/{intent}: {counts[language, intent]} < {needed}")
    assert too_few == []


def test_no_text_under_two_intents_and_no_duplicates(examples: list[Example]) -> None:
    intents_of: dict[str, set[str]] = defaultdict(set)
    seen: Counter[tuple[str, str, str]] = Counter()
    for e in examples:
        intents_of[normalize(e.text)].add(e.intent)
        seen[e.language, e.intent, e.text] += 1
    assert {text: sorted(i) for text, i in intents_of.items() if len(i) > 1} == {}
    assert [key for key, n in seen.items() if n > 1] == []


def test_profession_entities_are_canonical_and_token_aligned(examples: list[Example]) -> None:
    annotated = [e for e in examples if e.entities]
    assert {e.intent for e in annotated} == {"profession_accreditation"}
    assert {lang for lang in LANGUAGES if sum(e.language == lang for e in annotated) >= 10} == set(LANGUAGES)
    values: dict[str, set[str]] = defaultdict(set)
    for example in annotated:
        for surface, entity in example.entities:
            assert entity.entity == "profession"
            assert entity.value in PROFESSIONS, example.text
            values[normalize(surface)].add(entity.value)
            # Rasa's WhitespaceTokenizer: an entity must start and end on token boundaries.
            assert re.search(rf"(?<!\S){re.escape(surface)}(?!\S)", example.text), example.text
    assert {s: v for s, v in values.items() if len(v) > 1} == {}  # one surface form, one value


def test_files_hold_no_stray_brackets() -> None:
    for language in LANGUAGES:
        for line in (DATA / f"{language}.yml").read_text(encoding="utf-8").splitlines():
            if line.startswith("    - "):
                text, _ = parse_example(line[6:])
                assert "[" not in text, line
                assert "]" not in text, line

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.loader import FlowsInvalidError, check_flows, load_flows
from tests.flowkit import DIPLOMA, GREET, write_flows


def messages(directory: Path) -> list[str]:
    return [str(p) for p in check_flows(directory).problems]


def test_valid_set_has_no_problems(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    assert messages(flows_dir) == []
    flows = load_flows(flows_dir)
    assert flows.for_intent("diploma_recognition") is not None
    assert [f.id for f in flows.menu()] == ["diploma"]


def test_missing_arabic_text_names_file_line_and_node(tmp_path: Path) -> None:
    broken = DIPLOMA.replace("      ar: قدّم الطلب على أي حال.\n", "")
    flows_dir = write_flows(tmp_path / "flows", diploma=broken)
    assert "flows/diploma.yml line 25: error: node 'lost' has no Arabic text" in messages(flows_dir)
    with pytest.raises(FlowsInvalidError):
        load_flows(flows_dir)


def test_broken_link_between_nodes(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("goto: diploma.start", "goto: diploma.nowhere"))
    assert "flows/greet.yml line 16: error: node 'start' button 1 goes to 'diploma.nowhere', which does not exist" in (
        messages(flows_dir)
    )


def test_unknown_intent(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("intents: [greet]", "intents: [gret]"))
    assert any("line 2: error: unknown intent 'gret'" in m for m in messages(flows_dir))


def test_factual_node_without_sources(tmp_path: Path) -> None:
    no_sources = DIPLOMA.replace(
        "    sources:\n      - url: https://idw.nl/nl/diplomawaardering.html\n        checked: 2026-11-22\n", ""
    )
    flows_dir = write_flows(tmp_path / "flows", diploma=no_sources)
    assert any("node 'start' states facts but has no sources" in m for m in messages(flows_dir))


def test_missing_button_label_language(tmp_path: Path) -> None:
    flows_dir = write_flows(
        tmp_path / "flows",
        greet=GREET.replace(", ti: ዲፕሎማ}", "}", 1).replace(
            "title: {nl: Welkom, en: Welcome, ar: أهلا, ti: እንቋዕ ብደሓን መጻእኩም}",
            "title: {nl: Welkom, en: Welcome, ar: أهلا, ti: እንቋዕ}",
        ),
    )
    assert any("node 'start' button 1 has no Tigrinya label" in m for m in messages(flows_dir))


def test_yaml_syntax_error_and_typo_field(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("    buttons:", "    butons:"))
    assert any(
        m.startswith("flows/greet.yml line 15: error:") and "unknown (a typo?)" in m for m in messages(flows_dir)
    )
    flows_dir = write_flows(tmp_path / "second" / "flows", greet="id: greet\ntitle: [unclosed\n")
    assert any(m.startswith("flows/greet.yml line 3: error: this is not valid YAML") for m in messages(flows_dir))


def test_duplicate_key_is_reported(tmp_path: Path) -> None:
    flows_dir = write_flows(
        tmp_path / "flows", greet=GREET.replace("nodes:\n", "nodes:\n  start:\n    text: {nl: x}\n")
    )
    assert any("'start' appears twice here" in m for m in messages(flows_dir))


def test_id_must_match_file_name(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("id: greet", "id: hello"))
    assert any("id 'hello' must be the file name 'greet'" in m for m in messages(flows_dir))


def test_stale_translation_after_dutch_edit_is_a_warning(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    node = load_flows(flows_dir).flows["greet"].nodes["start"]
    stamped = GREET.replace("ar: {reviewed: false}", f"ar: {{reviewed: true, nl_hash: {node.nl_hash()}}}")
    write_flows(flows_dir, greet=stamped)
    assert messages(flows_dir) == []
    write_flows(flows_dir, greet=stamped.replace("nl: Hallo!", "nl: Hallo, welkom!"))
    result = check_flows(flows_dir)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        "flows/greet.yml line 13: warning: node 'start': the Dutch text changed after the Arabic translation was made; "
        "update the translation"
    ]


def test_real_flows_are_valid() -> None:
    root = Path(__file__).resolve().parent.parent / "flows"
    result = check_flows(root)
    assert result.errors == [], "\n".join(map(str, result.errors))


def test_long_text_is_a_warning_and_very_long_text_an_error(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("en: Hello!", "en: " + "Hello! " * 200))
    result = check_flows(flows_dir)
    assert result.errors == []
    assert any("long for a phone screen (1399 characters" in str(w) for w in result.warnings)
    flows_dir = write_flows(tmp_path / "b" / "flows", greet=GREET.replace("en: Hello!", "en: " + "Hello! " * 700))
    assert any("English text is too long (4899 characters" in str(e) for e in check_flows(flows_dir).errors)

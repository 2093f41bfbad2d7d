"""The flow loader: fast (libyaml), the same data as `yaml.safe_load`, and lines for every error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from bot.flows import loader
from bot.flows.loader import check_flows
from tests.flowkit import GREET, write_flows

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def test_uses_the_c_loader_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    assert loader._Loader is yaml.CSafeLoader


@pytest.mark.parametrize("path", sorted(FLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_real_files_parse_to_what_safe_load_gives(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines: dict[tuple[str | int, ...], int] = {}
    assert loader._parse(text, lines) == yaml.safe_load(text)
    # Every key of the first node has the line it is written on.
    first = next(iter(yaml.safe_load(text)["nodes"]))
    key_line = next(i for i, line in enumerate(text.splitlines(), 1) if line == f"  {first}:")
    assert lines[("nodes", first)] == key_line


def test_values_keep_their_yaml_types(tmp_path: Path) -> None:
    lines: dict[tuple[str | int, ...], int] = {}
    data = loader._parse("a: 2026-11-22\nb: 'x'\nc: [1, yes, ~]\nd: &x {e: f}\ng: *x\n", lines)
    assert data == yaml.safe_load("a: 2026-11-22\nb: 'x'\nc: [1, yes, ~]\nd: {e: f}\ng: {e: f}\n")
    assert lines[("c", 2)] == 3
    assert lines[("g",)] == 5
    assert lines[("g", "e")] == 4


def test_errors_keep_file_and_line_with_the_c_loader(tmp_path: Path) -> None:
    flows_dir = write_flows(
        tmp_path / "flows", greet=GREET.replace("      ti: ሰላም!\n", "      ti: ሰላም!\n      ti: x\n")
    )
    assert "flows/greet.yml line 11: error: 'ti' appears twice here; keep only one" in [
        str(p) for p in check_flows(flows_dir).problems
    ]
    flows_dir = write_flows(tmp_path / "b" / "flows", greet=GREET.replace("  start:\n", "  start:\n\t\n"))
    bad = [str(p) for p in check_flows(flows_dir).problems if "not valid YAML" in str(p)]
    assert bad
    assert bad[0].startswith("flows/greet.yml line 6: error:")
    flows_dir = write_flows(tmp_path / "c" / "flows", greet="")
    assert "flows/greet.yml line 1: error: the file is empty" in [str(p) for p in check_flows(flows_dir).problems]


def test_all_real_flows_load_well_under_a_second() -> None:
    # Was 5.2 s with the per-scalar re-serialising loader; about 0.2 s with libyaml (2-core machine).
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml")
    started = time.perf_counter()
    check_flows(FLOWS)
    assert time.perf_counter() - started < 1.5

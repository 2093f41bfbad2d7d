"""`flows status` counts and `flows stamp`, which edits the YAML text in place."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.flows.loader import check_flows, load_flows
from bot.flows.stamp import StampError, stamp
from bot.flows.status import flow_status, format_status
from tests.flowkit import DIPLOMA, GREET, OUT_OF_SCOPE, write_flows

ALL = ("en", "ar", "ti")

# Block style, comments, quoting, block scalars, a node without review and one with an incomplete review.
BLOCKY = """\
# Diploma topic: edited by the content team.
id: diploma
intents: [diploma_recognition]
menu: 10
title: {nl: Diploma, en: Diploma, ar: الشهادة, ti: ዲፕሎማ}
nodes:
  start:
    factual: true
    sources:
      - url: https://idw.nl/nl/diplomawaardering.html
        checked: 2026-11-22   # read by Anna
    text:
      nl: |
        Laat je diploma waarderen bij IDW.
        Dat kost geld.
      en: "Have your diploma evaluated by IDW."
      ar: 'قيّم شهادتك عند IDW.'
      ti: >-
        ዲፕሎማኻ ብ IDW
        ኣገምግም።
    review:
      en:
        reviewed: true   # checked by Sara
      ar: {reviewed: false}  # machine-written
      # ti: not listed yet
    buttons:
      - goto: lost
        label: {nl: Papieren kwijt, en: Lost my papers, ar: فقدت أوراقي, ti: ወረቐተይ ጠፊኡ}
      - action: language

  lost:
    # no review yet
    text:
        nl: |
          Vraag het toch aan.
        en: Apply anyway.
        ar: >
          قدّم الطلب على أي حال.
        ti: |
          ብዘየገድስ ኣመልክት።

    buttons:
      - action: coach
"""


def hashes(flows_dir: Path, flow: str) -> dict[str, str]:
    return {node_id: node.nl_hash() for node_id, node in load_flows(flows_dir).flows[flow].nodes.items()}


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """The removed and the added lines; everything else in the file is the same."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# --- status -----------------------------------------------------------------------------------------------


def test_status_counts(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    node = load_flows(flows_dir).flows["diploma"].nodes["lost"]
    # diploma.lost: ar reviewed and stamped, ti stamped with an old hash (stale), en without review at all.
    lost = DIPLOMA.split("  lost:\n")[1]
    new_lost = (
        lost.replace("      en: {reviewed: true}\n", "")
        .replace("ar: {reviewed: false}", f"ar: {{reviewed: true, nl_hash: {node.nl_hash()}}}")
        .replace("ti: {reviewed: false}", "ti: {reviewed: false, nl_hash: 00000aaaaa}")
    )
    diploma = DIPLOMA.split("  lost:\n")[0] + "  lost:\n" + new_lost
    write_flows(flows_dir, diploma=diploma)
    assert [p.message for p in check_flows(flows_dir).errors] == []

    report = flow_status(flows_dir)
    assert report.languages == ("nl", "en", "ar", "ti")
    assert (report.flows, report.nodes) == (3, 4)
    nl, en, ar, ti = (report.totals[lang] for lang in report.languages)
    assert (nl.nodes, nl.translated, nl.reviewed, nl.stale, nl.unstamped) == (4, 4, 4, 0, 0)
    # en: reviewed: true on three nodes; diploma.lost has no review entry (not reviewed, unstamped)
    assert (en.nodes, en.translated, en.reviewed, en.stale, en.unstamped) == (4, 4, 3, 0, 4)
    assert (ar.translated, ar.reviewed, ar.stale, ar.unstamped) == (4, 1, 0, 3)
    assert (ti.translated, ti.reviewed, ti.stale, ti.unstamped) == (4, 0, 1, 3)
    by_flow = report.by_flow["diploma"]
    assert (by_flow["ti"].nodes, by_flow["ti"].stale, by_flow["ar"].reviewed) == (2, 1, 1)
    assert [(s.flow, s.node, s.lang) for s in report.stale] == [("diploma", "lost", "ti")]

    text = format_status(report)
    assert text.splitlines()[:6] == [
        "3 flows, 4 nodes",
        "language           nodes  translated  reviewed  stale  unstamped",
        "nl Dutch (source)      4           4         4      -          -",
        "en English             4           4         3      0          4",
        "ar Arabic              4           4         1      0          3",
        "ti Tigrinya            4           4         0      1          3",
    ]
    assert "  diploma node 'lost': ti" in text
    assert "diploma (2 nodes)" not in text
    detailed = format_status(report, by_flow=True)
    assert "diploma (2 nodes)" in detailed
    assert "greet (1 node)" in detailed


def test_status_counts_a_missing_translation_and_reports_errors(tmp_path: Path) -> None:
    no_arabic = GREET.replace("      ar: مرحبا!\n", "")
    flows_dir = write_flows(tmp_path / "flows", greet=no_arabic, broken="id: broken\ntitle: [unclosed\n")
    report = flow_status(flows_dir)
    assert report.totals["ar"].translated == 3
    assert report.totals["ar"].nodes == 4
    assert len(report.errors) == 2  # the missing Arabic text and the YAML error
    assert "2 errors in the flow files" in format_status(report)


# --- stamp ------------------------------------------------------------------------------------------------


def test_stamp_flow_style_entries(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    before = (flows_dir / "greet.yml").read_text(encoding="utf-8")
    h = hashes(flows_dir, "greet")["start"]

    assert stamp(flows_dir, languages=["ar"], flows=["greet"]) == ["flows/greet.yml: node 'start' ar stamped"]

    after = (flows_dir / "greet.yml").read_text(encoding="utf-8")
    assert changes(before, after) == (
        ["      ar: {reviewed: false}\n"],
        [f"      ar: {{reviewed: false, nl_hash: {h}}}\n"],
    )
    # the other flows were not touched
    assert (flows_dir / "diploma.yml").read_text(encoding="utf-8") == DIPLOMA
    result = check_flows(flows_dir)
    assert result.problems == []
    assert load_flows(flows_dir).flows["greet"].nodes["start"].review["ar"].nl_hash == h


def test_stamp_block_style_missing_entries_and_node_without_review(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", diploma=BLOCKY)
    assert [p.message for p in check_flows(flows_dir).errors] == []
    h = hashes(flows_dir, "diploma")

    lines = stamp(flows_dir, languages=ALL, flows=["diploma"])

    assert lines == [
        "flows/diploma.yml: node 'start' en stamped",
        "flows/diploma.yml: node 'start' ar stamped",
        "flows/diploma.yml: node 'start' ti stamped",
        "flows/diploma.yml: node 'lost' en stamped",
        "flows/diploma.yml: node 'lost' ar stamped",
        "flows/diploma.yml: node 'lost' ti stamped",
    ]
    after = (flows_dir / "diploma.yml").read_text(encoding="utf-8")
    expected = BLOCKY.replace(
        "        reviewed: true   # checked by Sara\n",
        f"        reviewed: true   # checked by Sara\n        nl_hash: {h['start']}\n",
    ).replace(
        "      ar: {reviewed: false}  # machine-written\n",
        f"      ar: {{reviewed: false, nl_hash: {h['start']}}}  # machine-written\n"
        f"      ti: {{reviewed: false, nl_hash: {h['start']}}}\n",
    )
    expected = expected.replace(
        "          ብዘየገድስ ኣመልክት።\n\n",
        "          ብዘየገድስ ኣመልክት።\n\n"
        "    review:\n"  # the entries indented like the text entries of this node
        f"        en: {{reviewed: false, nl_hash: {h['lost']}}}\n"
        f"        ar: {{reviewed: false, nl_hash: {h['lost']}}}\n"
        f"        ti: {{reviewed: false, nl_hash: {h['lost']}}}\n",
    )
    assert after == expected
    removed, added = changes(BLOCKY, after)
    assert removed == [
        "      ar: {reviewed: false}  # machine-written\n",
    ]
    assert len(added) == 1 + 1 + 1 + 4
    assert check_flows(flows_dir).problems == []
    node = load_flows(flows_dir).flows["diploma"].nodes["start"]
    assert node.review["en"].reviewed is True  # stamping does not change the review status
    assert node.review["ti"].reviewed is False
    assert not any(node.is_stale(lang) for lang in ALL)


def test_stamp_replaces_an_old_hash_and_handles_odd_entries(tmp_path: Path) -> None:
    odd = GREET.replace(
        "    review:\n      en: {reviewed: true}\n      ar: {reviewed: false}\n      ti: {reviewed: false}\n",
        '    review: {en: {reviewed: true, nl_hash: "abc"}, ar: {}}\n',
    )
    flows_dir = write_flows(tmp_path / "flows", greet=odd)
    h = hashes(flows_dir, "greet")["start"]
    assert stamp(flows_dir, languages=ALL, flows=["greet.yml"]) == [
        "flows/greet.yml: node 'start' en stamped",
        "flows/greet.yml: node 'start' ar stamped",
        "flows/greet.yml: node 'start' ti stamped",
    ]
    after = (flows_dir / "greet.yml").read_text(encoding="utf-8")
    assert (
        f"    review: {{en: {{reviewed: true, nl_hash: {h}}}, ar: {{nl_hash: {h}}}, "
        f"ti: {{reviewed: false, nl_hash: {h}}}}}\n" in after
    )
    assert check_flows(flows_dir).problems == []

    block_empty = GREET.replace(
        "      ar: {reviewed: false}\n", "      ar:\n        reviewed: false\n        nl_hash:\n"
    )
    write_flows(flows_dir, greet=block_empty)
    assert stamp(flows_dir, languages=["ar"], flows=["greet"]) == ["flows/greet.yml: node 'start' ar stamped"]
    assert f"      ar:\n        reviewed: false\n        nl_hash: {h}\n" in (flows_dir / "greet.yml").read_text(
        encoding="utf-8"
    )


def test_stamp_keeps_windows_line_ends_and_a_missing_final_newline(tmp_path: Path) -> None:
    no_review = GREET.split("    review:\n")[0].rstrip("\n")
    flows_dir = write_flows(tmp_path / "flows")
    (flows_dir / "greet.yml").write_bytes(no_review.replace("\n", "\r\n").encode())
    h = hashes(flows_dir, "greet")["start"]
    assert len(stamp(flows_dir, languages=ALL, flows=["greet"])) == 3
    raw = (flows_dir / "greet.yml").read_bytes().decode()
    assert raw == no_review.replace("\n", "\r\n") + "\r\n    review:\r\n" + "".join(
        f"      {lang}: {{reviewed: false, nl_hash: {h}}}\r\n" for lang in ALL
    )
    assert "\n" not in raw.replace("\r\n", "")
    assert load_flows(flows_dir).flows["greet"].nodes["start"].review["ti"].nl_hash == h


def test_a_hash_that_looks_like_a_number_is_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.flows.model import Node

    flows_dir = write_flows(tmp_path / "flows")
    for number in ("1234567890", "0123456789"):
        monkeypatch.setattr(Node, "nl_hash", lambda self, number=number: number)
        stamp(flows_dir, languages=["ar"], flows=["greet"])
        assert f"ar: {{reviewed: false, nl_hash: '{number}'}}" in (flows_dir / "greet.yml").read_text(encoding="utf-8")
        assert check_flows(flows_dir).problems == []
        assert not load_flows(flows_dir).flows["greet"].nodes["start"].is_stale("ar")


def test_stamp_is_idempotent_and_only_missing(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", diploma=BLOCKY)
    first = stamp(flows_dir, languages=ALL)
    assert len(first) == 3 * 4
    snapshot = {p.name: p.read_bytes() for p in flows_dir.glob("*.yml")}
    assert stamp(flows_dir, languages=ALL) == []
    assert stamp(flows_dir, languages=ALL, only_missing=True) == []
    assert {p.name: p.read_bytes() for p in flows_dir.glob("*.yml")} == snapshot

    # only_missing leaves an existing (stale) hash alone and fills in the missing one
    flows_dir = write_flows(
        tmp_path / "second" / "flows", greet=GREET.replace("en: {reviewed: true}", "en: {reviewed: true, nl_hash: old}")
    )
    assert stamp(flows_dir, languages=["en", "ar"], flows=["greet"], only_missing=True) == [
        "flows/greet.yml: node 'start' ar stamped"
    ]
    assert "en: {reviewed: true, nl_hash: old}" in (flows_dir / "greet.yml").read_text(encoding="utf-8")


def test_stamp_then_edit_dutch_then_stale_then_stamp_again(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    stamp(flows_dir, languages=ALL)
    assert check_flows(flows_dir).problems == []
    assert flow_status(flows_dir).totals["ar"].unstamped == 0

    greet = flows_dir / "greet.yml"
    greet.write_text(greet.read_text(encoding="utf-8").replace("nl: Hallo!", "nl: Hallo, welkom!"), encoding="utf-8")
    warnings = [str(w) for w in check_flows(flows_dir).warnings]
    assert "flows/greet.yml line 13: warning: node 'start': the Dutch text changed after the Arabic translation " in (
        "\n".join(warnings)
    )
    assert len(warnings) == 3
    assert check_flows(flows_dir).errors == []
    report = flow_status(flows_dir)
    assert [report.totals[lang].stale for lang in ALL] == [1, 1, 1]
    assert "  greet node 'start': ar" in format_status(report)

    # The Arabic translator updates the text and stamps Arabic only.
    greet.write_text(greet.read_text(encoding="utf-8").replace("ar: مرحبا!", "ar: مرحبا، أهلا!"), encoding="utf-8")
    assert stamp(flows_dir, languages=["ar"], flows=["greet"]) == ["flows/greet.yml: node 'start' ar stamped"]
    report = flow_status(flows_dir)
    assert [report.totals[lang].stale for lang in ALL] == [1, 0, 1]
    node = load_flows(flows_dir).flows["greet"].nodes["start"]
    assert not node.is_stale("ar")
    assert node.is_stale("en")
    assert len(check_flows(flows_dir).warnings) == 2


def test_a_button_label_change_makes_translations_stale(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    stamp(flows_dir, languages=ALL)
    greet = flows_dir / "greet.yml"
    greet.write_text(greet.read_text(encoding="utf-8").replace("{nl: Diploma,", "{nl: Mijn diploma,"), "utf-8")
    assert flow_status(flows_dir).totals["ti"].stale == 1


def test_stamp_refuses_wrong_arguments_and_skips_broken_files(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows")
    with pytest.raises(StampError, match="not a translation language"):
        stamp(flows_dir, languages=["nl"])
    with pytest.raises(StampError, match="no flow 'nowhere'"):
        stamp(flows_dir, languages=["ar"], flows=["nowhere"])
    with pytest.raises(StampError):
        stamp(flows_dir, languages=[])

    broken = "id: broken\ntitle: [unclosed\n"
    write_flows(flows_dir, broken=broken)
    lines = stamp(flows_dir, languages=["ar"])
    assert "flows/broken.yml: not stamped: the file has errors (run `werkhelpdesk flows check`)" in lines
    assert len(lines) == 1 + 4
    assert (flows_dir / "broken.yml").read_text(encoding="utf-8") == broken


def test_stamp_skips_a_translation_that_is_not_there(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("      ti: ሰላም!\n", "      ti: ''\n"))
    assert stamp(flows_dir, languages=["ti"], flows=["greet"]) == []


def test_stamp_does_not_edit_through_yaml_anchors(tmp_path: Path) -> None:
    anchored = GREET.replace(
        "      ar: {reviewed: false}\n      ti: {reviewed: false}\n", "      ar: &r {reviewed: false}\n      ti: *r\n"
    )
    flows_dir = write_flows(tmp_path / "flows", greet=anchored)
    assert stamp(flows_dir, languages=["ar"], flows=["greet"]) == [
        "flows/greet.yml: not stamped: review ar is not a mapping (or uses YAML anchors)"
    ]
    assert (flows_dir / "greet.yml").read_text(encoding="utf-8") == anchored


def test_stamp_adds_entries_after_a_block_entry_and_into_a_flow_style_node(tmp_path: Path) -> None:
    block_last = GREET.replace(
        "      en: {reviewed: true}\n      ar: {reviewed: false}\n      ti: {reviewed: false}\n",
        "      en:\n        reviewed: true\n",
    )
    flows_dir = write_flows(tmp_path / "flows", greet=block_last)
    h = hashes(flows_dir, "greet")["start"]
    assert len(stamp(flows_dir, languages=ALL, flows=["greet"])) == 3
    assert (
        "    review:\n"
        "      en:\n"
        "        reviewed: true\n"
        f"        nl_hash: {h}\n"
        f"      ar: {{reviewed: false, nl_hash: {h}}}\n"
        f"      ti: {{reviewed: false, nl_hash: {h}}}\n"
        "    buttons:\n"
    ) in (flows_dir / "greet.yml").read_text(encoding="utf-8")

    flow_node = OUT_OF_SCOPE.split("  start:\n")[0] + "  start: {text: {nl: Nee., en: No., ar: لا., ti: ኣይፋል።}}\n"
    write_flows(flows_dir, out_of_scope=flow_node)
    h = hashes(flows_dir, "out_of_scope")["start"]
    assert len(stamp(flows_dir, languages=["ar", "ti"], flows=["out_of_scope"])) == 2
    assert (
        (flows_dir / "out_of_scope.yml")
        .read_text(encoding="utf-8")
        .endswith(
            "  start: {text: {nl: Nee., en: No., ar: لا., ti: ኣይፋል።}, review: {"
            f"ar: {{reviewed: false, nl_hash: {h}}}, ti: {{reviewed: false, nl_hash: {h}}}}}}}\n"
        )
    )
    assert [p.message for p in check_flows(flows_dir).errors] == []

"""The callback codec: every kind round-trips in the wire format buttons in chats already carry; old,
forged and malformed data decodes to None; nothing longer than Telegram's 64 bytes is ever built."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.callbacks import (
    MAX_BYTES,
    ActionButton,
    Callback,
    CallbackTooLong,
    CoachButton,
    DeleteButton,
    DismissAlarm,
    IntakeButton,
    LanguageButton,
    NodeButton,
    SafetyAnswer,
    SatisfactionButton,
    TopicButton,
    decode,
    encode,
    fits,
)
from bot.flows.loader import load_flows
from bot.intake.validate import municipalities

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("callback", "wire"),
    [
        (NodeButton("cv_help", "start"), "n:cv_help.start"),
        (ActionButton("coach_yes"), "a:coach_yes"),
        (LanguageButton("ti"), "l:ti"),
        (TopicButton("diploma_recognition"), "i:diploma_recognition"),
        (CoachButton("claim", 12), "c:claim:12"),
        (CoachButton("use", 3), "c:use:3"),
        (SatisfactionButton(7, 3), "s:7:3"),
        (DeleteButton("yes"), "del:yes"),
        (IntakeButton("skip"), "in:skip"),
        (IntakeButton("consent", "no"), "in:consent:no"),
        (IntakeButton("pick", "Nuenen, Gerwen en Nederwetten"), "in:pick:Nuenen, Gerwen en Nederwetten"),
        (DismissAlarm(41, "o"), "sg:no:41:o"),
        (SafetyAnswer("help", "suicide"), "sg:ask:help:suicide"),
        (SafetyAnswer("safe", "domestic_violence"), "sg:ask:safe:domestic_violence"),
    ],
)
def test_each_kind_keeps_its_wire_format(callback: Callback, wire: str) -> None:
    assert encode(callback) == wire
    assert decode(wire) == callback


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "zzz",
        "n:",
        "n:cv_help",  # no node
        "c:claim",
        "c:steal:1",
        "c:claim:x",
        "c:claim:١٢",  # Arabic-Indic digits are not a case id
        "c:claim:1:2",
        "s:1:4",
        "s:1",
        "del:maybe",
        "sg:no:1:x",
        "sg:yes:1:o",
        "sg:no:1",
        "sg:ask:help",  # no category
        "sg:ask:help:bogus",  # not a category
        "sg:ask:maybe:suicide",
        "x:claim:1",
    ],
)
def test_old_forged_or_malformed_data_decodes_to_none(data: str | None) -> None:
    assert decode(data) is None


def test_the_last_field_keeps_the_separator() -> None:
    """As before the codec: an intake argument may hold a colon."""
    assert decode("in:pick:a:b") == IntakeButton("pick", "a:b")


def test_a_separator_inside_an_earlier_field_is_refused() -> None:
    with pytest.raises(ValueError, match="separator"):
        encode(NodeButton("cv.help", "start"))


def test_the_longest_real_node_ids_fit() -> None:
    flows = load_flows(ROOT / "flows")
    longest = max(
        (NodeButton(flow.id, node) for flow in flows.flows.values() for node in flow.nodes),
        key=lambda b: len(encode(b).encode()),
    )
    assert len(encode(longest).encode()) <= MAX_BYTES
    assert decode(encode(longest)) == longest


def test_every_municipality_suggestion_fits() -> None:
    for name in municipalities().names:
        assert decode(encode(IntakeButton("pick", name))) == IntakeButton("pick", name)


def test_arabic_and_ethiopic_text_counts_in_bytes_not_characters() -> None:
    arabic = "بلدية" * 6  # 30 characters, 60 bytes
    assert not fits(IntakeButton("pick", arabic))
    with pytest.raises(CallbackTooLong):
        encode(IntakeButton("pick", arabic))
    ethiopic = "ኣምስተርዳም"  # 7 characters, 21 bytes
    assert decode(encode(IntakeButton("pick", ethiopic))) == IntakeButton("pick", ethiopic)
    assert fits(IntakeButton("pick", "ኣ" * 18))  # 8 + 3 * 18 = 62 bytes
    assert not fits(IntakeButton("pick", "ኣ" * 19))

"""Telegram updates to `Incoming`: text, caption, callback data, command and its arguments each land
in their own field."""

from __future__ import annotations

from bot.tg.convert import to_incoming
from tests import fake_bot_api as tg

AMAL = tg.user(1001, "Amal", language_code="ar")


def test_text_is_text_only() -> None:
    incoming = to_incoming(tg.text_update(AMAL, "بدي اعادل شهادتي"))
    assert incoming is not None
    assert (incoming.kind, incoming.text, incoming.caption, incoming.data) == ("text", "بدي اعادل شهادتي", None, None)
    assert (incoming.command, incoming.args) == (None, "")
    assert incoming.words == incoming.transcript == "بدي اعادل شهادتي"


def test_a_caption_is_not_text() -> None:
    incoming = to_incoming(tg.media_update(AMAL, "photo", caption="هل هذه الشهادة صالحة؟"))
    assert incoming is not None
    assert (incoming.kind, incoming.text, incoming.caption) == ("photo", None, "هل هذه الشهادة صالحة؟")
    assert incoming.words == "هل هذه الشهادة صالحة؟"
    assert incoming.file_id


def test_callback_data_is_not_text() -> None:
    incoming = to_incoming(tg.callback_update(AMAL, "n:cv_help.start"))
    assert incoming is not None
    assert (incoming.kind, incoming.data, incoming.text, incoming.words) == ("button", "n:cv_help.start", None, None)
    assert incoming.transcript == "n:cv_help.start"


def test_command_name_and_arguments_are_apart() -> None:
    incoming = to_incoming(tg.text_update(AMAL, "/Preview@WerkBot cv_help  ar"))
    assert incoming is not None
    assert (incoming.kind, incoming.command, incoming.args, incoming.text) == (
        "command",
        "preview",
        "cv_help  ar",
        None,
    )
    assert incoming.words is None  # never read as a question, never checked by the NLU
    assert incoming.transcript == "/preview cv_help  ar"

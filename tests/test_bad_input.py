"""The bad-input matrix (see tests/README.md): every case through the fake Bot API gets a sensible
answer or is ignored on purpose, and never raises. A probe message after each case proves the bot
is still answering."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.pipeline import SLOW_DOWN
from bot.services import Services
from tests import fake_bot_api as tg
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import running_bot, settled

pytestmark = pytest.mark.both_modes  # by long polling and by webhook

AR = tg.user(1001, "Amal", language_code="ar")
NL = tg.user(1002, "Sara", language_code="nl")
ARABIC_CHARS = range(0x0600, 0x0700)
ETHIOPIC_CHARS = range(0x1200, 0x1380)


@dataclass(frozen=True)
class Case:
    name: str
    update: Callable[[], dict[str, Any]]
    expect: str  # "reply", "ignored"
    script: str | None = None  # the reply must contain this script: "arabic", "ethiopic", "latin"
    chat: int | None = None


def _private_user(language_code: str | None) -> dict[str, Any]:
    return tg.user(1003, "Noor", language_code=language_code)


CASES = [
    *(
        Case(f"media: {kind}", lambda kind=kind: tg.media_update(AR, kind), "reply", "arabic")  # type: ignore[misc]
        for kind in (
            "sticker",
            "animation",
            "photo",
            "voice",
            "video_note",
            "video",
            "audio",
            "document",
            "contact",
            "location",
            "venue",
            "poll",
            "dice",
        )
    ),
    Case(
        "photo with a caption is read as a question",
        lambda: tg.media_update(NL, "photo", caption="ik wil CV maken"),
        "reply",
        "latin",
    ),
    Case("text of 1 character", lambda: tg.text_update(NL, "a"), "reply"),
    Case("text of 4,096 characters", lambda: tg.text_update(NL, "ik wil CV maken " * 256), "reply", "latin"),
    Case("text of 20,000 characters", lambda: tg.text_update(AR, "بدي اعادل شهادتي " * 1176), "reply", "arabic"),
    Case("one word of 5,000 characters", lambda: tg.text_update(NL, "x" * 5000), "reply"),
    Case("only emoji", lambda: tg.text_update(AR, "😀🙏👍"), "reply", "arabic"),
    Case("only whitespace", lambda: tg.text_update(AR, "   \n\t "), "reply", "arabic"),
    Case("only zero-width characters", lambda: tg.text_update(AR, "\u200b\u200c\u200d\ufeff"), "reply", "arabic"),
    Case("only punctuation", lambda: tg.text_update(NL, "???!!!"), "reply"),
    Case(
        "right-to-left and left-to-right marks",
        lambda: tg.text_update(AR, "\u200fبدي اعادل شهادتي\u200e"),
        "reply",
        "arabic",
    ),
    Case("mixed Arabic, Latin and Ethiopic", lambda: tg.text_update(NL, "CV سيرة ذاتية ዲፕሎማ maken"), "reply"),
    Case("Arabizi", lambda: tg.text_update(_private_user(None), "bdi 3adel shahadti"), "reply", "arabic"),
    Case("HTML in the text", lambda: tg.text_update(NL, "<b>ik wil</b> <i>CV</i> maken </a>"), "reply", "latin"),
    Case("Markdown in the text", lambda: tg.text_update(NL, "*ik* _wil_ [CV](http://x) `maken` ~~"), "reply", "latin"),
    Case("SQL-looking text", lambda: tg.text_update(NL, "'; DROP TABLE users; -- CV"), "reply"),
    Case("path-looking text", lambda: tg.text_update(NL, "../../etc/passwd %00 C:\\Windows"), "reply"),
    Case("edited message", lambda: tg.edited_text_update(NL, "ik wil iets anders", message_id=1), "reply", "latin"),
    Case("forwarded message", lambda: tg.forwarded_text_update(NL, "ik wil CV maken"), "reply", "latin"),
    Case("message in a group", lambda: tg.text_update(NL, "ik wil CV maken", chat=tg.group_chat()), "ignored"),
    Case("command in a group", lambda: tg.command_update(NL, "start", chat=tg.group_chat()), "ignored"),
    Case("channel post", lambda: tg.channel_post_update("hallo"), "ignored"),
    Case("user without language_code", lambda: tg.text_update(_private_user(None), "👍"), "reply", "latin"),
    Case("unsupported language_code fa", lambda: tg.command_update(_private_user("fa"), "start"), "reply", "latin"),
    Case("unsupported language_code so", lambda: tg.command_update(_private_user("so"), "help"), "reply", "latin"),
    Case("forged callback data", lambda: tg.callback_update(AR, "zz:<script>"), "reply", "arabic"),
    Case(
        "stale callback (node removed from the flows)",
        lambda: tg.callback_update(AR, "n:cv_help.old_node"),
        "reply",
        "arabic",
    ),
    Case("callback for another user's case", lambda: tg.callback_update(AR, "s:1:3"), "reply", "arabic"),
    Case("coach callback by a non-coach", lambda: tg.callback_update(AR, "c:use:1"), "ignored"),
    Case("/claim abc by a non-coach", lambda: tg.command_update(NL, "claim", "abc"), "reply", "latin"),
    Case("/claim 999999 by a non-coach", lambda: tg.command_update(NL, "claim", "999999"), "reply", "latin"),
    Case("unknown command with odd arguments", lambda: tg.command_update(NL, "foo", "'; -- <b>"), "reply", "latin"),
    Case(
        "command addressed to the bot by name",
        lambda: tg.text_update(NL, "/help@werkhelpdesk_test_bot"),
        "reply",
        "latin",
    ),
    Case("/delete then nothing", lambda: tg.command_update(NL, "delete"), "reply", "latin"),
    Case("/cancel outside a case", lambda: tg.command_update(AR, "cancel"), "reply", "arabic"),
    Case("intake button without an intake", lambda: tg.callback_update(AR, "in:pick:bachelor"), "reply", "arabic"),
]


def _script_of(text: str) -> set[str]:
    found = set()
    for ch in text:
        if ord(ch) in ARABIC_CHARS:
            found.add("arabic")
        elif ord(ch) in ETHIOPIC_CHARS:
            found.add("ethiopic")
        elif ch.isascii() and ch.isalpha():
            found.add("latin")
    return found


def _chat_of(update: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return int(update[key]["chat"]["id"])
    return int(update["callback_query"]["message"]["chat"]["id"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_input(fake: FakeBotAPI, services: Services, case: Case, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    probe_user = tg.user(4242, "Probe", language_code="nl")
    async with running_bot(services):
        update = case.update()
        chat = _chat_of(update)
        fake.mark()
        fake.push_update(update)
        fake.push_update(tg.text_update(probe_user, "dank je wel"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 4242, ok=True)
        await settled(services)  # the case's own chat is answered in parallel with the probe's
        sent = [c for c in fake.sent_since_mark() if int(c["chat_id"]) != 4242]
    if case.expect == "ignored":
        assert sent == []
    else:
        replies = [c for c in sent if int(c["chat_id"]) == chat]
        assert replies, f"no answer to {case.name}"
        assert all(0 < len(r["text"]) <= 4096 for r in replies)
        if case.script is not None:
            assert case.script in _script_of(replies[0]["text"]), replies[0]["text"][:80]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_names_with_markup_are_echoed_safely(fake: FakeBotAPI, services: Services) -> None:
    """A name full of HTML/Markdown reaches the coaches as plain text: no parse errors."""
    from bot.handoff.coaches import add_coach

    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl,ar", staff=False)
    odd = tg.user(1009, "<b>Am*al_[", language_code="nl")
    async with running_bot(services):
        fake.mark()
        fake.push_update(tg.callback_update(odd, "a:coach_yes"))
        (card,) = await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, ok=True)
    assert "<b>Am*al_[" in card["text"]
    assert "parse_mode" not in card


async def test_flood_gets_one_notice_and_everything_is_stored(fake: FakeBotAPI, services: Services) -> None:
    from sqlalchemy import func, select

    from bot.db.models import Message, User

    flooder = tg.user(1010, "Flood", language_code="nl")
    async with running_bot(services):
        fake.mark()
        for i in range(100):
            fake.push_update(tg.text_update(flooder, f"hallo {i}"))
        fake.push_update(tg.text_update(tg.user(4242, "Probe", language_code="nl"), "dank je wel"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 4242, ok=True, timeout=60)
        await settled(services, timeout=120)  # the flooder's chat goes in order, beside the probe's
        to_flooder = [c["text"] for c in fake.sent_since_mark() if int(c["chat_id"]) == 1010]
    limit = services.settings.rate_limit
    notice = services.translator.gettext("nl", SLOW_DOWN)
    assert to_flooder.count(notice) == 1
    assert len(to_flooder) == limit + 1  # the first messages answered, then one notice, then quiet
    async with services.sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Message)
            .join(User, User.id == Message.user_id)
            .where(User.telegram_id == 1010, Message.direction == "in")
        )
    assert stored == 100

"""The bad-input matrix (see tests/README.md): every case through the fake Bot API gets a sensible
answer or is ignored on purpose, and never raises. A probe message after the cases proves the bot
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


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # One flood window for the whole flood test, however slow a busy machine makes it.
    return {"rate_window_seconds": 600}


JSON = dict[str, Any]
ARABIC_CHARS = range(0x0600, 0x0700)
ETHIOPIC_CHARS = range(0x1200, 0x1380)


@dataclass(frozen=True)
class Case:
    name: str
    update: Callable[[JSON], JSON]  # the update, sent by the given user (each case has its own)
    expect: str  # "reply", "ignored"
    script: str | None = None  # the reply must contain this script: "arabic", "ethiopic", "latin"
    language_code: str | None = "nl"  # the sender's Telegram language


def ar(name: str, update: Callable[[JSON], JSON], expect: str, script: str | None = None) -> Case:
    return Case(name, update, expect, script, "ar")


CASES = [
    *(
        ar(f"media: {kind}", lambda u, kind=kind: tg.media_update(u, kind), "reply", "arabic")  # type: ignore[misc]
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
        lambda u: tg.media_update(u, "photo", caption="ik wil CV maken"),
        "reply",
        "latin",
    ),
    Case("text of 1 character", lambda u: tg.text_update(u, "a"), "reply"),
    Case("text of 4,096 characters", lambda u: tg.text_update(u, "ik wil CV maken " * 256), "reply", "latin"),
    ar("text of 20,000 characters", lambda u: tg.text_update(u, "بدي اعادل شهادتي " * 1176), "reply", "arabic"),
    Case("one word of 5,000 characters", lambda u: tg.text_update(u, "x" * 5000), "reply"),
    ar("only emoji", lambda u: tg.text_update(u, "😀🙏👍"), "reply", "arabic"),
    ar("only whitespace", lambda u: tg.text_update(u, "   \n\t "), "reply", "arabic"),
    ar("only zero-width characters", lambda u: tg.text_update(u, "\u200b\u200c\u200d\ufeff"), "reply", "arabic"),
    Case("only punctuation", lambda u: tg.text_update(u, "???!!!"), "reply"),
    ar(
        "right-to-left and left-to-right marks",
        lambda u: tg.text_update(u, "\u200fبدي اعادل شهادتي\u200e"),
        "reply",
        "arabic",
    ),
    Case("mixed Arabic, Latin and Ethiopic", lambda u: tg.text_update(u, "CV سيرة ذاتية ዲፕሎማ maken"), "reply"),
    Case("Arabizi", lambda u: tg.text_update(u, "bdi 3adel shahadti"), "reply", "arabic", None),
    Case("HTML in the text", lambda u: tg.text_update(u, "<b>ik wil</b> <i>CV</i> maken </a>"), "reply", "latin"),
    Case("Markdown in the text", lambda u: tg.text_update(u, "*ik* _wil_ [CV](http://x) `maken` ~~"), "reply", "latin"),
    Case("SQL-looking text", lambda u: tg.text_update(u, "'; DROP TABLE users; -- CV"), "reply"),
    Case("path-looking text", lambda u: tg.text_update(u, "../../etc/passwd %00 C:\\Windows"), "reply"),
    Case("edited message", lambda u: tg.edited_text_update(u, "ik wil iets anders", message_id=1), "reply", "latin"),
    Case("forwarded message", lambda u: tg.forwarded_text_update(u, "ik wil CV maken"), "reply", "latin"),
    Case("message in a group", lambda u: tg.text_update(u, "ik wil CV maken", chat=tg.group_chat()), "ignored"),
    Case("command in a group", lambda u: tg.command_update(u, "start", chat=tg.group_chat()), "ignored"),
    Case("channel post", lambda u: tg.channel_post_update("hallo"), "ignored"),
    Case("user without language_code", lambda u: tg.text_update(u, "👍"), "reply", "latin", None),
    Case("unsupported language_code fa", lambda u: tg.command_update(u, "start"), "reply", "latin", "fa"),
    Case("unsupported language_code so", lambda u: tg.command_update(u, "help"), "reply", "latin", "so"),
    ar("forged callback data", lambda u: tg.callback_update(u, "zz:<script>"), "reply", "arabic"),
    ar(
        "stale callback (node removed from the flows)",
        lambda u: tg.callback_update(u, "n:cv_help.old_node"),
        "reply",
        "arabic",
    ),
    ar("callback for another user's case", lambda u: tg.callback_update(u, "s:1:3"), "reply", "arabic"),
    ar("malformed satisfaction callback", lambda u: tg.callback_update(u, "s:1:9"), "reply", "arabic"),
    ar("coach callback by a non-coach", lambda u: tg.callback_update(u, "c:use:1"), "ignored"),
    Case("/claim abc by a non-coach", lambda u: tg.command_update(u, "claim", "abc"), "reply", "latin"),
    Case("/claim 999999 by a non-coach", lambda u: tg.command_update(u, "claim", "999999"), "reply", "latin"),
    Case("unknown command with odd arguments", lambda u: tg.command_update(u, "foo", "'; -- <b>"), "reply", "latin"),
    Case(
        "command addressed to the bot by name",
        lambda u: tg.text_update(u, "/help@werkhelpdesk_test_bot"),
        "reply",
        "latin",
    ),
    Case("/delete then nothing", lambda u: tg.command_update(u, "delete"), "reply", "latin"),
    ar("/cancel outside a case", lambda u: tg.command_update(u, "cancel"), "reply", "arabic"),
    ar("intake button without an intake", lambda u: tg.callback_update(u, "in:pick:bachelor"), "reply", "arabic"),
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


def _chat_of(update: JSON) -> int:
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return int(update[key]["chat"]["id"])
    return int(update["callback_query"]["message"]["chat"]["id"])


def _problem(case: Case, chat: int, sent: list[JSON]) -> str | None:
    """What is wrong with the bot's answer to the case, or None."""
    replies = [c for c in sent if int(c["chat_id"]) == chat]
    if case.expect == "ignored":
        return f"answered: {replies[0]['text'][:80]!r}" if replies else None
    if not replies:
        return "no answer"
    if not all(0 < len(r["text"]) <= 4096 for r in replies):
        return "an empty or too long answer"
    if case.script is not None and case.script not in _script_of(replies[0]["text"]):
        return f"not in {case.script} script: {replies[0]['text'][:80]!r}"
    return None


async def test_bad_input(fake: FakeBotAPI, services: Services, caplog: pytest.LogCaptureFixture) -> None:
    """Every case at once, each from its own user (one bot start for the whole matrix); then a probe
    message proves the bot is still answering."""
    caplog.set_level(logging.WARNING)
    probe_user = tg.user(4242, "Probe", language_code="nl")
    chats = {}
    async with running_bot(services):
        fake.mark()
        for number, case in enumerate(CASES):
            update = case.update(tg.user(20_000 + number, "Noor", language_code=case.language_code))
            chats[case.name] = _chat_of(update)
            fake.push_update(update)
        fake.push_update(tg.text_update(probe_user, "dank je wel"))
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 4242, ok=True, timeout=60)
        await settled(services, timeout=60)  # the cases' chats are answered in parallel with the probe's
        sent = fake.sent_since_mark()
    problems = {case.name: _problem(case, chats[case.name], sent) for case in CASES}
    assert {name: problem for name, problem in problems.items() if problem} == {}
    expected_chats = {chats[c.name] for c in CASES if c.expect == "reply"} | {4242}
    assert {int(c["chat_id"]) for c in sent} <= expected_chats  # nothing went anywhere else
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

"""After /delete the newcomer's data is gone from disk too, and from the coach's Telegram chat (issue 20,
items 9 and 10)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from bot import privacy
from bot.db.engine import _sqlite_pragmas
from bot.db.models import Intake, Message, User, utcnow
from bot.handoff.coaches import add_coach
from bot.messages import t_
from bot.nlu.embedded import EmbeddedClassifier
from bot.pipeline import Incoming, process
from bot.privacy import scrubs_done
from bot.services import Services, open_services
from bot.settings import Settings
from tests import fake_bot_api as tg
from tests.conftest import connections_in_use
from tests.fake_bot_api import FakeBotAPI
from tests.telegram_harness import running_bot, say

NAME = "Zoltanqx"
PHONE = "0687654329"


def _sqlite_files(services: Services) -> list[Path]:
    database = Path(make_url(services.settings.database_url).database or "")
    return [p for p in (database, Path(f"{database}-wal")) if p.exists()]


def test_the_bot_turns_on_secure_delete_itself(tmp_path: Path) -> None:
    """Not left to how SQLite was compiled (Debian's Python has it on, other builds do not)."""
    connection = sqlite3.connect(tmp_path / "x.db")
    connection.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(connection, None)  # type: ignore[arg-type]
    assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    connection.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_after_delete_the_name_and_phone_are_not_in_the_sqlite_files(services: Services) -> None:
    newcomer = 7301
    for text in (f"mijn nummer is {PHONE}, ik wil CV maken", "waar vind ik vacatures"):
        await process(services, Incoming(newcomer, newcomer, "text", text=text, first_name=NAME))
    async with services.sessions() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.telegram_id == newcomer))
        session.add(Intake(user_id=user_id, status="submitted", answers={"first_name": NAME, "phone": PHONE}))
    files = _sqlite_files(services)
    assert any(NAME.encode() in p.read_bytes() for p in files)  # the scan does find them before

    await process(services, Incoming(newcomer, newcomer, "command", command="delete"))
    await process(services, Incoming(newcomer, newcomer, "button", data="del:yes"))
    await scrubs_done()

    for path in _sqlite_files(services):
        content = path.read_bytes()
        assert NAME.encode() not in content, path
        assert PHONE.encode() not in content, path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_closing_the_services_waits_for_the_scrub_after_a_delete(
    settings: Settings, embedded: EmbeddedClassifier
) -> None:
    """The scrub runs in a task of its own on a pooled connection: had the engine been disposed under
    it, that connection would go back to the disposed pool and never be closed (a ResourceWarning)."""
    newcomer = 7302
    async with open_services(settings, embedded=embedded) as services:
        in_use = connections_in_use(services.engine)
        await process(services, Incoming(newcomer, newcomer, "text", text="ik wil CV maken", first_name=NAME))
        await process(services, Incoming(newcomer, newcomer, "command", command="delete"))
        await process(services, Incoming(newcomer, newcomer, "button", data="del:yes"))
        scrubs = set(privacy._SCRUBS)
        assert scrubs  # scheduled by the erasure's commit, still to run
    assert all(task.done() for task in scrubs)
    assert in_use() == 0


AMAL = tg.user(1001, "Amalqx", language_code="nl")
COACH = tg.user(501, "Fatima", language_code="nl")
AMAL_PHONE = "0612345678"


def coach_chat_texts(fake: FakeBotAPI) -> list[str]:
    """What the coach's chat shows now (after the bot's deletions and edits)."""
    last = tg.next_message_id()
    return [m.get("text") or "" for i in range(1, last) if (m := fake.message(501, i)) is not None]


async def test_after_delete_the_coach_chat_no_longer_shows_the_newcomer(fake: FakeBotAPI, services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl", staff=False)
    async with running_bot(services):
        await say(fake, tg.text_update(AMAL, "ik wil CV maken"))
        await say(fake, tg.callback_update(AMAL, "a:coach"))
        await say(fake, tg.callback_update(AMAL, "a:coach_yes"), replies=1)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501, ok=True)  # the card
        await say(fake, tg.command_update(COACH, "claim"), chat=1001)
        await say(fake, tg.text_update(AMAL, f"mijn nummer is {AMAL_PHONE}"), chat=501)
        assert any("Amalqx" in t for t in coach_chat_texts(fake))
        async with services.sessions() as session, session.begin():  # the card is three days old
            first_card = await session.scalar(
                select(func.min(Message.id)).where(Message.chat_id == 501, Message.direction == "out")
            )
            await session.execute(
                update(Message).where(Message.id == first_card).values(created_at=utcnow() - timedelta(days=3))
            )

        await say(fake, tg.command_update(AMAL, "delete"))
        fake.mark()
        fake.push_update(tg.callback_update(AMAL, "del:yes"))
        notice = services.translator.gettext("nl", t_("(Erased at the newcomer's request.)"))
        await fake.wait_for("editMessageText", ok=True)
        await fake.wait_for("deleteMessage", ok=True)
        await fake.wait_for("sendMessage", lambda p: int(p["chat_id"]) == 501 and "#1" in p["text"], ok=True)
    shown = coach_chat_texts(fake)
    assert not [t for t in shown if "Amalqx" in t or AMAL_PHONE in t], shown
    assert notice in shown  # the old card, edited

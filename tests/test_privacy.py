"""Retention: `werkhelpdesk privacy purge` erases inactive newcomers, keeps coaches, and is idempotent."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.db.models import Case, Coach, Intake, Message, UnansweredQuestion, User
from bot.dialog import COACH_YES
from bot.handoff.coaches import add_coach
from bot.handoff.service import ERASED_NOTE
from bot.pipeline import Incoming, process
from bot.services import Services
from tests.netutil import start_werkhelpdesk


async def _run_purge(services: Services) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": services.settings.database_url, "RETENTION_MONTHS": "12"}
    process_ = await start_werkhelpdesk(env, "privacy", "purge", capture_stdout=True)
    out, err = await process_.communicate()
    return process_.returncode or 0, out.decode() + err.decode()


async def test_purge_erases_inactive_newcomers_only(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "ar", staff=False)
    for telegram_id, text in ((7001, "ik wil CV maken"), (7002, "waar kan ik een woning vinden")):
        await process(services, Incoming(telegram_id, telegram_id, "text", text=text, first_name="Old"))
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES))
    await process(services, Incoming(7003, 7003, "text", text="ik wil CV maken", first_name="Recent"))
    async with services.sessions() as session, session.begin():
        session.add(
            Intake(
                user_id=await session.scalar(select(User.id).where(User.telegram_id == 7001)),
                status="asking",
                answers={"first_name": "Old"},
            )
        )
        long_ago = datetime.now(UTC) - timedelta(days=400)
        await session.execute(update(User).where(User.telegram_id.in_([7001, 7002, 501])).values(last_seen_at=long_ago))
        # The case's announcement as Telegram took it (message 4242 in Fatima's chat), long ago.
        card = await session.scalar(select(Message).where(Message.case_id.is_not(None), Message.chat_id == 501))
        assert card is not None
        card.telegram_message_id, card.created_at = 4242, long_ago

    code, output = await _run_purge(services)
    assert code == 0, output
    assert "purged 2 newcomers" in output
    async with services.sessions() as session:  # for the running bot to send, as after /delete
        outbox = list(await session.scalars(select(Message).where(Message.direction == "out", Message.chat_id == 501)))
    (edit,) = [m for m in outbox if m.kind == "edit"]
    assert (edit.copy_message_id, edit.text) == (4242, services.translator.gettext("ar", ERASED_NOTE))
    assert [m.kind for m in outbox] == ["edit", "text"]  # then the chat is told what happened
    async with services.sessions() as session:
        remaining = set(await session.scalars(select(User.telegram_id)))
        assert remaining == {501, 7003}  # the coach and the recent newcomer stay
        assert await session.scalar(select(func.count()).select_from(Intake)) == 0
        assert await session.scalar(select(func.count()).select_from(UnansweredQuestion)) == 0
        texts = set(await session.scalars(select(Message.text)))
        assert "waar kan ik een woning vinden" not in texts
        case = await session.scalar(select(Case))
        assert case is not None
        assert (case.user_id, case.status) == (None, "closed")
        assert await session.scalar(select(func.count()).select_from(Coach)) == 1

    code, output = await _run_purge(services)  # cron runs it again: nothing more to do
    assert code == 0
    assert "purged 0 newcomers" in output

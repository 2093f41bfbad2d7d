"""What the reports need is recorded as it happens (migration 0015): how the bot answered a typed
message, and when a coach first wrote to the newcomer (Telegram and console alike)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Case, Message, User
from bot.dialog import COACH_YES
from bot.handoff.coaches import add_coach
from bot.pipeline import Incoming, process
from bot.services import Services


async def answers(services: Services, telegram_id: int) -> list[str | None]:
    async with services.sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
        rows = await session.scalars(
            select(Message.answer).where(Message.user_id == user_id, Message.direction == "in").order_by(Message.id)
        )
        return list(rows)


async def test_faq_answers_buttons_and_the_first_coach_reply(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 501, "Fatima", "nl,ar", staff=False)
    await process(services, Incoming(7001, 7001, "text", text="Hoe schrijf ik een goed cv in het Nederlands?"))
    await process(services, Incoming(7001, 7001, "text", text="!!!"))  # no words: not a question, "other"
    await process(services, Incoming(7001, 7001, "text", text="wat is het weer morgen in Utrecht?"))  # out of scope
    await process(services, Incoming(7001, 7001, "button", data=COACH_YES))
    assert await answers(services, 7001) == ["faq", "other", "unanswered", None]
    async with services.sessions() as session:
        case = await session.scalar(select(Case))
        assert case is not None
        assert case.first_reply_at is None
    await process(services, Incoming(501, 501, "command", command="claim"))
    async with services.sessions() as session:
        claimed = await session.scalar(select(Case))
        assert claimed is not None
        assert claimed.first_reply_at is None  # claiming is not a reply
    await process(services, Incoming(501, 501, "text", text="Hallo, ik help je met je cv."))
    await process(services, Incoming(501, 501, "text", text="Stuur me je cv maar."))
    async with services.sessions() as session:
        replied = await session.scalar(select(Case))
        assert replied is not None
        assert replied.first_reply_at is not None
        first = replied.first_reply_at
        assert replied.claimed_at is not None
        assert first >= replied.claimed_at
        sent = await session.scalar(
            select(Message.created_at).where(Message.chat_id == 7001, Message.text.like("Fatima: Hallo%"))
        )
        assert sent is not None
        assert abs((sent - first).total_seconds()) < 5  # the first relay, not the second


class TestUnsure:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"nlu_threshold": 1.0}  # nothing is sure enough: the bot asks back which topic was meant

    async def test_asked_back(self, services: Services) -> None:
        await process(services, Incoming(7002, 7002, "text", text="Hoe schrijf ik een goed cv in het Nederlands?"))
        assert await answers(services, 7002) == ["asked_back"]

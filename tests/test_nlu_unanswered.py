"""`werkhelpdesk report unanswered` shows the topic a newcomer chose when the bot asked back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import UnansweredQuestion
from bot.pipeline import Incoming, process
from bot.services import Services
from bot.tools.unanswered import format_groups, unanswered_groups

NEWCOMER = 7301


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"nlu_threshold": 0.999}  # the bot asks back about every question, whatever the model


async def test_the_topic_chosen_after_asking_back_is_a_training_suggestion(services: Services) -> None:
    # Unsure about this one: the bot asks back with topic buttons.
    unsure = "ik zoek iets met mijn papieren van school en werk enzo"
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=unsure, telegram_language="nl"))
    async with services.sessions() as session:
        (row,) = list(await session.scalars(select(UnansweredQuestion).where(UnansweredQuestion.text == unsure)))
        assert row.confidence is not None
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="i:diploma_recognition"))
    # Another unanswered message whose next step is not a topic choice.
    other = "wat voor weer wordt het morgen in utrecht eigenlijk"
    await process(services, Incoming(NEWCOMER + 1, NEWCOMER + 1, "text", text=other, telegram_language="nl"))
    await process(services, Incoming(NEWCOMER + 1, NEWCOMER + 1, "text", text="hallo"))
    async with services.sessions() as session:
        groups = await unanswered_groups(session, days=30)
    picked = {t: p for g in groups for t, p in zip(g.texts, g.picked, strict=True)}
    assert picked[unsure] == "diploma_recognition"
    assert picked[other] is None
    report = format_groups(groups, 30)
    assert f"[nl] diploma_recognition: {unsure}" in report
    assert f"{other}" in report
    assert f"[nl] diploma_recognition: {other}" not in report

"""`werkhelpdesk report unanswered` shows the topic a newcomer chose when the bot asked back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Message, UnansweredQuestion
from bot.pipeline import Incoming, process
from bot.services import Services
from bot.tools.unanswered import Correction, corrections, format_groups, unanswered_groups

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
        groups = await unanswered_groups(session, days=30, is_topic=services.flows.is_topic)
    picked = {t: p for g in groups for t, p in zip(g.texts, g.picked, strict=True)}
    assert picked[unsure] == "diploma_recognition"
    assert picked[other] is None
    report = format_groups(groups, 30)
    assert f"[nl] diploma_recognition: {unsure}" in report
    assert f"{other}" in report
    assert f"[nl] diploma_recognition: {other}" not in report


# Between two topics for the model (job_application ~0.5, cv_help ~0.5): answered, with cv_help offered below.
BETWEEN = "hoe schrijf ik een motivatiebrief bij mijn cv"


@pytest.mark.parametrize("settings_overrides", [{"nlu_threshold": 0.3}])
async def test_a_tap_on_the_other_topic_below_an_answer_is_a_training_suggestion(services: Services) -> None:
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=BETWEEN, telegram_language="nl"))
    async with services.sessions() as session:
        (question,) = list(await session.scalars(select(Message).where(Message.direction == "in")))
        (answer,) = list(await session.scalars(select(Message).where(Message.direction == "out")))
        assert question.intent == "job_application"
        assert any(data == "o:cv_help" for row in answer.buttons or [] for _, data in row), answer.buttons
    # A follow-up button of the answer and small talk first, then the other topic: still a correction of
    # the question.
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="n:job_application.letter"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text="dank je wel"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="o:cv_help"))
    async with services.sessions() as session:
        last = await session.scalar(select(Message).where(Message.direction == "out").order_by(Message.id.desc()))
        assert last is not None
        assert any(data.startswith("n:cv_help.") for row in last.buttons or [] for _, data in row)  # the CV topic
        (corrected,) = await corrections(session, days=30, is_topic=services.flows.is_topic)
        groups = await unanswered_groups(session, days=30, is_topic=services.flows.is_topic)
    assert corrected == Correction("nl", BETWEEN, "job_application", "cv_help")
    report = format_groups(groups, 30, [corrected])
    assert f"[nl] cv_help (answered: job_application): {BETWEEN}" in report


async def test_no_correction_without_a_tap_on_the_other_topic(services: Services) -> None:
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=BETWEEN, telegram_language="nl"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "button", data="i:cv_help"))
    async with services.sessions() as session:
        assert await corrections(session, days=30, is_topic=services.flows.is_topic) == []


async def test_each_tap_is_matched_to_its_own_newcomers_question(services: Services) -> None:
    from bot.db.models import User

    async with services.sessions() as session, session.begin():
        amal, yonas = User(telegram_id=7401), User(telegram_id=7402)
        session.add_all([amal, yonas])
        await session.flush()
        said = [
            (amal, "text", "كيف اكتب رسالة تحفيزية", "ar", "job_application"),
            (yonas, "text", "ሲቪ ከመይ ይጸሓፍ", "ti", "cv_help"),
            (amal, "button", "o:cv_help", None, None),
            (yonas, "text", "ስራሕ ኣበይ ይርከብ", "ti", "job_application"),
            (yonas, "button", "o:cv_help", None, None),
        ]
        for user, kind, text, language, intent in said:
            session.add(
                Message(
                    user_id=user.id,
                    chat_id=user.telegram_id,
                    direction="in",
                    kind=kind,
                    text=text,
                    language=language,
                    intent=intent,
                )
            )
            await session.flush()
    async with services.sessions() as session:
        found = await corrections(session, days=30, is_topic=services.flows.is_topic)
    assert found == [
        Correction("ar", "كيف اكتب رسالة تحفيزية", "job_application", "cv_help"),
        Correction("ti", "ስራሕ ኣበይ ይርከብ", "job_application", "cv_help"),  # the question just before the tap
    ]


@pytest.mark.parametrize("settings_overrides", [{"nlu_threshold": 0.5}])
async def test_an_unanswered_follow_up_is_shown_with_the_topic_answered_before_it(services: Services) -> None:
    """ "hoe lang duurt dat" means nothing to staff without the answer it follows (here the teacher's)."""
    teacher, followup = "ik was leraar in syrie, mag ik hier ook leraar worden?", "en hoe lang duurt dat dan"
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=teacher, telegram_language="nl"))
    await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=followup, telegram_language="nl"))
    # The same words with nothing before them, from someone else.
    await process(services, Incoming(NEWCOMER + 1, NEWCOMER + 1, "text", text=followup, telegram_language="nl"))
    async with services.sessions() as session:
        rows = list(await session.scalars(select(UnansweredQuestion).order_by(UnansweredQuestion.id)))
        assert [r.text for r in rows] == [followup, followup]  # the teacher's question was answered
        groups = await unanswered_groups(session, days=30, is_topic=services.flows.is_topic)
    (group,) = groups
    assert sorted(group.after, key=str) == sorted(["profession_accreditation", None], key=str)
    report = format_groups(groups, 30)
    assert f"{followup}  (after an answer about profession_accreditation)" in report


async def test_a_topic_staff_made_counts_as_a_topic_in_the_report(services: Services) -> None:
    """A new topic from the console has its own intent, which the NLU's built-in topic list does not know."""
    from bot.db.models import User
    from bot.flows.loader import check_texts
    from tests.conftest import texts_with_new_topic

    flows = check_texts(texts_with_new_topic(), []).flows
    followup = "en hoe lang is de wachtlijst daar"
    async with services.sessions() as session, session.begin():
        user = User(telegram_id=7501)
        session.add(user)
        await session.flush()
        said = [
            ("text", "waar kan mijn kind naar de opvang als ik werk", "childcare"),
            ("text", followup, "out_of_scope"),
            ("text", "hoe maak ik een cv", "cv_help"),
            ("button", "o:childcare", None),
        ]
        for kind, text, intent in said:
            session.add(
                Message(
                    user_id=user.id, chat_id=7501, direction="in", kind=kind, text=text, language="nl", intent=intent
                )
            )
            await session.flush()
        session.add(UnansweredQuestion(user_id=user.id, text=followup, language="nl"))
    async with services.sessions() as session:
        groups = await unanswered_groups(session, days=30, is_topic=flows.is_topic)
        found = await corrections(session, days=30, is_topic=flows.is_topic)
        unknown = await unanswered_groups(session, days=30, is_topic=services.flows.is_topic)
    (group,) = [g for g in groups if followup in g.texts]
    assert group.after == ["childcare"]
    assert [g.after for g in unknown if followup in g.texts] == [[None]]  # a flow that is not there is no topic
    assert "(after an answer about childcare)" in format_groups(groups, 30)
    assert found == [Correction("nl", "hoe maak ik een cv", "cv_help", "childcare")]


async def test_the_report_command_knows_the_published_topics(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """`werkhelpdesk report unanswered` reads the topics from the published content, not only flows/."""
    from bot import cli
    from bot.content import store
    from bot.content.live import published_flows
    from bot.db.models import User
    from tests.conftest import texts_with_new_topic

    followup = "en hoe lang is de wachtlijst daar"
    async with services.sessions() as session, session.begin():
        assert not (await published_flows(session, services.settings.flows_dir)).is_topic("childcare")
        parent = await store.head_number(session)
        await store.publish(session, texts_with_new_topic(), parent=parent, source=store.CONSOLE, author="t")
        user = User(telegram_id=7601)
        session.add(user)
        await session.flush()
        for text, intent in (("waar kan mijn kind naar de opvang als ik werk", "childcare"), (followup, None)):
            session.add(Message(user_id=user.id, chat_id=7601, direction="in", kind="text", text=text, intent=intent))
            await session.flush()
        session.add(UnansweredQuestion(user_id=user.id, text=followup, language="nl"))
    async with services.sessions() as session:
        assert (await published_flows(session, services.settings.flows_dir)).is_topic("childcare")
    assert await cli._report_unanswered(services.settings, 30) == 0
    assert f"{followup}  (after an answer about childcare)" in capsys.readouterr().out

"""The webhook workers' fast path: plain newcomer turns of many chats in one transaction, everything
else left to the one-by-one pipeline; the inbox's group commit and leases; one converter of updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.batch import process_batch
from bot.db.models import ConversationState, InboxUpdate, Message, ProcessedUpdate, User, utcnow
from bot.handoff.coaches import add_coach
from bot.pipeline import Incoming, process
from bot.services import Services
from bot.tg.app import build_application
from bot.tg.convert import to_incoming
from bot.tg.webhook import Inbox, InboxWriter
from tests import fake_bot_api as tg


@asynccontextmanager
async def inbox_writer(services: Services, stored: Callable[[], None]) -> AsyncIterator[InboxWriter]:
    writer = InboxWriter(services, stored)
    try:
        yield writer
    finally:
        await writer.close()  # on PostgreSQL it keeps a connection of its own


_ids = iter(range(900_000, 1_000_000))


def incoming(update: dict[str, Any]) -> Incoming:
    update.setdefault("update_id", next(_ids))
    result = to_incoming(update)
    assert result is not None
    return result


async def test_plain_turns_of_many_chats_are_answered_in_one_batch(services: Services) -> None:
    batch = [
        incoming(tg.text_update(tg.user(8001, "Sanne", language_code="nl"), "ik wil CV maken")),
        incoming(tg.text_update(tg.user(8002, "Omar", language_code="ar"), "شلون بعادل شهادتي الجامعية؟")),
        incoming(tg.command_update(tg.user(8003, "Yonas", language_code="ti"), "start")),
    ]
    results = await process_batch(services, batch)
    assert all(r is not None for r in results)
    cv, diploma, start = results
    assert cv is not None
    assert diploma is not None
    assert start is not None
    assert [o.text for o in cv.outgoing] == [services.flows.text("cv_help", "start", "nl")]
    assert cv.outgoing[0].buttons  # the follow-up buttons travel with the reply
    assert diploma.language == "ar"
    assert diploma.outgoing[0].text == services.flows.text("diploma_recognition", "start", "ar")
    assert start.outgoing
    assert start.language == "ti"
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 3
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 3
        directions = list(await session.scalars(select(Message.direction).order_by(Message.id)))
        assert directions.count("in") == 3
        assert directions.count("out") == len(cv.outgoing) + len(diploma.outgoing) + len(start.outgoing)
        recorded = set(await session.scalars(select(ProcessedUpdate.update_id)))
        assert recorded == {i.update_id for i in batch}
        state = await session.get(
            ConversationState, (await session.scalar(select(User.id).where(User.telegram_id == 8001)))
        )
        assert state is not None
        assert state.flow == "cv_help"


async def test_the_same_input_gives_the_same_reply_as_the_one_by_one_pipeline(services: Services) -> None:
    texts = ["Hoe kan ik mijn diploma laten waarderen?", "dank je wel", "ik wil CV maken"]
    one_by_one = []
    for n, text in enumerate(texts):
        result = await process(services, incoming(tg.text_update(tg.user(8100 + n, "A", language_code="nl"), text)))
        one_by_one.append([(o.text, o.buttons) for o in result.outgoing])
    batched = await process_batch(
        services,
        [incoming(tg.text_update(tg.user(8200 + n, "A", language_code="nl"), t)) for n, t in enumerate(texts)],
    )
    assert [[(o.text, o.buttons) for o in r.outgoing] for r in batched if r is not None] == one_by_one


async def _stored(services: Services, telegram_id: int) -> tuple[Any, ...]:
    """What the database holds about one newcomer, without ids and times."""
    async with services.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        state = await session.get(ConversationState, user.id)
        assert state is not None
        transcript = (
            await session.execute(
                select(Message.direction, Message.kind, Message.text, Message.language, Message.intent)
                .where(Message.user_id == user.id)
                .order_by(Message.id)
            )
        ).all()
    return (
        (user.first_name, user.chosen_language, user.last_language, user.telegram_language, user.unreachable),
        (state.flow, state.node, state.low_confidence_streak),
        [tuple(row) for row in transcript],
    )


async def test_a_conversation_in_batches_stores_what_the_one_by_one_pipeline_stores(services: Services) -> None:
    # Turns that create the user, move the conversation, press a follow-up button, choose a language
    # and ask something the bot is unsure about.
    turns: list[Any] = [
        lambda u: tg.text_update(u, "Hoe kan ik mijn diploma laten waarderen?"),
        lambda u: tg.callback_update(u, "n:cv_help.start"),
        lambda u: tg.callback_update(u, "l:ar"),
        lambda u: tg.text_update(u, "ik wil CV maken"),
        lambda u: tg.text_update(u, "xq zzv"),
        lambda u: tg.text_update(u, "dank je wel"),
    ]
    one, batched = tg.user(8901, "Hiwet", language_code="ti"), tg.user(8902, "Hiwet", language_code="ti")
    for make in turns:
        await process(services, incoming(make(one)))
        results = await process_batch(services, [incoming(make(batched))])
        assert results[0] is not None  # answered by the batch, not left over
    assert await _stored(services, 8902) == await _stored(services, 8901)
    stored = await _stored(services, 8902)
    assert stored[0][1] == "ar"  # the language chosen with the button was kept
    assert stored[1][0] is not None


async def test_everything_but_plain_turns_is_left_to_the_pipeline(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await add_coach(session, 8301, "Fatima", "nl", staff=False)
    in_case = tg.user(8302, "Amal", language_code="nl")
    await process(services, incoming(tg.callback_update(in_case, "a:coach_yes")))  # opens a case
    already = incoming(tg.text_update(tg.user(8303, "Noor", language_code="nl"), "ik wil CV maken"))
    await process(services, already)
    twice = tg.user(8304, "Sam", language_code="nl")
    batch = [
        incoming(tg.text_update(tg.user(8301, "Fatima", language_code="nl"), "hallo")),  # a coach
        incoming(tg.text_update(in_case, "is er al iemand?")),  # relayed to the case
        already,  # a redelivery
        incoming(tg.command_update(tg.user(8305, "Lina", language_code="nl"), "mydata")),  # data rights
        incoming(tg.callback_update(tg.user(8306, "Rim", language_code="nl"), "c:claim:1")),  # a coach button
        incoming(tg.text_update(twice, "ik wil CV maken")),
        incoming(tg.text_update(twice, "dank je wel")),  # the same person twice in one batch
    ]
    results = await process_batch(services, batch)
    assert [r is not None for r in results] == [False, False, False, False, False, True, False]
    async with services.sessions() as session:
        # The ones left over were not recorded as processed, so the pipeline still takes them.
        recorded = set(await session.scalars(select(ProcessedUpdate.update_id)))
    assert {batch[i].update_id for i in (0, 1, 3, 4, 6)}.isdisjoint(recorded)
    assert (await process(services, batch[6])).outgoing  # the second turn, one by one


async def test_a_failing_batch_stores_nothing(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.batch

    async def broken(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.batch, "own_dialog", broken)
    batch = [incoming(tg.text_update(tg.user(8400 + n, "B", language_code="nl"), "ik wil CV maken")) for n in range(3)]
    with pytest.raises(RuntimeError):
        await process_batch(services, batch)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_updates_received_together_are_stored_once_in_one_go(services: Services) -> None:
    wakes: list[int] = []
    async with inbox_writer(services, lambda: wakes.append(1)) as writer:
        payloads = [tg.text_update(tg.user(8500 + n % 10, "C", language_code="nl"), f"vraag {n}") for n in range(40)]
        for n, payload in enumerate(payloads):
            payload["update_id"] = 700_000 + n
        duplicate = dict(payloads[3])
        await asyncio.gather(*(writer.store(int(p["update_id"]), p) for p in [*payloads, duplicate]))
        async with services.sessions() as session:
            rows = list(await session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id)))
        assert [r.update_id for r in rows] == [700_000 + n for n in range(40)]
        assert rows[0].chat_id == 8500
        assert rows[0].payload["message"]["text"] == "vraag 0"
        assert wakes == [1]  # one group committed: one worker woken, which can take them all


async def test_a_lease_gives_each_chat_its_oldest_update_to_one_worker(services: Services) -> None:
    inbox = Inbox(build_application(services), services, workers=2)
    async with inbox_writer(services, lambda: None) as writer:
        a, b = tg.user(8601, "A", language_code="nl"), tg.user(8602, "B", language_code="nl")
        for update_id, who, text in [(1, a, "een"), (2, b, "een"), (3, a, "twee"), (4, a, "drie")]:
            payload = tg.text_update(who, text)
            payload["update_id"] = update_id
            await writer.store(update_id, payload)
        assert [t.update_id for t in await inbox.take()] == [1, 2]
        assert await inbox.take() == []  # both chats are leased, and 3 and 4 wait for 1
        async with services.sessions() as session, session.begin():
            await session.execute(update(InboxUpdate).where(InboxUpdate.update_id == 1).values(processed_at=utcnow()))
        assert [t.update_id for t in await inbox.take()] == [3]  # chat A's next; chat B still leased
        async with services.sessions() as session, session.begin():  # the worker holding update 2 died
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == 2)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
        assert [t.update_id for t in await inbox.take()] == [2]
        async with services.sessions() as session:
            attempts = await session.scalar(select(InboxUpdate.attempts).where(InboxUpdate.update_id == 2))
        assert attempts == 2


@pytest.mark.parametrize(
    "update",
    [
        tg.text_update(tg.user(8701), "شلون بعادل شهادتي؟"),
        tg.command_update(tg.user(8701), "start", "ref"),
        tg.callback_update(tg.user(8701), "n:cv_help.start"),
        tg.edited_text_update(tg.user(8701), "nieuw", 5),
        tg.media_update(tg.user(8701), "photo", caption="mijn diploma"),
        tg.media_update(tg.user(8701), "sticker"),
        tg.text_update(tg.user(8701), "in een groep", tg.group_chat()),
        tg.channel_post_update("nieuws"),
    ],
    ids=["text", "command", "button", "edited", "photo", "sticker", "group", "channel"],
)
def test_the_json_and_the_ptb_form_of_an_update_read_the_same(update: dict[str, Any]) -> None:
    from telegram import Bot, Update

    update["update_id"] = 4242
    ptb = Update.de_json(update, Bot("123:abc"))
    assert to_incoming(ptb) == to_incoming(update)
    assert to_incoming(ptb, -100123) == to_incoming(update, -100123)


async def test_processed_updates_are_forgotten_after_a_while(services: Services) -> None:
    from bot.pipeline import INBOX_KEEP, forget_processed_updates

    async with inbox_writer(services, lambda: None) as writer:
        for update_id, text in [(11, "oud"), (12, "net klaar"), (13, "nog bezig")]:
            payload = tg.text_update(tg.user(8800 + update_id, "D", language_code="nl"), text)
            payload["update_id"] = update_id
            await writer.store(update_id, payload)
        async with services.sessions() as session, session.begin():
            long_ago = utcnow() - INBOX_KEEP - timedelta(seconds=5)
            await session.execute(update(InboxUpdate).where(InboxUpdate.update_id == 11).values(processed_at=long_ago))
            await session.execute(update(InboxUpdate).where(InboxUpdate.update_id == 12).values(processed_at=utcnow()))
        assert await forget_processed_updates(services) == 1
        async with services.sessions() as session:
            assert list(await session.scalars(select(InboxUpdate.update_id).order_by(InboxUpdate.update_id))) == [
                12,
                13,
            ]

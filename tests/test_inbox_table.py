"""The inbox's statements (bot/db/inbox.py): per chat the oldest unprocessed update, under a lease."""

from __future__ import annotations

from datetime import timedelta

from bot.db import inbox
from bot.db.models import utcnow
from bot.services import Services


async def test_a_take_gives_each_chat_its_oldest_update_once_until_done_or_the_lease_runs_out(
    services: Services,
) -> None:
    engine, now = services.engine, utcnow()
    rows = [(1, 100), (2, 100), (3, 200), (4, None)]
    await inbox.store(
        engine, [{"update_id": u, "chat_id": c, "payload": {"n": u}, "received_at": now} for u, c in rows]
    )
    await inbox.store(engine, [{"update_id": 1, "chat_id": 100, "payload": {"again": True}, "received_at": now}])
    lease = now + timedelta(seconds=30)
    first = await inbox.take(engine, now, lease, 10)
    assert [(t.update_id, t.payload) for t in first] == [(1, {"n": 1}), (3, {"n": 3}), (4, {"n": 4})]
    assert await inbox.take(engine, now, lease, 10) == []  # leased; chat 100's next waits for its first
    await inbox.done(engine, [1], now)
    assert [t.update_id for t in await inbox.take(engine, now, lease, 10)] == [2]
    # A worker that died: after its lease, another takes its updates again.
    later = lease + timedelta(seconds=1)
    assert [t.update_id for t in await inbox.take(engine, later, later + timedelta(seconds=30), 10)] == [2, 3, 4]
    await inbox.renew(engine, [2], later + timedelta(hours=1))
    much_later = later + timedelta(seconds=31)
    assert [t.update_id for t in await inbox.take(engine, much_later, much_later, 1)] == [3]  # 2 was renewed


async def test_a_take_never_exceeds_its_limit(services: Services) -> None:
    now = utcnow()
    rows = [{"update_id": u, "chat_id": u, "payload": {}, "received_at": now} for u in range(1, 21)]
    await inbox.store(services.engine, rows)
    assert [t.update_id for t in await inbox.take(services.engine, now, now + timedelta(seconds=5), 5)] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert await inbox.take(services.engine, now, now, 0) == []


async def test_a_take_records_the_done_updates_first_so_their_chats_next_comes_at_once(services: Services) -> None:
    now = utcnow()
    rows = [(1, 100), (2, 100), (3, 200)]
    await inbox.store(
        services.engine, [{"update_id": u, "chat_id": c, "payload": {}, "received_at": now} for u, c in rows]
    )
    lease = now + timedelta(seconds=30)
    assert [t.update_id for t in await inbox.take(services.engine, now, lease, 10)] == [1, 3]
    assert [t.update_id for t in await inbox.take(services.engine, now, lease, 10, done=[1, 3])] == [2]
    assert await inbox.take(services.engine, now, lease, 0, done=[2]) == []  # recorded, nothing leased
    later = lease + timedelta(seconds=1)
    assert await inbox.take(services.engine, later, later + timedelta(seconds=30), 10) == []  # all processed

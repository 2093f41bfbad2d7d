"""Sign-in without passwords: a one-time link sent by the bot opens a server-side session row that ends after a
quiet period. Only SHA-256 of tokens and session ids is stored, so a copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.db.models import Coach, ConsoleLoginToken, ConsoleSession

LINK_VALID = timedelta(minutes=10)
# A session's last-seen time is written at most this often (not on every poll of an open page).
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(session: AsyncSession, coach: Coach, base_url: str, now: datetime) -> str:
    """A fresh sign-in link for `coach`, valid for LINK_VALID and usable once."""
    token = secrets.token_urlsafe(32)
    await session.flush()  # the coach's id
    session.add(ConsoleLoginToken(token_hash=digest(token), coach_id=coach.id, expires_at=now + LINK_VALID))
    return f"{base_url}/console/login/{token}"


async def redeem(session: AsyncSession, token: str, now: datetime) -> Coach | None:
    """The coach of a valid, unused link, marking it used; None for an unknown, used or expired one.
    Atomic: of two browsers opening the same link at once, one gets in."""
    result = await session.execute(
        update(ConsoleLoginToken)
        .where(
            ConsoleLoginToken.token_hash == digest(token),
            ConsoleLoginToken.used_at.is_(None),
            ConsoleLoginToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(ConsoleLoginToken.coach_id)
    )
    coach_id = result.scalar()
    return await session.get(Coach, coach_id) if coach_id is not None else None


@dataclass(frozen=True)
class SignedIn:
    coach: Coach
    csrf_token: str
    session_hash: str
    seen_at: datetime  # the session's last-seen time as stored now


async def open_session(session: AsyncSession, coach: Coach, now: datetime) -> tuple[str, SignedIn]:
    """A new session: the token for the cookie, and what the pages need."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=digest(token),
        coach_id=coach.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    return token, SignedIn(coach, row.csrf_token, row.token_hash, now)


# Built once: every console request runs it. The coach comes as columns (built into a `Coach` below,
# not loaded into a session: the check needs no unit of work).
_COACH_COLUMNS = [a.key for a in inspect(Coach).column_attrs]
_CURRENT = (
    select(ConsoleSession.csrf_token, ConsoleSession.last_seen_at, *(getattr(Coach, k) for k in _COACH_COLUMNS))
    .outerjoin(Coach, Coach.id == ConsoleSession.coach_id)
    .where(ConsoleSession.token_hash == bindparam("session_hash"))
)
_END = delete(ConsoleSession).where(ConsoleSession.token_hash == bindparam("session_hash"))
_TOUCH = (
    update(ConsoleSession)
    .where(ConsoleSession.token_hash == bindparam("session_hash"))
    .values(last_seen_at=bindparam("now"))
)


async def current(db: AsyncConnection, token: str, now: datetime, idle: timedelta) -> SignedIn | None:
    """The signed-in coach of a cookie token, or None (unknown, ended, quiet for longer than `idle`).
    Each statement commits on its own (an autocommit connection): no BEGIN and COMMIT round trips."""
    session_hash = digest(token)
    found = (await db.execute(_CURRENT, {"session_hash": session_hash})).first()
    if found is None:
        return None
    csrf_token, seen_at, *coach = found
    if now - seen_at > idle:
        await db.execute(_END, {"session_hash": session_hash})
        return None
    if coach[0] is None:
        return None
    if now - seen_at > TOUCH_EVERY:
        await db.execute(_TOUCH, {"session_hash": session_hash, "now": now})
        seen_at = now
    return SignedIn(Coach(**dict(zip(_COACH_COLUMNS, coach, strict=True))), csrf_token, session_hash, seen_at)


async def end_session(session: AsyncSession, session_hash: str) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == session_hash))


async def end_all(session: AsyncSession, coach_id: int) -> int:
    """Sign the coach out everywhere and void their unused links (a removed coach)."""
    ended = await session.execute(delete(ConsoleSession).where(ConsoleSession.coach_id == coach_id))
    await session.execute(delete(ConsoleLoginToken).where(ConsoleLoginToken.coach_id == coach_id))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]

"""Intake state in the database (so an interrupted intake resumes exactly where it stopped)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Intake, utcnow
from bot.intake.form import IntakeState


async def load(session: AsyncSession, user_id: int) -> IntakeState | None:
    row = await session.get(Intake, user_id)
    return None if row is None else to_state(row)


def to_state(row: Intake) -> IntakeState:
    """An intake's state from its columns."""
    return IntakeState(row.status, row.field, dict(row.answers or {}), bool(row.editing), tuple(row.selected or ()))  # type: ignore[arg-type]


async def save(session: AsyncSession, user_id: int, state: IntakeState) -> None:
    """Store the state. Answers are only ever stored after consent (the form has none before)."""
    row = await session.get(Intake, user_id)
    if row is None:
        row = Intake(user_id=user_id, status=state.status, answers={}, selected=[])
        session.add(row)
    if state.status not in {"consent", "declined"} and row.consent_at is None:
        row.consent_at = utcnow()
    if state.status == "declined":
        row.consent_at = None
    row.status, row.field, row.editing = state.status, state.field, state.editing
    row.answers = dict(state.answers) if row.consent_at is not None else {}
    row.selected = list(state.selected)
    if state.status == "submitted" and row.submitted_at is None:
        row.submitted_at = utcnow()

"""Alembic environment: runs on the connection handed over by bot.db.migrate."""

from __future__ import annotations

from alembic import context

from bot.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `werkhelpdesk db upgrade`")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

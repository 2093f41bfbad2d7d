"""outbox index: only the undelivered outgoing messages

The index on (direction, delivered_at) held every message. The planner combined its `direction = 'in'`
range (all incoming messages ever) with the per-user index to count a sender's recent messages for the
flood rule, which grew with the transcript. A partial index holds only what the outbox looks for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNDELIVERED = sa.text("direction = 'out' AND delivered_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_undelivered')
        batch_op.create_index(
            'ix_messages_outbox', ['id'], unique=False, postgresql_where=UNDELIVERED, sqlite_where=UNDELIVERED
        )


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_outbox')
        batch_op.create_index('ix_messages_undelivered', ['direction', 'delivered_at'], unique=False)

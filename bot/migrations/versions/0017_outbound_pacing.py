"""outbound pacing: priority, not_before and claim lease on outgoing messages; the send_pace table

Sends are paced across replicas (per chat, per group, per bot): the sender claims due messages and
books their send times in `send_pace` in one transaction (bot.outbox.claim).

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
UNDELIVERED = sa.text("direction = 'out' AND delivered_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('priority', sa.SmallInteger(), server_default=sa.text('1'), nullable=False))
        batch.add_column(sa.Column('not_before', TS, nullable=True))
        batch.add_column(sa.Column('claimed_until', TS, nullable=True))
        batch.create_index(
            'ix_messages_outbox_chat',
            ['chat_id', 'id'],
            unique=False,
            postgresql_where=UNDELIVERED,
            sqlite_where=UNDELIVERED,
        )
    op.create_table(
        'send_pace',
        sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('last_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('chat_id'),
    )


def downgrade() -> None:
    op.drop_table('send_pace')
    with op.batch_alter_table('messages') as batch:
        batch.drop_index('ix_messages_outbox_chat')
        batch.drop_column('claimed_until')
        batch.drop_column('not_before')
        batch.drop_column('priority')

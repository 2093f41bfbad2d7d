"""reports and work outcomes (issue 25): first coach reply, how the bot answered, follow-up questions

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('first_reply_at', TS, nullable=True))
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('answer', sa.String(length=16), nullable=True))
    # The reports read periods of a year: by time, not by user.
    op.create_index('ix_messages_created', 'messages', ['created_at'])
    op.create_index('ix_cases_created', 'cases', ['created_at'])
    op.create_table(
        'work_followups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('intake_at', TS, nullable=False),
        sa.Column('due_at', TS, nullable=False),
        sa.Column('sent_at', TS, nullable=True),
        sa.Column('answer', sa.String(length=16), nullable=True),
        sa.Column('answered_at', TS, nullable=True),
        sa.Column('stopped_at', TS, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_work_followups_user_id', 'work_followups', ['user_id'])
    op.create_index('ix_work_followups_due', 'work_followups', ['sent_at', 'stopped_at', 'due_at'])
    op.create_table(
        'report_days',
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=False),
        sa.Column('answer', sa.String(length=16), nullable=False),
        sa.Column('conversations', sa.Integer(), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'kind', 'language', 'intent', 'answer'),
    )


def downgrade() -> None:
    op.drop_table('report_days')
    op.drop_index('ix_work_followups_due', table_name='work_followups')
    op.drop_index('ix_work_followups_user_id', table_name='work_followups')
    op.drop_table('work_followups')
    op.drop_index('ix_cases_created', table_name='cases')
    op.drop_index('ix_messages_created', table_name='messages')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('answer')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('first_reply_at')

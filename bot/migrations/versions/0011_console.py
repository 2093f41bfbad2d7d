"""console: sign-in links, sessions, canned replies and the case access log (issue 23)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'console_login_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', TS, nullable=False),
        sa.Column('used_at', TS, nullable=True),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_console_login_tokens_coach_id', 'console_login_tokens', ['coach_id'])
    op.create_table(
        'console_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('last_seen_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_console_sessions_coach_id', 'console_sessions', ['coach_id'])
    op.create_table(
        'canned_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'case_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('coach_name', sa.String(length=64), nullable=False),
        sa.Column('what', sa.String(length=16), nullable=False),
        sa.Column('at', TS, nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_views_case_id', 'case_views', ['case_id'])


def downgrade() -> None:
    op.drop_index('ix_case_views_case_id', table_name='case_views')
    op.drop_table('case_views')
    op.drop_table('canned_replies')
    op.drop_index('ix_console_sessions_coach_id', table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_index('ix_console_login_tokens_coach_id', table_name='console_login_tokens')
    op.drop_table('console_login_tokens')

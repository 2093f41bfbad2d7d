"""translation_drafts: a coach's translated reply waiting for confirmation (issue 26)

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('translation_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=8), nullable=False),
    sa.Column('original', sa.Text(), nullable=False),
    sa.Column('translation', sa.Text(), nullable=True),
    sa.Column('back', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=64), nullable=True),
    sa.Column('problem', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('translation_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translation_drafts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_translation_drafts_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('translation_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_drafts_user_id'))
        batch_op.drop_index(batch_op.f('ix_translation_drafts_case_id'))

    op.drop_table('translation_drafts')

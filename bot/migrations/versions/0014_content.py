"""content: published FAQ revisions with history, drafts, NLU examples from the console, translators (issue 24)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'content_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('files_hash', sa.String(length=64), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    op.create_table(
        'content_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow', sa.String(length=64), nullable=False),
        sa.Column('node', sa.String(length=64), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('nl_hash', sa.String(length=16), nullable=True),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('flow', 'node', 'field', 'lang'),
    )
    op.create_table(
        'nlu_examples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('intent', sa.String(length=64), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('revision', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['coach_id'], ['coaches.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('coaches') as batch:
        batch.add_column(sa.Column('translator_languages', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('coaches') as batch:
        batch.drop_column('translator_languages')
    op.drop_table('nlu_examples')
    op.drop_table('content_drafts')
    op.drop_table('content_revisions')

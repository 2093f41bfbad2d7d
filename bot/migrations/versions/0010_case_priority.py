"""cases: priority and safeguarding category

Safeguarding disclosures open or upgrade a case with priority "urgent" and the category (special-category
data: only on the case, erased with the newcomer's data). Urgent cases come first in the queue.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=16), nullable=False, server_default='normal'))
        batch_op.add_column(sa.Column('safeguarding', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('safeguarding')
        batch_op.drop_column('priority')

"""jobs: a job's recorded outcome, and its waits for a busy lock

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


def upgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('waits', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('outcome', sa.JSON(), nullable=True))
    with op.batch_alter_table('job') as batch:
        batch.alter_column('waits', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.drop_column('outcome')
        batch.drop_column('waits')

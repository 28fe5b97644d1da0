"""data versions per area and the figure cache (the dashboard's figures, never stale)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_version',
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_data_version'))
    )
    op.create_table('figure_cache',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('versions', sa.String(length=500), nullable=False),
    sa.Column('stamp', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', 'scope', name=op.f('pk_figure_cache'))
    )


def downgrade() -> None:
    op.drop_table('figure_cache')
    op.drop_table('data_version')

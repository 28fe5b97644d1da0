"""jobs: uploads kept for a worker, a job's recorded outcome, waits for a busy lock

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


def upgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('waits', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('outcome', sa.JSON(), nullable=True))
    with op.batch_alter_table('job') as batch:
        batch.alter_column('waits', server_default=None)
    op.create_table('job_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_job_file_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_file_job_id_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_file'))
    )
    op.create_index(op.f('ix_job_file_account_id'), 'job_file', ['account_id'], unique=False)
    op.create_index(op.f('ix_job_file_job_id'), 'job_file', ['job_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_job_file_job_id'), table_name='job_file')
    op.drop_index(op.f('ix_job_file_account_id'), table_name='job_file')
    op.drop_table('job_file')
    with op.batch_alter_table('job') as batch:
        batch.drop_column('outcome')
        batch.drop_column('waits')

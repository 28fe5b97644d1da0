"""monitoring: when attendance was taken, when work was submitted, a student's last course access

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

WAITING = sa.text("raw IS NULL AND submitted_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('lesson') as batch:
        batch.add_column(sa.Column('attendance_taken_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('attendance_delay_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('grade') as batch:
        batch.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_grade_graded_at', 'grade', ['graded_at'])
    op.create_index('ix_grade_waiting', 'grade', ['item_id', 'submitted_at'], sqlite_where=WAITING, postgresql_where=WAITING)
    with op.batch_alter_table('enrolment') as batch:
        batch.add_column(sa.Column('last_course_access', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('course_access_read', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('enrolment') as batch:
        batch.drop_column('course_access_read')
        batch.drop_column('last_course_access')
    op.drop_index('ix_grade_waiting', table_name='grade')
    op.drop_index('ix_grade_graded_at', table_name='grade')
    with op.batch_alter_table('grade') as batch:
        batch.drop_column('submitted_at')
    with op.batch_alter_table('lesson') as batch:
        batch.drop_column('attendance_delay_minutes')
        batch.drop_column('attendance_taken_at')

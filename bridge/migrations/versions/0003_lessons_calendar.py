"""lessons, face-to-face sessions and calendar tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('face_to_face_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('nth', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=False),
    sa.Column('last_month', sa.Integer(), nullable=False),
    sa.Column('holiday_policy', sa.Enum('skip', 'next_week', 'previous_week', name='holiday_policy', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('first_month BETWEEN 1 AND 12 AND last_month BETWEEN 1 AND 12', name=op.f('ck_face_to_face_rule_months')),
    sa.CheckConstraint('nth IN (1, 2, 3, 4, 5, -1)', name=op.f('ck_face_to_face_rule_nth')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_face_to_face_rule_times')),
    sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_face_to_face_rule_weekday')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_face_to_face_rule_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_face_to_face_rule_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_to_face_rule'))
    )
    with op.batch_alter_table('face_to_face_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_to_face_rule_academic_year_id'), ['academic_year_id'], unique=False)

    op.create_table('calendar_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(CASE WHEN student_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN teacher_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN school_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_calendar_token_one_owner')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_calendar_token_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_calendar_token_student_id_student'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teacher.id'], name=op.f('fk_calendar_token_teacher_id_teacher'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_token_token_hash'))
    )
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_token_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_token_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_token_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('face_to_face_rule_course',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_face_to_face_rule_course_course_id_network_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['face_to_face_rule.id'], name=op.f('fk_face_to_face_rule_course_rule_id_face_to_face_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', 'course_id', name=op.f('pk_face_to_face_rule_course'))
    )
    op.create_table('face_to_face_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('rule_date', sa.Date(), nullable=True),
    sa.Column('kind', sa.Enum('session', 'contest', name='session_kind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=255), nullable=False),
    sa.Column('moodle_event_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'moved', 'cancelled', name='schedule_status', native_enum=False, length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 1440', name=op.f('ck_face_to_face_session_duration')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_face_to_face_session_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['face_to_face_rule.id'], name=op.f('fk_face_to_face_session_rule_id_face_to_face_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_face_to_face_session_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_to_face_session')),
    sa.UniqueConstraint('rule_id', 'rule_date', name='uq_face_to_face_session_rule_date'),
    sa.UniqueConstraint('uid', name=op.f('uq_face_to_face_session_uid'))
    )
    with op.batch_alter_table('face_to_face_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_to_face_session_academic_year_id'), ['academic_year_id'], unique=False)

    op.create_table('face_to_face_session_course',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_face_to_face_session_course_course_id_network_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['face_to_face_session.id'], name=op.f('fk_face_to_face_session_course_session_id_face_to_face_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'course_id', name=op.f('pk_face_to_face_session_course'))
    )
    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('slot_date', sa.Date(), nullable=True),
    sa.Column('moodle_session_id', sa.Integer(), nullable=True),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'moved', 'cancelled', name='schedule_status', native_enum=False, length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 600', name=op.f('ck_lesson_duration')),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_lesson_course_id_network_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['lesson_slot.id'], name=op.f('fk_lesson_slot_id_lesson_slot'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson')),
    sa.UniqueConstraint('slot_id', 'slot_date', name='uq_lesson_slot_date'),
    sa.UniqueConstraint('uid', name=op.f('uq_lesson_uid'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_course_date', ['course_id', 'date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_course_date')

    op.drop_table('lesson')
    op.drop_table('face_to_face_session_course')
    with op.batch_alter_table('face_to_face_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_to_face_session_academic_year_id'))

    op.drop_table('face_to_face_session')
    op.drop_table('face_to_face_rule_course')
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_token_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_token_student_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_token_school_id'))

    op.drop_table('calendar_token')
    with op.batch_alter_table('face_to_face_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_to_face_rule_academic_year_id'))

    op.drop_table('face_to_face_rule')

"""registry

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('academic_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('starts_on < ends_on', name=op.f('ck_academic_year_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_academic_year')),
    sa.UniqueConstraint('code', name=op.f('uq_academic_year_code'))
    )
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('short_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.Enum('base', 'resource_centre', 'participant', name='school_role', native_enum=False, length=32), nullable=False),
    sa.Column('municipality', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('week_days', sa.Integer(), nullable=False),
    sa.Column('student_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('student_count >= 0', name=op.f('ck_school_student_count')),
    sa.CheckConstraint('week_days IN (5, 6)', name=op.f('ck_school_week_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('external_id', name=op.f('uq_school_external_id'))
    )
    op.create_table('bell_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_bell_period_times')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_bell_period_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bell_period')),
    sa.UniqueConstraint('school_id', 'period', name='uq_bell_period_school_period')
    )
    op.create_table('class_lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('class_letter', sa.String(length=8), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_class_lesson_weekday')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_class_lesson_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_lesson')),
    sa.UniqueConstraint('school_id', 'grade', 'class_letter', 'weekday', 'period', name='uq_class_lesson_slot')
    )
    op.create_table('curriculum_load',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=False),
    sa.CheckConstraint('hours_per_week >= 0', name=op.f('ck_curriculum_load_hours')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_curriculum_load_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_load')),
    sa.UniqueConstraint('school_id', 'grade', name='uq_curriculum_load_school_grade')
    )
    op.create_table('holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_holiday_dates')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_holiday_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_holiday_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday'))
    )
    op.create_table('network_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('subject_area', sa.String(length=255), nullable=False),
    sa.Column('grade_from', sa.Integer(), nullable=False),
    sa.Column('grade_to', sa.Integer(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=False),
    sa.Column('provider_school_id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('grade_from BETWEEN 1 AND 11 AND grade_to BETWEEN grade_from AND 11', name=op.f('ck_network_course_grades')),
    sa.CheckConstraint('hours_per_week > 0', name=op.f('ck_network_course_hours')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_network_course_academic_year_id_academic_year'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_school_id'], ['school.id'], name=op.f('fk_network_course_provider_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_course')),
    sa.UniqueConstraint('code', name=op.f('uq_network_course_code'))
    )
    with op.batch_alter_table('network_course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_course_academic_year_id'), ['academic_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_course_provider_school_id'), ['provider_school_id'], unique=False)

    op.create_table('student',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('class_letter', sa.String(length=8), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('grade BETWEEN 1 AND 11', name=op.f('ck_student_grade')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_student_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student')),
    sa.UniqueConstraint('external_id', name=op.f('uq_student_external_id'))
    )
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_school_id'), ['school_id'], unique=False)

    op.create_table('teacher',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_teacher_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teacher')),
    sa.UniqueConstraint('external_id', name=op.f('uq_teacher_external_id'))
    )
    with op.batch_alter_table('teacher', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teacher_school_id'), ['school_id'], unique=False)

    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_term_dates')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_term_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_term_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term')),
    sa.UniqueConstraint('academic_year_id', 'school_id', 'number', name='uq_term_year_school_number')
    )
    op.create_table('course_teacher',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_course_teacher_course_id_network_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teacher.id'], name=op.f('fk_course_teacher_teacher_id_teacher'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('course_id', 'teacher_id', name=op.f('pk_course_teacher'))
    )
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', 'completed', name='enrolment_status', native_enum=False, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR starts_on <= ends_on', name=op.f('ck_enrolment_dates')),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_enrolment_course_id_network_course'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_enrolment_student_id_student'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('student_id', 'course_id', name='uq_enrolment_student_course')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_course_id'), ['course_id'], unique=False)

    op.create_table('lesson_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 600', name=op.f('ck_lesson_slot_duration')),
    sa.CheckConstraint('weekday BETWEEN 1 AND 7', name=op.f('ck_lesson_slot_weekday')),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_lesson_slot_course_id_network_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_slot')),
    sa.UniqueConstraint('course_id', 'weekday', 'starts_at', name='uq_lesson_slot_course_weekday_start')
    )
    with op.batch_alter_table('lesson_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_slot_course_id'), ['course_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lesson_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_slot_course_id'))

    op.drop_table('lesson_slot')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_course_id'))

    op.drop_table('enrolment')
    op.drop_table('course_teacher')
    op.drop_table('term')
    with op.batch_alter_table('teacher', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teacher_school_id'))

    op.drop_table('teacher')
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_school_id'))

    op.drop_table('student')
    with op.batch_alter_table('network_course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_course_provider_school_id'))
        batch_op.drop_index(batch_op.f('ix_network_course_academic_year_id'))

    op.drop_table('network_course')
    op.drop_table('holiday')
    op.drop_table('curriculum_load')
    op.drop_table('class_lesson')
    op.drop_table('bell_period')
    op.drop_table('school')
    op.drop_table('academic_year')

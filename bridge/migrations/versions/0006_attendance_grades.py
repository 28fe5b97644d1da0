"""attendance marks, grades, mark history; network_course.assessment_form

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grade_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('moodle_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_grade_item_course_id_network_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_item')),
    sa.UniqueConstraint('course_id', 'moodle_id', name='uq_grade_item_course_moodle_id')
    )
    op.create_table('grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('raw', sa.Float(), nullable=True),
    sa.Column('grade_min', sa.Float(), nullable=False),
    sa.Column('grade_max', sa.Float(), nullable=False),
    sa.Column('percentage', sa.Float(), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['grade_item.id'], name=op.f('fk_grade_item_id_grade_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_grade_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade')),
    sa.UniqueConstraint('item_id', 'student_id', name='uq_grade_item_student')
    )
    with op.batch_alter_table('grade', schema=None) as batch_op:
        batch_op.create_index('ix_grade_student', ['student_id'], unique=False)

    op.create_table('attendance_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('face_to_face_session_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.Enum('present', 'late', 'excused', 'absent', name='attendance_kind', native_enum=False, length=32), nullable=False),
    sa.Column('remarks', sa.String(length=500), nullable=False),
    sa.Column('taken_by', sa.String(length=100), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('(CASE WHEN lesson_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN face_to_face_session_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_attendance_mark_one_occasion')),
    sa.ForeignKeyConstraint(['face_to_face_session_id'], ['face_to_face_session.id'], name=op.f('fk_attendance_mark_face_to_face_session_id_face_to_face_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_attendance_mark_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_attendance_mark_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_mark')),
    sa.UniqueConstraint('face_to_face_session_id', 'student_id', name='uq_attendance_mark_session_student'),
    sa.UniqueConstraint('lesson_id', 'student_id', name='uq_attendance_mark_lesson_student')
    )
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_mark_student', ['student_id'], unique=False)

    op.create_table('mark_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('attendance_mark_id', sa.Integer(), nullable=True),
    sa.Column('grade_id', sa.Integer(), nullable=True),
    sa.Column('old_value', sa.String(length=100), nullable=False),
    sa.Column('new_value', sa.String(length=100), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendance_mark_id'], ['attendance_mark.id'], name=op.f('fk_mark_change_attendance_mark_id_attendance_mark'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grade_id'], ['grade.id'], name=op.f('fk_mark_change_grade_id_grade'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_mark_change_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark_change'))
    )
    with op.batch_alter_table('mark_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_change_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('network_course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessment_form', sa.Enum('five_point', 'pass_fail', 'points', name='assessment_form', native_enum=False, length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('network_course', schema=None) as batch_op:
        batch_op.drop_column('assessment_form')

    with op.batch_alter_table('mark_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_change_student_id'))

    op.drop_table('mark_change')
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_mark_student')

    op.drop_table('attendance_mark')
    with op.batch_alter_table('grade', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_student')

    op.drop_table('grade')
    op.drop_table('grade_item')

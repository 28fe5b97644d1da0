"""agreements between schools and the courses they cover

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
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_school_id', sa.Integer(), nullable=False),
    sa.Column('receiver_school_id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('all_courses', sa.Boolean(), nullable=False),
    sa.Column('rate_kopecks', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('provider_school_id <> receiver_school_id', name=op.f('ck_agreement_two_schools')),
    sa.CheckConstraint('rate_kopecks IS NULL OR rate_kopecks >= 0', name=op.f('ck_agreement_rate')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_agreement_academic_year_id_academic_year'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_school_id'], ['school.id'], name=op.f('fk_agreement_provider_school_id_school'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['receiver_school_id'], ['school.id'], name=op.f('fk_agreement_receiver_school_id_school'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('provider_school_id', 'receiver_school_id', 'academic_year_id', 'number', name='uq_agreement_parties_year_number')
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_provider_school_id'), ['provider_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_receiver_school_id'), ['receiver_school_id'], unique=False)

    op.create_table('agreement_course',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_course_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_agreement_course_course_id_network_course'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('agreement_id', 'course_id', name=op.f('pk_agreement_course'))
    )
    with op.batch_alter_table('agreement_course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_course_course_id'), ['course_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agreement_course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_course_course_id'))

    op.drop_table('agreement_course')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_receiver_school_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_provider_school_id'))

    op.drop_table('agreement')

"""choices

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('choice_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('rank_weights', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('max_choices BETWEEN 1 AND 10', name=op.f('ck_choice_campaign_max_choices')),
    sa.CheckConstraint('opens_at < closes_at', name=op.f('ck_choice_campaign_window')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_choice_campaign_academic_year_id_academic_year'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_choice_campaign')),
    sa.UniqueConstraint('code', name=op.f('uq_choice_campaign_code'))
    )
    with op.batch_alter_table('choice_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_choice_campaign_academic_year_id'), ['academic_year_id'], unique=False)

    op.create_table('allocation_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('objective', sa.Float(), nullable=False),
    sa.Column('bound', sa.Float(), nullable=False),
    sa.Column('wall_seconds', sa.Float(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['choice_campaign.id'], name=op.f('fk_allocation_run_campaign_id_choice_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_run'))
    )
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_run_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('choice_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('min_size', sa.Integer(), nullable=False),
    sa.Column('max_size', sa.Integer(), nullable=False),
    sa.Column('may_close', sa.Boolean(), nullable=False),
    sa.Column('forced', sa.Enum('auto', 'open', 'closed', name='offer_state', native_enum=False, length=32), nullable=False),
    sa.CheckConstraint('min_size >= 0 AND max_size >= 1 AND max_size >= min_size', name=op.f('ck_choice_offer_sizes')),
    sa.ForeignKeyConstraint(['campaign_id'], ['choice_campaign.id'], name=op.f('fk_choice_offer_campaign_id_choice_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['network_course.id'], name=op.f('fk_choice_offer_course_id_network_course'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_choice_offer')),
    sa.UniqueConstraint('campaign_id', 'course_id', name='uq_choice_offer_campaign_course')
    )
    with op.batch_alter_table('choice_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_choice_offer_course_id'), ['course_id'], unique=False)

    op.create_table('choice_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('min_courses', sa.Integer(), nullable=False),
    sa.Column('max_courses', sa.Integer(), nullable=False),
    sa.CheckConstraint('grade BETWEEN 1 AND 11', name=op.f('ck_choice_rule_grade')),
    sa.CheckConstraint('min_courses >= 0 AND max_courses >= min_courses', name=op.f('ck_choice_rule_counts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['choice_campaign.id'], name=op.f('fk_choice_rule_campaign_id_choice_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_choice_rule')),
    sa.UniqueConstraint('campaign_id', 'grade', name='uq_choice_rule_campaign_grade')
    )
    op.create_table('allocation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pin', 'forbid', name='decision_kind', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['choice_campaign.id'], name=op.f('fk_allocation_decision_campaign_id_choice_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['choice_offer.id'], name=op.f('fk_allocation_decision_offer_id_choice_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_allocation_decision_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_decision')),
    sa.UniqueConstraint('campaign_id', 'student_id', 'offer_id', name='uq_allocation_decision')
    )
    with op.batch_alter_table('allocation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_decision_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_decision_student_id'), ['student_id'], unique=False)

    op.create_table('allocation_grant',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['choice_offer.id'], name=op.f('fk_allocation_grant_offer_id_choice_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['allocation_run.id'], name=op.f('fk_allocation_grant_run_id_allocation_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_allocation_grant_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'student_id', 'offer_id', name=op.f('pk_allocation_grant'))
    )
    op.create_table('student_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_student_choice_rank')),
    sa.ForeignKeyConstraint(['campaign_id'], ['choice_campaign.id'], name=op.f('fk_student_choice_campaign_id_choice_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['choice_offer.id'], name=op.f('fk_student_choice_offer_id_choice_offer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_student_choice_student_id_student'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_choice')),
    sa.UniqueConstraint('campaign_id', 'student_id', 'offer_id', name='uq_student_choice_offer'),
    sa.UniqueConstraint('campaign_id', 'student_id', 'rank', name='uq_student_choice_rank')
    )
    with op.batch_alter_table('student_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_choice_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_choice_student_id'), ['student_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('student_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_choice_student_id'))
        batch_op.drop_index(batch_op.f('ix_student_choice_offer_id'))

    op.drop_table('student_choice')
    op.drop_table('allocation_grant')
    with op.batch_alter_table('allocation_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_decision_student_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_decision_offer_id'))

    op.drop_table('allocation_decision')
    op.drop_table('choice_rule')
    with op.batch_alter_table('choice_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_choice_offer_course_id'))

    op.drop_table('choice_offer')
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_run_campaign_id'))

    op.drop_table('allocation_run')
    with op.batch_alter_table('choice_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_choice_campaign_academic_year_id'))

    op.drop_table('choice_campaign')

"""private course-choice links: a calendar token may belong to a choice campaign

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

FEED = "revoked_at IS NULL AND campaign_id IS NULL"
CHOICE = "revoked_at IS NULL AND campaign_id IS NOT NULL"
OWNERS = ("student", "teacher", "school")


def _owner_indexes(where: str) -> None:
    for owner in OWNERS:
        op.drop_index(f"uq_calendar_token_active_{owner}", table_name="calendar_token")
        op.create_index(f"uq_calendar_token_active_{owner}", "calendar_token", [f"{owner}_id"], unique=True,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    with op.batch_alter_table("calendar_token") as batch:
        batch.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_calendar_token_campaign_id_choice_campaign"), "choice_campaign",
                                 ["campaign_id"], ["id"], ondelete="CASCADE")
    _owner_indexes(FEED)
    op.create_index("uq_calendar_token_active_choice", "calendar_token", ["student_id", "campaign_id"], unique=True,
                    sqlite_where=sa.text(CHOICE), postgresql_where=sa.text(CHOICE))


def downgrade() -> None:
    op.drop_index("uq_calendar_token_active_choice", table_name="calendar_token")
    op.execute("DELETE FROM calendar_token WHERE campaign_id IS NOT NULL")
    _owner_indexes("revoked_at IS NULL")
    with op.batch_alter_table("calendar_token") as batch:
        batch.drop_constraint(op.f("fk_calendar_token_campaign_id_choice_campaign"), type_="foreignkey")
        batch.drop_column("campaign_id")

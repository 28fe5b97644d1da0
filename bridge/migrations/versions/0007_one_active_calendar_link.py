"""at most one working calendar link per owner (partial unique indexes)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OWNERS = ("student", "teacher", "school")
ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    # Two links issued at the same moment may both be working: keep the newest, revoke the rest.
    for owner in OWNERS:
        op.execute(
            f"UPDATE calendar_token SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL "
            f"AND {owner}_id IS NOT NULL AND id NOT IN (SELECT max(id) FROM calendar_token "
            f"WHERE revoked_at IS NULL AND {owner}_id IS NOT NULL GROUP BY {owner}_id)")
        op.create_index(f"uq_calendar_token_active_{owner}", "calendar_token", [f"{owner}_id"], unique=True,
                        sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    for owner in OWNERS:
        op.drop_index(f"uq_calendar_token_active_{owner}", table_name="calendar_token")

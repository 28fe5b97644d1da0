"""The models and the Alembic migrations describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bridge.models import Base


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_init_is_repeatable(runner):
    first = runner.invoke(["init"])
    second = runner.invoke(["init"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "database ready" in second.output

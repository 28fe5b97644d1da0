"""Shared fixtures: a real database (SQLite file by default, PostgreSQL when
``NETCOURSES_TEST_DATABASE_URL`` names one), migrated once per run and emptied after every test,
and the Flask ``app``/``client``/``runner`` trio."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bridge import db
from bridge.accounts import create_account, issue_token
from bridge.models import AccountRole, Base
from bridge.runtime import Runtime
from config import Settings
from tests.builders import build_district

# The fake Moodle's fixtures (``fake_moodle``, ``moodle``) for every test folder.
pytest_plugins = ["fake_moodle.fixtures"]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("NETCOURSES_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = db.make_engine(database_url)
    if eng.dialect.name == "postgresql":
        # The test database belongs to the tests: start from an empty schema every run.
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(eng)
    yield eng
    eng.dispose()


def _empty(eng: Engine) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The settings of ``runtime`` (and so of ``app``); a test module overrides this fixture to
    point the app at the fake Moodle, say."""
    return Settings(database_url=database_url)


@pytest.fixture
def runtime(engine: Engine, settings: Settings) -> Iterator[Runtime]:
    """Its sessions' commits queue no refresh of the figures (bridge.models.figures): that job would stand in
    the queue of every test that claims or counts jobs; tests/web/test_figures.py tests it with its own."""
    yield Runtime(dataclasses.replace(settings, jobs=dataclasses.replace(settings.jobs, refresh_figures=False)),
                  engine=engine)
    _empty(engine)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as s:
        yield s


@pytest.fixture
def app(runtime: Runtime):
    from bridge.app import create_app

    application = create_app(runtime)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def worker(runtime: Runtime):
    """A job worker of the test database: ``worker.drain()`` runs what the test queued, in the
    test's own thread."""
    from sync_jobs.worker import Worker

    return Worker(runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(runtime: Runtime):
    """Invoke the ``netcourses`` CLI against the test database."""
    from bridge.cli.root import main

    class _Runner(CliRunner):
        def invoke(self, *args, **kwargs):  # type: ignore[override]
            kwargs.setdefault("obj", runtime)
            return super().invoke(main, *args, **kwargs)

    return _Runner()



@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~0.1 s a hash by design; the tests check the flow, not the cost."""
    monkeypatch.setattr("bridge.accounts.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def accounts(session):
    """A district and one account per role, each with an API token: role -> (login, token)."""
    build_district(session)
    out = {}
    for role, extra in [(AccountRole.ADMIN, {}), (AccountRole.COORDINATOR, {"school": "SCH29"}),
                        (AccountRole.TEACHER, {"teacher": "T-2"}), (AccountRole.VIEWER, {})]:
        account = create_account(session, role.value, PASSWORD, role, **extra)
        out[role.value] = (account.login, issue_token(session, account, "tests"))
    session.commit()
    return out

"""Only ``init`` (and ``demo``) may create the database: every other command, run where no database
is or against an old schema, stops with one line naming the database and ``netcourses init``, and
creates nothing; ``/ready`` says the same with a 503."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bridge import db
from bridge.app import create_app
from bridge.cli.root import main
from bridge.runtime import Runtime
from config import Settings

COMMANDS = [["user", "list"], ["sync", "--dry-run"], ["report", "stats"], ["jobs", "list"], ["serve"],
            ["worker"], ["scheduler"], ["backup", "--out", "copy.db"]]


def _netcourses(url: str, *args: str):
    """The command as a user runs it: no runtime handed in, the database named by the environment."""
    return CliRunner().invoke(main, list(args), env={"NETCOURSES_DATABASE_URL": url, "NETCOURSES_CONFIG": None})


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_in_a_folder_without_a_database_creates_none(tmp_path, args):
    path = tmp_path / "netcourses.db"
    result = _netcourses(f"sqlite:///{path}", *args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: database sqlite:///{path} does not exist ({path}): netcourses init creates it"]
    assert not path.exists()


def _behind(path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, "0009")
    engine.dispose()


def test_an_old_schema_is_named_and_init_upgrades_it(tmp_path):
    path = tmp_path / "old.db"
    _behind(path)
    url = f"sqlite:///{path}"
    result = _netcourses(url, "user", "list")
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: database {url} has schema 0009, behind this version's ")
    assert result.output.rstrip().endswith(": netcourses init upgrades it")
    assert _netcourses(url, "init").exit_code == 0
    assert _netcourses(url, "user", "list").exit_code == 0


def test_an_empty_database_has_no_schema(tmp_path):
    path = tmp_path / "empty.db"
    db.make_engine(f"sqlite:///{path}").connect().close()  # an empty file, as older versions left behind
    result = _netcourses(f"sqlite:///{path}", "report", "stats")
    assert result.output.splitlines() == [f"Error: database sqlite:///{path} has no schema: netcourses init creates it"]


def test_ready_names_a_missing_database_and_creates_none(tmp_path):
    path = tmp_path / "registry.db"
    client = create_app(Runtime(Settings(database_url=f"sqlite:///{path}"))).test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["reasons"] == [f"database does not exist ({path}): netcourses init creates it"]
    assert client.get("/health").status_code == 200 and not path.exists()


def test_ready_names_a_schema_behind(tmp_path):
    path = tmp_path / "old.db"
    _behind(path)
    client = create_app(Runtime(Settings(database_url=f"sqlite:///{path}"))).test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    (reason,) = response.json["reasons"]
    assert reason.startswith("database has schema 0009, behind") and reason.endswith("netcourses init upgrades it")


@pytest.mark.parametrize("args", [["import", "{csv}"], ["user", "add", "admin", "--role", "admin", "--password",
                                  "correct horse battery"], ["choices", "export"], ["allocate"]], ids=lambda a: a[0])
def test_commands_that_used_to_migrate_quietly_leave_it_to_init(tmp_path, args):
    """import, user add and the course-choice commands created or upgraded the database themselves:
    an import from the wrong folder then reported every school as unknown."""
    path = tmp_path / "netcourses.db"
    csv = tmp_path / "schools.csv"
    csv.write_text("school_id,name\nVLZ-35,Школа 35\n", encoding="utf-8")
    result = _netcourses(f"sqlite:///{path}", *(arg.format(csv=csv) for arg in args))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1:] == [
        f"Error: database sqlite:///{path} does not exist ({path}): netcourses init creates it"]
    assert not path.exists()

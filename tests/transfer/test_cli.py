"""``netcourses import`` and ``netcourses export`` as a user runs them."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from transfer.helpers import district, registry_state, write_csv, write_folder


@pytest.fixture
def upload(tmp_path):
    return write_folder(district(), tmp_path / "upload")


def test_import_then_reimport(runner, runtime, upload):
    first = runner.invoke(["import", str(upload)])
    assert first.exit_code == 0, first.output
    assert "students         6 created, 0 updated, 0 unchanged" in first.stdout
    second = runner.invoke(["import", str(upload)])
    assert second.exit_code == 0
    assert "students         0 created, 0 updated, 6 unchanged" in second.stdout
    assert " created, 0 updated" in second.stdout and "1 created" not in second.stdout


def test_dry_run_writes_nothing(runner, runtime, upload):
    with runtime.sessions() as session:
        before = registry_state(session)
    result = runner.invoke(["import", str(upload), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Dry run of the import {upload} (nothing was written):")
    with runtime.sessions() as session:
        assert registry_state(session) == before


def test_rejected_import_lists_every_problem_and_exits_non_zero(runner, runtime, upload):
    runner.invoke(["import", str(upload)])
    with runtime.sessions() as session:
        before = registry_state(session)
    rows = district()["students"]
    rows[0]["grade"] = "12"
    rows[3]["school_id"] = "sch-99"
    write_csv(upload / "students.csv", rows)
    result = runner.invoke(["import", str(upload)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "students.csv:2:grade: 12 is not between 1 and 11",
        "students.csv:5:school_id: unknown school sch-99",
    ]
    assert result.stderr.strip() == "Error: import rejected: 2 problem(s); nothing was changed"
    with runtime.sessions() as session:
        assert registry_state(session) == before


def test_rejection_as_json(runner, runtime, tmp_path):
    path = write_csv(tmp_path / "students.csv", [{**district()["students"][0], "school_id": "sch-99"}])
    result = runner.invoke(["import", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"ok": False, "problems": [
        {"file": "students.csv", "row": 2, "column": "school_id", "code": "unknown_school",
         "reason": "unknown school sch-99"}], "more": 0}


def test_report_as_json(runner, runtime, upload):
    result = runner.invoke(["import", str(upload), "--json"])
    body = json.loads(result.stdout)
    assert body["ok"] and body["changed"] and not body["dry_run"]
    assert body["counts"]["enrolments"] == {"created": 7, "updated": 0, "unchanged": 0, "deleted": 0, "replaced": 0}


@pytest.fixture
def many_problems(tmp_path):
    rows = [{**district()["students"][0], "student_id": f"s-{n}", "school_id": "sch-99"} for n in range(250)]
    return write_csv(tmp_path / "students.csv", rows)


def test_terminal_shows_200_problems_then_a_count(runner, runtime, many_problems, monkeypatch):
    monkeypatch.setattr("bridge.cli.common.on_terminal", lambda: True)
    capped = runner.invoke(["import", str(many_problems)])
    lines = capped.stdout.splitlines()
    assert len(lines) == 201
    assert lines[-1] == "... and 50 more (use --all to list every problem)"
    full = runner.invoke(["import", str(many_problems), "--all"])
    assert len(full.stdout.splitlines()) == 250
    assert capped.exit_code == full.exit_code == 1


def test_a_pipe_gets_every_problem(runner, runtime, many_problems):
    result = runner.invoke(["import", str(many_problems)])
    assert len(result.stdout.splitlines()) == 250


def test_missing_path_is_a_usage_error(runner, runtime, tmp_path):
    result = runner.invoke(["import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_export_csv_and_xlsx(runner, runtime, upload, tmp_path):
    runner.invoke(["import", str(upload)])
    csv_out = runner.invoke(["export", "--format", "csv", "--out", str(tmp_path / "out")])
    assert csv_out.exit_code == 0, csv_out.output
    assert "students 6" in csv_out.stdout
    assert (tmp_path / "out" / "enrolments.csv").read_text(encoding="utf-8-sig").count("\n") == 8
    xlsx_out = runner.invoke(["export", "--format", "xlsx", "--out", str(tmp_path / "registry.xlsx")])
    assert xlsx_out.exit_code == 0
    book = load_workbook(tmp_path / "registry.xlsx", read_only=True)
    assert book.sheetnames[:3] == ["schools", "academic_years", "terms"]
    again = runner.invoke(["import", str(tmp_path / "registry.xlsx")])
    assert again.exit_code == 0 and "6 unchanged" in again.stdout


def test_export_argument_errors(runner, runtime, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    wrong_target = runner.invoke(["export", "--format", "csv", "--out", str(tmp_path / "file.txt")])
    assert wrong_target.exit_code == 1
    assert wrong_target.stderr.strip() == f"Error: {tmp_path / 'file.txt'} is a file; csv export writes a folder"
    assert runner.invoke(["export", "--format", "pdf", "--out", str(tmp_path / "x")]).exit_code == 2

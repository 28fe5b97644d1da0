"""Agreements from a file and from the command line: all or nothing, every problem at file:row:column."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bridge.models import Agreement, AuditEntry
from tests.agreements.district import build

HEADER = "provider,receiver,year,number,date,courses,rate\n"


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Agreement))


def test_import_rejects_a_bad_file_naming_every_place_and_writes_nothing(session, runner, tmp_path):
    build(session)
    path = tmp_path / "agreements.csv"
    path.write_text(HEADER
                    + "SCH14,SCH01,2026-2027,12/СВ,2026-08-25,NC-CHEM-11,1600\n"  # a good change...
                    + "SCH14,SCH99,2026-2027,1,2026-09-01,all,\n"  # unknown receiver
                    + "SCH14,SCH14,2026-2027,2,01.09.2026,all,\n"  # a school with itself
                    + "SCH14,SCH29,2025-2026,3,2026-13-01,NC-NOPE,12.345\n"  # year, date, course, rate
                    + "SCH01,SCH29,2026-2027,4,2026-09-01,NC-CHEM-11,\n"  # not the provider's course
                    + "SCH14,SCH01,2026-2027,12/СВ,2026-08-25,NC-CHEM-11,1700\n",  # the first row twice
                    encoding="utf-8")
    result = runner.invoke(["agreements", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("agreements.csv:")]
    assert lines == [
        "agreements.csv:3:receiver: unknown school SCH99",
        "agreements.csv:4:receiver: the receiving school is the providing school",
        "agreements.csv:5:courses: unknown course NC-NOPE",
        "agreements.csv:5:date: not a date (YYYY-MM-DD or DD.MM.YYYY): 2026-13-01",
        "agreements.csv:5:rate: not a sum in roubles (at most two decimals, e.g. 1500.00): 12.345",
        "agreements.csv:5:year: unknown academic year 2025-2026",
        "agreements.csv:6:courses: course NC-CHEM-11 is not a course of SCH01 in 2026-2027",
        "agreements.csv:7:number: duplicate of row 2",
    ]
    assert "nothing was changed" in result.output
    session.expire_all()
    assert _count(session) == 2
    assert session.scalar(select(Agreement.rate_kopecks).where(Agreement.number == "12/СВ")) == 150000


def test_import_of_an_xlsx_creates_and_changes_then_changes_nothing(session, runner, tmp_path):
    build(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["provider", "receiver", "year", "number", "date", "courses", "rate"])
    sheet.append(["SCH14", "SCH01", "2026-2027", "12/СВ", "25.08.2026", "NC-CHEM-11, NC-PY-11", "1 500,00"])
    sheet.append(["SCH14", "SCH29", "2026-2027", "8-Н", "2026-09-01", "NC-PY-11", None])
    path = tmp_path / "agreements.xlsx"
    book.save(path)
    result = runner.invoke(["agreements", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "created": 1, "changed": 1, "unchanged": 0}
    again = runner.invoke(["agreements", "import", str(path), "--json"])
    assert json.loads(again.output) == {"ok": True, "created": 0, "changed": 0, "unchanged": 2}
    session.expire_all()
    changed = session.scalar(select(Agreement).where(Agreement.number == "12/СВ"))
    assert [c.code for c in changed.courses] == ["NC-CHEM-11", "NC-PY-11"] and changed.rate_kopecks == 150000
    assert session.scalar(select(Agreement).where(Agreement.number == "8-Н")).rate_kopecks is None
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("import agreements") == 2 and "change agreement" in actions


def test_an_xlsx_problem_names_its_sheet_and_a_missing_column(session, runner, tmp_path):
    build(session)
    book = Workbook()
    book.active.title = "Договоры"
    book.active.append(["provider", "receiver", "year", "number", "courses", "ставка"])
    path = tmp_path / "a.xlsx"
    book.save(path)
    result = runner.invoke(["agreements", "import", str(path)])
    assert result.exit_code == 1
    assert "a.xlsx[Договоры]:1:date: required column is missing" in result.output
    assert "a.xlsx[Договоры]:1:ставка: unknown column for template agreements" in result.output


def test_list_and_exported_file_imports_back_unchanged(session, runner, tmp_path):
    build(session)
    listed = runner.invoke(["agreements", "list", "--year", "2026-2027"])
    assert listed.exit_code == 0, listed.output
    assert "12/СВ" in listed.output and "enrolments no agreement covers: 2" in listed.output
    assert "NC-PY-11 (SCH14) <- SCH01: 2 student(s)" in listed.output
    exported = runner.invoke(["agreements", "list", "--year", "2026-2027", "--csv"])
    path = tmp_path / "back.csv"
    path.write_text(exported.output, encoding="utf-8")
    result = runner.invoke(["agreements", "import", str(path), "--json"])
    assert json.loads(result.output) == {"ok": True, "created": 0, "changed": 0, "unchanged": 2}


def test_statement_from_the_command_line(session, runner, tmp_path):
    build(session)
    key = session.scalar(select(Agreement.id).where(Agreement.number == "7-Н"))
    result = runner.invoke(["agreements", "statement", str(key), "--month", "2026-10", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["totals"] == {"lessons_held": 5, "academic_hours": 5, "hours": "1.87", "amount": "1866.68"}
    assert [g["share"] for g in body["groups"]] == ["2/5", "1/3"]
    out = tmp_path / "st.xlsx"
    assert runner.invoke(["agreements", "statement", str(key), "--month", "2026-10", "--xlsx", str(out)]).exit_code == 0
    first = load_workbook(io.BytesIO(out.read_bytes())).active["A1"].value
    assert first.startswith("Ведомость часов по договору № 7-Н")
    bad = runner.invoke(["agreements", "statement", str(key), "--month", "октябрь"])
    assert bad.exit_code == 1 and "--month: not a month YYYY-MM" in bad.output

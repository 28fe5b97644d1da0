"""Reports: attendance, marks and students at risk per home school, built from the registry; the
CSV and XLSX files read back; every export audited."""

from __future__ import annotations

import csv
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bridge.models import AuditEntry, School
from bridge.reports.data import Scope
from bridge.reports.tables import build_report
from config import Settings
from tests.attendance.results import seed_results
from tests.builders import build_district


@pytest.fixture
def results(session):
    build_district(session)
    seed_results(session)


def rows(session, name: str, **scope) -> dict[tuple[str, str], dict]:
    table = build_report(name, session, Settings(), Scope(**scope))
    return {(r["student"], r["course"]): r for r in table.as_dicts()}


def test_attendance_per_home_school_course_and_student(session, results):
    report = rows(session, "attendance")
    s2 = report[("SCH01-S2", "NC-CHEM-11")]
    assert (s2["school"], s2["marked"], s2["attended"], s2["share"]) == ("СОШ № 1", 4, 2, 0.5)
    assert s2["missed"] == "01.09.2026 A; 15.09.2026 E"
    assert report[("SCH01-S1", "NC-CHEM-11")]["share"] == 1.0  # late is attended
    assert report[("SCH01-S3", "NC-CHEM-11")]["marked"] == 0 and report[("SCH01-S3", "NC-CHEM-11")]["share"] is None
    assert len(report) == 9  # every enrolment: 6 in chemistry, 3 in programming
    # Term 1 of the home school (1-14 September): the first two lessons only.
    term1 = rows(session, "attendance", term=1)[("SCH01-S2", "NC-CHEM-11")]
    assert (term1["marked"], term1["attended"], term1["missed"]) == (2, 1, "01.09.2026 A")


def test_marks_for_a_term_and_for_the_year(session, results):
    year = rows(session, "marks")
    assert (year[("SCH01-S1", "NC-CHEM-11")]["percent"], year[("SCH01-S1", "NC-CHEM-11")]["mark"]) == (85.0, "5")
    assert year[("SCH29-S1", "NC-CHEM-11")]["mark"] == "2"
    assert (year[("SCH29-S2", "NC-PY-11")]["form"], year[("SCH29-S2", "NC-PY-11")]["mark"]) == ("зачёт/незачёт", "зачёт")
    assert year[("SCH01-S2", "NC-CHEM-11")]["mark"] is None  # no grade: no mark
    term1, term2 = rows(session, "marks", term=1), rows(session, "marks", term=2)
    assert (term1[("SCH01-S1", "NC-CHEM-11")]["percent"], term1[("SCH01-S1", "NC-CHEM-11")]["mark"]) == (90.0, "5")
    assert (term2[("SCH01-S1", "NC-CHEM-11")]["percent"], term2[("SCH01-S1", "NC-CHEM-11")]["mark"]) == (80.0, "4")
    assert term2[("SCH29-S1", "NC-CHEM-11")]["mark"] is None and term2[("SCH01-S1", "NC-CHEM-11")]["period"] == "2 четверть"


def test_students_at_risk(session, results):
    risky = rows(session, "at-risk")
    assert set(risky) == {("SCH01-S2", "NC-CHEM-11"), ("SCH29-S1", "NC-CHEM-11")}
    assert risky[("SCH01-S2", "NC-CHEM-11")]["reasons"] == "посещаемость 50% ниже 75%"
    assert risky[("SCH29-S1", "NC-CHEM-11")]["reasons"] == "отметка «2» по курсу «Химия»"
    only29 = rows(session, "at-risk", school_id=session.scalar(select(School.id).where(School.external_id == "SCH29")))
    assert set(only29) == {("SCH29-S1", "NC-CHEM-11")}


def test_summary_holds_no_names(session, results):
    table = build_report("summary", session, Settings(), Scope())
    assert not table.student_level
    assert {k for k, _ in table.columns} == {"school", "course", "students", "share", "failing", "at_risk"}
    by = {(r["school"], r["course"]): r for r in table.as_dicts()}
    assert by[("СОШ № 1", "NC-CHEM-11")] == {"school": "СОШ № 1", "course": "NC-CHEM-11", "students": 3,
                                              "share": 0.75, "failing": 0, "at_risk": 1}


def test_csv_export_reads_back_and_is_audited(runner, session, results, tmp_path):
    out = tmp_path / "attendance.csv"
    result = runner.invoke(["report", "attendance", "--school", "SCH01", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        read = list(csv.reader(fh, delimiter=";"))  # Russian Excel's list separator
    assert read[0][:4] == ["Школа", "Код обучающегося", "ФИО", "Класс"] and read[0][-1] == "Пропуски (дата, отметка)"
    body = {(r[1], r[4]): r for r in read[1:]}
    assert set(body) == {("SCH01-S1", "NC-CHEM-11"), ("SCH01-S2", "NC-CHEM-11"), ("SCH01-S3", "NC-CHEM-11"),
                         ("SCH01-S1", "NC-PY-11"), ("SCH01-S3", "NC-PY-11")}
    assert body[("SCH01-S2", "NC-CHEM-11")][6:] == ["4", "2", "0,5", "01.09.2026 A; 15.09.2026 E"]
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "export attendance report" and "school=SCH01" in entry.target and str(out) in entry.target


def test_xlsx_export_reads_back(runner, session, results, tmp_path):
    out = tmp_path / "marks.xlsx"
    result = runner.invoke(["report", "marks", "--term", "1", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Отметки для журнала школы (1 четверть)"
    assert values[1][-4:] == ("Форма аттестации", "Период", "Результат, %", "Отметка")
    by = {(r[1], r[4]): r for r in values[2:]}
    assert by[("SCH01-S1", "NC-CHEM-11")][-2:] == (90, "5")  # a number stays a number
    assert by[("SCH29-S1", "NC-CHEM-11")][-2:] == (40, "2")
    risk = tmp_path / "risk.xlsx"
    assert runner.invoke(["report", "at-risk", "--format", "xlsx", "--out", str(risk)]).exit_code == 0
    assert [r[1] for r in list(load_workbook(risk).active.iter_rows(values_only=True))[2:]] == ["SCH01-S2", "SCH29-S1"]
    assert len(session.scalars(select(AuditEntry)).all()) == 2


def test_report_command_refuses_bad_input_and_writes_nothing(runner, session, results, tmp_path):
    out = tmp_path / "x.csv"
    unknown = runner.invoke(["report", "marks", "--school", "SCH99", "--format", "csv", "--out", str(out)])
    assert unknown.exit_code == 1 and "--school: no school 'SCH99'" in unknown.output
    assert not out.exists() and session.scalars(select(AuditEntry)).all() == []
    assert runner.invoke(["report", "marks", "--format", "pdf", "--out", str(out)]).exit_code == 2
    assert runner.invoke(["report", "attendance", "--help"]).exit_code == 0


def test_csv_opens_in_russian_excel(runner, session, results, tmp_path):
    """Russian Excel opens a CSV with a double click only when it has a BOM (else the Cyrillic is garbled) and
    ';' between cells (its list separator; ',' is its decimal mark): a share like 0,75 stays one cell."""
    out = tmp_path / "attendance.csv"
    assert runner.invoke(["report", "attendance", "--format", "csv", "--out", str(out)]).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, *_ = csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";")
    assert header[0] == "Школа" and len(first) == len(header)
    share = first[header.index("Доля посещённых")]
    assert re.fullmatch(r"\d,\d+|\d", share), share  # a decimal comma: a number to Russian Excel

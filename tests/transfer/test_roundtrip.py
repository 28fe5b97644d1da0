"""Upserts by external id: a re-import changes nothing (no row is even written), a corrected
file updates only what changed, set templates replace their owners' sets, a dry run writes
nothing, and an export imported back is a no-op."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from bridge.models import (
    CourseTeacher,
    Enrolment,
    LessonSlot,
    NetworkCourse,
    School,
    SchoolRole,
    Student,
    Teacher,
)
from bridge.transfer import export_registry, import_path, import_tables
from transfer.helpers import district, registry_state, write_folder

OLD = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def loaded(session):
    import_tables(session, district())
    for model in (School, Student, Teacher, NetworkCourse, Enrolment):
        session.execute(update(model).values(updated_at=OLD))
    return registry_state(session)


def _stamps(session, model) -> dict[str, bool]:
    """external id -> whether the row was written since the fixture aged every row."""
    key = model.code if model is NetworkCourse else model.external_id
    return {k: stamp.replace(tzinfo=None) != OLD.replace(tzinfo=None)
            for k, stamp in session.execute(select(key, model.updated_at))}


def test_reimport_changes_nothing_and_writes_no_row(session, loaded, tmp_path):
    report = import_path(session, write_folder(district(), tmp_path / "again"))
    assert report.total("created") == report.total("updated") == report.total("deleted") == 0
    assert report.counts["students"].unchanged == 6
    assert report.counts["enrolments"].unchanged == 7
    assert not report.changed
    assert registry_state(session) == loaded


def test_corrected_file_updates_by_external_id(session, loaded):
    tables = district()
    tables["students"][2]["grade"] = "11"  # s-0003: robot 9-11 and inf 10-11 still fit
    tables["students"][2]["middle_name"] = "Андреевич-Оглы"
    tables["schools"][1]["name"] = "МОУ Лицей № 14"
    tables["schools"][3]["role"] = "Ресурсный центр"
    report = import_tables(session, tables)
    assert (report.counts["students"].updated, report.counts["students"].unchanged) == (1, 5)
    assert (report.counts["schools"].updated, report.counts["schools"].unchanged) == (2, 2)
    assert session.scalar(select(School.role).where(School.external_id == "sch-06")) == SchoolRole.RESOURCE_CENTRE
    assert report.total("created") == 0
    assert session.execute(select(Student.grade, Student.middle_name).where(Student.external_id == "s-0003")).one() \
        == (11, "Андреевич-Оглы")
    written = _stamps(session, Student)
    assert written == {f"s-000{n}": n == 3 for n in range(1, 7)}
    assert _stamps(session, School) == {"sch-08": False, "sch-14": True, "sch-01": False, "sch-06": True}


def test_absent_optional_column_keeps_what_the_registry_has(session, loaded):
    rows = [{k: v for k, v in row.items() if k != "email"} for row in district()["students"]]
    report = import_tables(session, {"students": rows})
    assert not report.changed
    assert session.scalar(select(Student.email).where(Student.external_id == "s-0004")) == \
        "m.zaitseva@sch6.example.ru"


def test_set_templates_replace_the_sets_of_the_owners_they_name(session, loaded):
    tables = {
        "lesson_slots": [
            {"course_code": "robot-2026", "weekday": "пн", "starts_at": "14:30", "duration_minutes": "45"},
            {"course_code": "robot-2026", "weekday": "пт", "starts_at": "14:30", "duration_minutes": "40"},
        ],
        "courses": [{**district()["courses"][2], "teacher_ids": "t-03"}],
    }
    report = import_tables(session, tables)
    slots = report.counts["lesson_slots"]
    assert (slots.created, slots.updated, slots.deleted, slots.replaced) == (1, 1, 1, 1)
    assert set(session.execute(
        select(NetworkCourse.code, LessonSlot.weekday, LessonSlot.duration_minutes).join(LessonSlot.course)
    )) == {("robot-2026", 1, 45), ("robot-2026", 5, 40), ("chem-2026", 2, 40), ("inf-2026", 3, 45)}
    teachers = report.counts["course_teachers"]
    assert (teachers.created, teachers.deleted, teachers.unchanged) == (0, 1, 1)
    assert set(session.execute(
        select(NetworkCourse.code, Teacher.external_id).join(CourseTeacher, CourseTeacher.course_id == NetworkCourse.id)
        .join(Teacher, Teacher.id == CourseTeacher.teacher_id)
    )) == {("robot-2026", "t-01"), ("chem-2026", "t-02"), ("inf-2026", "t-03")}
    assert report.counts["courses"].unchanged == 1


def test_dry_run_reports_and_writes_nothing(session):
    empty = registry_state(session)
    report = import_tables(session, district(), dry_run=True)
    assert report.dry_run
    assert report.counts["students"].created == 6
    assert report.counts["course_teachers"].created == 4
    assert registry_state(session) == empty
    assert "Dry run" in report.describe() and "nothing was written" in report.describe()


def test_dry_run_of_a_change(session, loaded):
    tables = district()
    tables["enrolments"][0]["status"] = "withdrawn"
    report = import_tables(session, tables, dry_run=True)
    assert (report.counts["enrolments"].updated, report.counts["enrolments"].unchanged) == (1, 6)
    assert registry_state(session) == loaded


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(session, loaded, tmp_path, fmt):
    out = tmp_path / ("export" if fmt == "csv" else "export.xlsx")
    summary = export_registry(session, out, fmt)
    assert summary.rows["students"] == 6 and summary.rows["enrolments"] == 7
    report = import_path(session, out)
    assert not report.changed
    assert report.counts["course_teachers"].unchanged == 4
    assert report.counts["terms"].unchanged == 6
    assert registry_state(session) == loaded


def test_export_writes_the_template_text(session, loaded, tmp_path):
    export_registry(session, tmp_path / "out", "csv")
    exported = {p.name: p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out").glob("*.csv")}
    assert exported["students.csv"].splitlines()[1] == "s-0001,Смирнов,Иван,Петрович,,sch-01,9,А"
    assert exported["lesson_slots.csv"].splitlines()[1:3] == ["chem-2026,2,15:20,40", "inf-2026,3,15:20,45"]
    assert exported["courses.csv"].splitlines()[2].endswith(",sch-08,2026-2027,\"t-01,t-03\"")

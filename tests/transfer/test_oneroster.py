"""OneRoster 1.1 and 1.2 CSV packages (samples written from the specification's tables, in
tests/fixtures/imports/oneroster-1.x) imported as a folder and as a zip."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from bridge.models import (
    AcademicYear,
    CourseTeacher,
    Enrolment,
    NetworkCourse,
    School,
    SchoolRole,
    Student,
    Teacher,
    Term,
)
from bridge.transfer import ImportRejected, import_path, import_tables
from transfer.helpers import FIXTURES, registry_state

ONE_ONE, ONE_TWO = FIXTURES / "oneroster-1.1", FIXTURES / "oneroster-1.2"
# Exports as real systems make them (written from the 1.1 and 1.2 CSV specifications): an enrollment per
# student, class and term, quoted comma lists, zero-padded grades, empty status and dateLastModified,
# tobedeleted rows, a trailing empty header column, a users row with one empty field more than the header,
# orgSourcedIds lists naming the district too, a homeroom class beside the scheduled ones.
PER_TERM = {"1.1": FIXTURES / "oneroster-1.1-terms", "1.2": FIXTURES / "oneroster-1.2-terms"}


def _zipped(folder: Path, tmp_path: Path) -> Path:
    archive = tmp_path / f"{folder.name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.glob("*.csv")):
            zf.write(path, path.name)
    return archive


def _copy(folder: Path, tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of a sample package with text replaced in its files: (file, old, new)."""
    copy = Path(shutil.copytree(folder, tmp_path / folder.name))
    for name, old, new in edits:
        text = (copy / name).read_text(encoding="utf-8")
        assert old in text
        (copy / name).write_text(text.replace(old, new), encoding="utf-8")
    return copy


def _problems(session, path: Path) -> list[str]:
    with pytest.raises(ImportRejected) as exc:
        import_path(session, path)
    return [str(p) for p in exc.value.problems]


def _courses(session) -> set[tuple]:
    return set(session.execute(select(
        NetworkCourse.code, NetworkCourse.title, NetworkCourse.subject, NetworkCourse.grade_from,
        NetworkCourse.grade_to, NetworkCourse.hours_per_week, School.external_id, AcademicYear.code,
    ).join(School, NetworkCourse.provider_school_id == School.id).join(AcademicYear)))


def _teachers_of(session) -> set[tuple[str, str]]:
    return set(session.execute(
        select(NetworkCourse.code, Teacher.external_id)
        .join(CourseTeacher, CourseTeacher.course_id == NetworkCourse.id)
        .join(Teacher, Teacher.id == CourseTeacher.teacher_id)))


def _enrolments(session) -> set[tuple]:
    return set(session.execute(
        select(Student.external_id, NetworkCourse.code, Enrolment.status, Enrolment.starts_on, Enrolment.ends_on)
        .join(Student, Enrolment.student_id == Student.id).join(NetworkCourse)))


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_oneroster_1_1(session, tmp_path, packed):
    path = _zipped(ONE_ONE, tmp_path) if packed else ONE_ONE
    report = import_path(session, path)
    assert set(session.execute(select(School.external_id, School.name, School.role, School.municipality))) == {
        ("org-sch08", "МОУ СОШ № 8", SchoolRole.RESOURCE_CENTRE, "Управление образования г. Волжский"),
        ("org-sch01", "МОУ СОШ № 1", SchoolRole.PARTICIPANT, "Управление образования г. Волжский"),
        ("org-sch06", "МОУ СОШ № 6", SchoolRole.PARTICIPANT, "Управление образования г. Волжский"),
    }
    assert session.execute(select(AcademicYear.code, AcademicYear.starts_on, AcademicYear.ends_on)).one() == (
        "2026-2027", dt.date(2026, 9, 1), dt.date(2027, 5, 31))
    assert set(session.execute(select(Term.number, Term.name, Term.starts_on, Term.school_id))) == {
        (1, "1 полугодие", dt.date(2026, 9, 1), None), (2, "2 полугодие", dt.date(2027, 1, 11), None)}
    assert _courses(session) == {
        ("cls-robot-1", "Робототехника (группа 1)", "Технология", 9, 10, 1, "org-sch08", "2026-2027"),
        ("cls-chem-1", "Химия 11", "Химия", 11, 11, 1, "org-sch08", "2026-2027"),
    }
    assert _teachers_of(session) == {("cls-robot-1", "usr-t1"), ("cls-chem-1", "usr-t2")}
    assert set(session.execute(select(Teacher.external_id, Teacher.last_name, Teacher.middle_name, Teacher.email))) \
        == {("usr-t1", "Петрова", "Николаевна", "petrova@sch8.example.ru"), ("usr-t2", "Сидоров", "Игоревич", None)}
    assert set(session.execute(select(Student.external_id, Student.first_name, Student.grade, School.external_id)
                               .join(School))) == {
        ("usr-s1", "Иван", 9, "org-sch01"), ("usr-s2", "Дарья", 10, "org-sch06"), ("usr-s3", "Егор", 11, "org-sch01")}
    assert _enrolments(session) == {
        ("usr-s1", "cls-robot-1", "active", dt.date(2026, 9, 1), None),
        ("usr-s2", "cls-robot-1", "active", dt.date(2026, 9, 1), None),
        ("usr-s3", "cls-chem-1", "active", dt.date(2026, 9, 1), dt.date(2027, 5, 31)),
    }
    assert "ignored 1 users with role parent" in report.notes
    assert "ignored 1 homeroom classes" in report.notes


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_oneroster_1_2(session, tmp_path, packed):
    path = _zipped(ONE_TWO, tmp_path) if packed else ONE_TWO
    report = import_path(session, path)
    assert set(session.execute(select(School.external_id, School.role))) == {
        ("luza-base", SchoolRole.RESOURCE_CENTRE), ("luza-lal", SchoolRole.RESOURCE_CENTRE),
        ("luza-papa", SchoolRole.PARTICIPANT)}
    assert [n for n, in session.execute(select(Term.name).order_by(Term.number))] == [
        "1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert _courses(session) == {
        ("phys-9", "Физика 9 (сетевая группа)", "Физика", 9, 9, 3, "luza-base", "2026-2027"),
        ("eng-10-11", "Английский язык 10-11", "Иностранный язык", 10, 11, 3, "luza-lal", "2026-2027"),
    }
    # u-t-eng's primary role is at luza-lal, and primaryOrgSourcedId says so too.
    assert set(session.execute(select(Teacher.external_id, School.external_id).join(School))) == {
        ("u-t-phys", "luza-base"), ("u-t-eng", "luza-lal")}
    assert set(session.execute(select(Student.external_id, Student.grade, School.external_id).join(School))) == {
        ("u-s-1", 9, "luza-papa"), ("u-s-2", 11, "luza-papa"), ("u-s-3", 10, "luza-lal")}
    assert _teachers_of(session) == {("phys-9", "u-t-phys"), ("eng-10-11", "u-t-eng")}
    assert _enrolments(session) == {
        ("u-s-1", "phys-9", "active", dt.date(2026, 9, 1), None),
        ("u-s-2", "eng-10-11", "active", dt.date(2026, 9, 1), None),  # no beginDate: the first term's start
        ("u-s-3", "eng-10-11", "active", dt.date(2026, 9, 1), None),
    }
    assert "ignored 1 enrollments.csv rows with status tobedeleted (nothing is deleted)" in report.notes
    assert "ignored 1 users with role districtAdministrator" in report.notes


@pytest.mark.parametrize("version", PER_TERM)
def test_oneroster_enrolment_per_term_becomes_one_spanning_the_terms(session, version):
    """The same student in the same class in the fall and in the spring (two enrollments, two sourcedIds) is
    one registry enrolment from the first term's start to the last term's end; an open-ended spring leaves it
    open; a class taken in one term only keeps that term's dates. The report says what was merged."""
    report = import_path(session, PER_TERM[version])
    assert _enrolments(session) == {
        ("usr-s1", "cls-phys-a", "active", dt.date(2026, 9, 1), dt.date(2027, 5, 31)),
        ("usr-s3", "cls-phys-a", "active", dt.date(2026, 9, 1), dt.date(2027, 5, 31)),
        ("usr-s2", "cls-bio-a", "active", dt.date(2026, 9, 1), dt.date(2027, 5, 31)),
        ("usr-s4", "cls-bio-a", "active", dt.date(2026, 9, 1), None),
        ("usr-s4", "cls-phys-a", "active", dt.date(2026, 9, 1), dt.date(2026, 12, 29)),
    }
    assert ("merged 4 enrollment(s) of a student in a class they already had for another term: one enrolment "
            "per student and course, from the first term's start to the last term's end") in report.notes
    assert report.counts["enrolments"].created == 5


@pytest.mark.parametrize("version", PER_TERM)
def test_oneroster_export_shapes_of_real_systems(session, version):
    """What real exports do, read as they mean it: zero-padded grades, a student's school found among an
    orgSourcedIds list that names the district too (1.2: primaryOrgSourcedId), a quoted term list with or
    without spaces, tobedeleted users and enrollments skipped, a homeroom class and its enrollments ignored."""
    report = import_path(session, PER_TERM[version])
    assert set(session.execute(select(Student.external_id, Student.grade, School.external_id).join(School))) == {
        ("usr-s1", 10, "org-sch5"), ("usr-s2", 9, "org-sch5"), ("usr-s3", 10, "org-sch7"), ("usr-s4", 11, "org-sch7")}
    assert set(session.execute(select(Teacher.external_id, School.external_id).join(School))) == {
        ("usr-t-phys", "org-lyc"), ("usr-t-bio", "org-lyc")}
    assert _courses(session) == {
        ("cls-phys-a", "Физика 10-11 (сетевая группа)", "Физика", 10, 11, 1, "org-lyc", "2026-2027"),
        ("cls-bio-a", "Биология 9-11 (сетевая группа)", "Биология", 9, 11, 1, "org-lyc", "2026-2027"),
    }
    assert _teachers_of(session) == {("cls-phys-a", "usr-t-phys"), ("cls-bio-a", "usr-t-bio")}
    assert [n for n, in session.execute(select(Term.name).order_by(Term.number))] == [
        "Осенний семестр", "Весенний семестр"]
    assert "ignored 1 enrollments.csv rows with status tobedeleted (nothing is deleted)" in report.notes
    assert "ignored 1 users.csv rows with status tobedeleted (nothing is deleted)" in report.notes
    assert "ignored 1 homeroom classes" in report.notes
    assert "ignored 1 enrollments in homeroom classes" in report.notes


@pytest.mark.parametrize("version", PER_TERM)
def test_oneroster_per_term_reimport_changes_nothing(session, version):
    import_path(session, PER_TERM[version])
    before = registry_state(session)
    report = import_path(session, PER_TERM[version])
    assert not report.changed
    assert registry_state(session) == before


def test_oneroster_per_term_enrolment_with_a_bad_date_is_reported_at_its_cell(session, tmp_path):
    """Terms are merged only when every date is a date: a bad one is named at its cell, nothing is written."""
    path = _copy(PER_TERM["1.1"], tmp_path,
                 ("enrollments.csv", "usr-s1,student,false,2027-01-09", "usr-s1,student,false,2027-13-09"))
    problems = _problems(session, path)
    assert any(p.startswith("enrollments.csv:9:beginDate") for p in problems), problems
    assert session.scalar(select(Student.id)) is None


def test_oneroster_reimport_changes_nothing_and_keeps_roles_and_hours(session):
    import_path(session, ONE_ONE)
    session.execute(School.__table__.update().where(School.external_id == "org-sch08").values(role="base"))
    session.execute(NetworkCourse.__table__.update().values(hours_per_week=2))
    before = registry_state(session)
    report = import_path(session, ONE_ONE)
    assert not report.changed
    assert registry_state(session) == before


def test_oneroster_problems_point_at_the_oneroster_cells(session, tmp_path):
    folder = _copy(
        ONE_ONE, tmp_path,
        ("users.csv", ",10,\n", ",13,\n"),
        ("classes.csv", ",crs-chem,", ",crs-bio,"),
        ("enrollments.csv", "cls-robot-1,org-sch01,usr-s1", "cls-robot-1,org-sch01,usr-s9"),
    )
    assert _problems(session, folder) == [
        "classes.csv:3:courseSourcedId: unknown course crs-bio",
        "enrollments.csv:3:userSourcedId: unknown student usr-s9",
        "users.csv:5:grades: 13 is not between 1 and 11",
    ]
    assert set(registry_state(session)[0].values()) == {0}


def test_oneroster_student_enrolled_in_another_grade_class(session, tmp_path):
    folder = _copy(ONE_TWO, tmp_path, ("enrollments.csv", "phys-9,luza-papa,u-s-1", "phys-9,luza-papa,u-s-2"))
    assert _problems(session, folder) == [
        "enrollments.csv:3:classSourcedId: student u-s-2 is in grade 11 but course phys-9 is for grades 9-9"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("oneroster.version,1.1", "oneroster.version,1.0"), "manifest.csv:3:value: unsupported OneRoster version "
                                                             "1.0 (1.1 and 1.2 are supported)"),
        (("file.users,bulk", "file.users,full"), "manifest.csv:16:value: full is not bulk, delta or absent"),
    ],
    ids=["version", "mode"],
)
def test_oneroster_manifest_defects(session, tmp_path, edit, expected):
    assert _problems(session, _copy(ONE_ONE, tmp_path, ("manifest.csv", *edit))) == [expected]


def test_oneroster_declared_file_missing(session, tmp_path):
    folder = _copy(ONE_TWO, tmp_path)
    (folder / "roles.csv").unlink()
    assert _problems(session, folder) == [
        "manifest.csv:20:value: the manifest declares roles.csv as bulk but the file is missing"]


def test_oneroster_class_of_a_school_already_in_the_registry(session, tmp_path):
    """References may point at the registry: a delta package without orgs.csv."""
    import_tables(session, {"schools": [{"school_id": "org-sch08", "name": "МОУ СОШ № 8", "role": "base"}]})
    folder = _copy(ONE_ONE, tmp_path, ("manifest.csv", "file.orgs,bulk", "file.orgs,absent"))
    (folder / "orgs.csv").unlink()
    with pytest.raises(ImportRejected) as exc:
        import_path(session, folder)
    # The students' schools are unknown; the classes' provider is the registry's school.
    assert {(p.file, p.column, p.code) for p in exc.value.problems} == {
        ("users.csv", "orgSourcedIds", "unknown_school")}

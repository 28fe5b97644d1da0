"""Every kind of defect rejects the whole import, is reported at its exact file:row:column, and
leaves the registry exactly as it was (row counts and a hash of every row)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bridge.transfer import ImportRejected, import_path, import_tables
from transfer.helpers import Tables, district, registry_state, write_folder


def _set(template: str, index: int, **cells: str) -> Callable[[Tables], None]:
    return lambda t: t[template][index].update(cells)


def _append(template: str, copy_of: int, **cells: str) -> Callable[[Tables], None]:
    return lambda t: t[template].append({**t[template][copy_of], **cells})


def _drop_column(template: str, column: str) -> Callable[[Tables], None]:
    return lambda t: [row.pop(column) for row in t[template]]


def _students_without_enrolments(t: Tables) -> None:
    t["students"][0]["grade"] = "8"  # s-0001 is enrolled in robot-2026 (grades 9-11) in the registry
    del t["enrolments"]


# (id, change to the valid district, expected problem: file, row, column, reason code)
DEFECTS = [
    ("missing column", _drop_column("students", "grade"), ("students.csv", 1, "grade", "missing_column")),
    ("unknown column", _set("students", 0, phone="+79001234567"), ("students.csv", 1, "phone", "unknown_column")),
    ("unknown school", _set("students", 2, school_id="sch-99"), ("students.csv", 4, "school_id", "unknown_school")),
    ("duplicate id", _set("students", 4, student_id="s-0002"), ("students.csv", 6, "student_id", "duplicate")),
    ("bad date", _set("enrolments", 1, starts_on="31.02.2026"), ("enrolments.csv", 3, "starts_on", "bad_date")),
    ("bad enum value", _set("schools", 2, role="partner"), ("schools.csv", 4, "role", "bad_choice")),
    ("bad status", _set("enrolments", 0, status="expelled"), ("enrolments.csv", 2, "status", "bad_choice")),
    ("non-integer", _set("students", 0, grade="девятый"), ("students.csv", 2, "grade", "not_integer")),
    ("grade out of range", _set("students", 3, grade="12"), ("students.csv", 5, "grade", "out_of_range")),
    ("week days", _set("schools", 0, week_days="7"), ("schools.csv", 2, "week_days", "out_of_range")),
    ("ends before starts", _set("terms", 1, ends_on="2026-11-01"), ("terms.csv", 3, "ends_on", "ends_before_starts")),
    ("bell ends at start", _set("bell_schedules", 4, ends_at="08:50"),
     ("bell_schedules.csv", 6, "ends_at", "ends_not_after_starts")),
    ("grades reversed", _set("courses", 2, grade_from="11", grade_to="10"),
     ("courses.csv", 4, "grade_to", "grades_reversed")),
    ("unknown course", _set("enrolments", 0, course_code="bio-2026"),
     ("enrolments.csv", 2, "course_code", "unknown_course")),
    ("unknown student", _set("enrolments", 4, student_id="s-9999"),
     ("enrolments.csv", 6, "student_id", "unknown_student")),
    ("unknown teacher", _set("courses", 2, teacher_ids="t-01,t-77"),
     ("courses.csv", 4, "teacher_ids", "unknown_teacher")),
    ("unknown year", _set("courses", 1, year_code="2027-2028"), ("courses.csv", 3, "year_code", "unknown_year")),
    ("enrolled in another grade's course", _append("enrolments", 0, course_code="chem-2026"),
     ("enrolments.csv", 9, "course_code", "grade_mismatch")),
    ("grade change breaks an enrolment", _students_without_enrolments,
     ("students.csv", 2, "grade", "grade_mismatch")),
    ("weekday 8", _set("lesson_slots", 2, weekday="8"), ("lesson_slots.csv", 4, "weekday", "bad_weekday")),
    ("bad time", _set("bell_schedules", 0, starts_at="25:00"), ("bell_schedules.csv", 2, "starts_at", "bad_time")),
    ("bad timezone", _set("schools", 1, timezone="Europe/Volgogradd"), ("schools.csv", 3, "timezone", "bad_timezone")),
    ("required value", _set("teachers", 1, last_name=" "), ("teachers.csv", 3, "last_name", "required")),
    ("bad e-mail", _set("teachers", 0, email="petrova at sch8"), ("teachers.csv", 2, "email", "bad_email")),
    ("bad year code", _set("academic_years", 0, year_code="2026-2028"),
     ("academic_years.csv", 2, "year_code", "bad_year_code")),
    ("too long", _set("students", 5, class_letter="Б-профильный"), ("students.csv", 7, "class_letter", "too_long")),
    ("term outside year", _set("terms", 3, ends_on="2027-06-15"), ("terms.csv", 5, "ends_on", "term_outside_year")),
    ("duplicate slot", _append("lesson_slots", 0), ("lesson_slots.csv", 6, "course_code", "duplicate")),
    ("duplicate enrolment", _append("enrolments", 0, status="withdrawn"),
     ("enrolments.csv", 9, "student_id", "duplicate")),
    ("comma in an id", _set("teachers", 2, teacher_id="t-03,t-04"), ("teachers.csv", 4, "teacher_id", "bad_id")),
]


@pytest.fixture
def loaded(session):
    """The registry holds the sample district."""
    import_tables(session, district())
    return registry_state(session)


def _with_valid_changes(tables: Tables) -> Tables:
    """Real changes next to the defect: a partial write would show in the registry."""
    tables["schools"][0]["student_count"] = "999"
    tables["teachers"].append({**tables["teachers"][0], "teacher_id": "t-04", "last_name": "Новикова"})
    return tables


@pytest.mark.parametrize(("change", "expected"), [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS])
def test_defect_is_located_and_nothing_changes(session, loaded, tmp_path, change, expected):
    tables = _with_valid_changes(district())
    change(tables)
    with pytest.raises(ImportRejected) as exc:
        import_path(session, write_folder(tables, tmp_path / "upload"))
    assert [(p.file, p.row, p.column, p.code) for p in exc.value.problems] == [expected]
    assert registry_state(session) == loaded


def test_defect_list_is_long_enough():
    assert len({d[2][3] for d in DEFECTS}) >= 20


def test_every_problem_of_every_file_is_listed(session, tmp_path):
    empty = registry_state(session)
    tables = district()
    tables["students"][0]["grade"] = "12"
    tables["students"][1]["school_id"] = "sch-99"
    tables["enrolments"][2]["ends_on"] = "2026-08-01"
    tables["lesson_slots"][0]["weekday"] = "восьмой"
    tables["schools"][3]["timezone"] = "Moscow"
    with pytest.raises(ImportRejected) as exc:
        import_path(session, write_folder(tables, tmp_path / "upload"))
    assert [str(p) for p in exc.value.problems] == [
        "enrolments.csv:4:ends_on: ends (2026-08-01) before it starts (2026-09-01)",
        "lesson_slots.csv:2:weekday: not a weekday (1-7 or пн..вс): восьмой",
        "schools.csv:5:timezone: unknown time zone: Moscow",
        "students.csv:2:grade: 12 is not between 1 and 11",
        "students.csv:3:school_id: unknown school sch-99",
    ]
    assert registry_state(session) == empty


def test_references_may_point_into_the_same_import_or_the_registry(session):
    tables = district()
    import_tables(session, {k: tables[k] for k in ("schools", "academic_years", "teachers")})
    report = import_tables(session, {k: v for k, v in tables.items() if k not in ("schools", "teachers")})
    assert report.counts["students"].created == 6
    assert report.counts["courses"].created == 3


def test_problem_reasons_exist_in_both_languages(session):
    with pytest.raises(ImportRejected) as exc:
        import_tables(session, {"students": [{**district()["students"][0], "school_id": "sch-99"}]})
    (problem,) = exc.value.problems
    assert problem.reason == "unknown school sch-99"
    assert problem.reason_in("ru") == "неизвестная школа sch-99"
    assert problem.to_dict("ru") == {"file": "students", "row": 2, "column": "school_id", "code": "unknown_school",
                                     "reason": "неизвестная школа sch-99"}


def test_unknown_template_in_memory_tables(session):
    with pytest.raises(ImportRejected) as exc:
        import_tables(session, {"pupils": [{"id": "1"}], "students": district()["students"]}, source="demo")
    assert [(p.file, p.row, p.column, p.code) for p in exc.value.problems] == [
        ("demo[pupils]", 0, "", "unknown_template"),
        ("demo[students]", 2, "school_id", "unknown_school"),
        ("demo[students]", 3, "school_id", "unknown_school"),
        ("demo[students]", 4, "school_id", "unknown_school"),
        ("demo[students]", 5, "school_id", "unknown_school"),
        ("demo[students]", 6, "school_id", "unknown_school"),
        ("demo[students]", 7, "school_id", "unknown_school"),
    ]

"""The dynamics cached month by month (bridge.reports.figures, bridge.models.figures): a write dated to a
month moves that month's counter only, so after a pull of one month's marks only that month is counted
again, the other months come from the cache, and the figure is the one the data gives; a write that cannot
be dated (a bulk statement, a cascade, a grade item's change) makes every month be counted again.

The planted district of tests/web/test_dynamics.py: marks in September, October and January, grades in
September and October (one at 22:30 UTC on 30 September, 1 October in Moscow)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select

import bridge.reports.figures
from bridge.figures import versions
from bridge.models import AttendanceKind, AttendanceMark, Grade, GradeItem, Lesson, Student
from bridge.pull.attendance import note_taken, put_mark
from bridge.pull.history import Tally
from bridge.reports.dynamics import network_dynamics
from bridge.reports.figures import dynamics_figure
from tests.web.test_dynamics import plant

D = dt.date
YEAR = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]


@pytest.fixture
def counted(session, accounts, monkeypatch) -> list[list[str]]:
    """The months each computation of the dynamics counted (the planted district, its dynamics cached)."""
    plant(session)
    asked: list[list[str]] = []
    real = bridge.reports.figures.month_cells

    def counting(session, year, months, zone):
        asked.append([f"{m:%Y-%m}" for m in months])
        return real(session, year, months, zone)

    monkeypatch.setattr(bridge.reports.figures, "month_cells", counting)
    return asked


def _figure(session, runtime):
    figure = dynamics_figure(session, runtime.settings)
    assert figure == network_dynamics(session, runtime.settings)  # what the data gives now
    return figure


def _mark(session, day: dt.date, student: str) -> AttendanceMark:
    return session.scalar(select(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
                          .join(Student, Student.id == AttendanceMark.student_id)
                          .where(Lesson.date == day, Student.external_id == student))


def test_a_changed_mark_of_a_past_month_counts_that_month_again_and_no_other(session, runtime, counted):
    _figure(session, runtime)
    assert counted == [YEAR]  # cold: the whole year, in one computation
    _figure(session, runtime)
    assert counted == [YEAR]
    mark = _mark(session, D(2026, 9, 8), "SCH29-S1")  # absent → present, as the pull's writer corrects it
    put_mark(session, mark, Tally(), student_id=mark.student_id, lesson_id=mark.lesson_id, status="P",
             kind=AttendanceKind.PRESENT, remarks="", by="moodle:5", at=dt.datetime(2026, 9, 9, tzinfo=dt.UTC))
    session.commit()
    september, october = D(2026, 9, 1), D(2026, 10, 1)
    figure = _figure(session, runtime)
    assert counted == [YEAR, ["2026-09"]]
    assert figure.attendance_by_school["SCH29"][september].attended == 2  # was 1 of 4
    assert figure.attendance_by_school["SCH29"][october].attended == 3  # October, from the cache


def test_a_pull_of_this_month_counts_this_month_only(session, runtime, counted):
    """What a pull writes in December: a new mark at a December lesson, the lesson noted as held (the
    calendar), a new grade item and a grade given in December, a student's last course access (the registry:
    not read by the dynamics). Only December is counted again."""
    chem = session.scalar(select(Lesson.course_id).limit(1))
    lesson = Lesson(course_id=chem, date=D(2026, 12, 1), starts_at=dt.time(15, 30), duration_minutes=40,
                    timezone="Europe/Moscow")
    session.add(lesson)
    session.commit()
    _figure(session, runtime)
    counted.clear()
    student = session.scalar(select(Student).where(Student.external_id == "SCH29-S3"))
    note_taken(lesson, dt.datetime(2026, 12, 1, 13, tzinfo=dt.UTC))
    put_mark(session, None, Tally(), student_id=student.id, lesson_id=lesson.id, status="P",
             kind=AttendanceKind.PRESENT, remarks="", by="moodle:5", at=dt.datetime(2026, 12, 1, 13, tzinfo=dt.UTC))
    item = GradeItem(course_id=chem, moodle_id=99, item_type="mod", name="Лабораторная 9")
    session.add(item)
    session.flush()
    session.add(Grade(item_id=item.id, student_id=student.id, raw=40.0, grade_max=100, percentage=40.0,
                      graded_at=dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)))
    session.commit()
    figure = _figure(session, runtime)
    assert counted == [["2026-12"]]
    december = D(2026, 12, 1)
    assert figure.attendance_by_school["SCH29"][december].marked == 1
    assert figure.results_by_school["SCH29"][december].grades == 1


def test_a_write_in_a_month_moves_that_months_counters_only(session, accounts):
    plant(session)
    keys = ["marks", "calendar", "marks.attendance_mark", "marks.grade", "marks.grade_item", "calendar.lesson",
            "observed", *(f"{area}@{m}" for area in ("marks", "calendar") for m in YEAR)]
    before = versions(session, keys)
    mark = _mark(session, D(2026, 10, 13), "SCH29-S1")
    mark.kind = AttendanceKind.ABSENT
    note_taken(session.get(Lesson, mark.lesson_id), dt.datetime(2026, 10, 13, 14, tzinfo=dt.UTC))
    session.commit()
    moved = {k for k, v in versions(session, keys).items() if v != before[k]}
    assert moved == {"marks", "marks@2026-10", "observed"}  # when attendance was taken: the pull's note

    before = versions(session, keys)
    grade = session.scalar(select(Grade).where(Grade.graded_at == dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC)))
    grade.graded_at = dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC)  # moved to November: both months
    session.commit()
    moved = {k for k, v in versions(session, keys).items() if v != before[k]}
    assert moved == {"marks", "marks@2026-10", "marks@2026-11"}

    before = versions(session, keys)
    grade = session.scalar(select(Grade).where(Grade.graded_at == dt.datetime(2026, 9, 30, 22, 30, tzinfo=dt.UTC)))
    grade.raw = grade.percentage = 75.0  # 22:30 UTC on 30 September: 1 October east of UTC+1:30
    session.commit()
    moved = {k for k, v in versions(session, keys).items() if v != before[k]}
    assert moved == {"marks", "marks@2026-09", "marks@2026-10"}


@pytest.mark.parametrize("write", ["bulk insert", "bulk delete", "lesson deleted", "grade item changed"])
def test_a_write_that_cannot_be_dated_counts_every_month_again(session, runtime, counted, write):
    _figure(session, runtime)
    counted.clear()
    students = session.scalars(select(Student.id)).all()
    if write == "bulk insert":  # the statements the importer and the benchmark's generator run
        lesson = session.scalar(select(Lesson.id).where(Lesson.date == D(2026, 10, 20)))
        session.execute(insert(AttendanceMark), [{"lesson_id": lesson, "student_id": s, "status": "P",
                                                  "kind": AttendanceKind.PRESENT} for s in students])
    elif write == "bulk delete":
        session.execute(delete(AttendanceMark).where(AttendanceMark.student_id == students[0]))
    elif write == "lesson deleted":  # its marks go with it, in the database
        session.delete(session.scalar(select(Lesson).where(Lesson.date == D(2027, 1, 12))))
    else:  # a column of every month's grades becomes the course total: counted no more
        session.scalar(select(GradeItem).where(GradeItem.name == "Лабораторная 1")).item_type = "course"
    session.commit()
    _figure(session, runtime)
    assert counted == [YEAR]

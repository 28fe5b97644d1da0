"""A past month's management figures and monthly report count the enrolments in force in that month
(by the enrolment's start and end dates), not today's."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.models import (
    AttendanceKind, AttendanceMark, Enrolment, EnrolmentStatus, Lesson, ScheduleStatus, School, SchoolRole, Student,
)
from bridge.reports import monthly
from bridge.reports.schools import Period, monitoring
from tests.builders import build_district, withdraw

NOW = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)


@pytest.fixture
def comings_and_goings(session):
    """SCH01-S1 and SCH29-S1 take chemistry since September. SCH40-S1 took it from 1 October and was
    withdrawn on 15 November, absent from every October lesson; SCH14-S1 takes it from 1 December."""
    district = build_district(session, students_per_school=1)
    chem = district["courses"][0]
    school = School(external_id="SCH40", name="МОУ СОШ № 40", short_name="СОШ № 40", role=SchoolRole.PARTICIPANT)
    session.add(school)
    session.flush()
    resource_centre = district["schools"][1]
    gone, new = (Student(external_id=f"{sch.external_id}-S1", last_name="Петров", first_name="Иван", school_id=sch.id,
                         grade=11) for sch in (school, resource_centre))
    session.add_all([gone, new])
    session.flush()
    session.add_all([Enrolment(student_id=gone.id, course_id=chem.id, starts_on=dt.date(2026, 10, 1),
                               ends_on=dt.date(2026, 11, 15), status=EnrolmentStatus.WITHDRAWN),
                     Enrolment(student_id=new.id, course_id=chem.id, starts_on=dt.date(2026, 12, 1))])
    for day in (6, 13, 20, 27):
        lesson = Lesson(course_id=chem.id, date=dt.date(2026, 10, day), starts_at=dt.time(15, 30), duration_minutes=40,
                        timezone="Europe/Moscow", status=ScheduleStatus.SCHEDULED)
        session.add(lesson)
        session.flush()
        for s in district["students"] + [gone]:
            kind = AttendanceKind.ABSENT if s is gone else AttendanceKind.PRESENT
            session.add(AttendanceMark(lesson_id=lesson.id, student_id=s.id, status=kind.value[0].upper(), kind=kind))
    session.commit()
    return district


def _month(session, runtime, district, month: int):
    year = district["year"]
    first = dt.date(2026 if month >= 9 else 2027, month, 1)
    found = monitoring(session, runtime.settings, Period.month(year, first), today=NOW.date())
    return found, {s.external_id: s.figures for s in found.schools}


def test_a_student_counts_in_the_months_of_their_enrolment_only(session, runtime, comings_and_goings):
    october, by = _month(session, runtime, comings_and_goings, 10)
    assert (by["SCH40"].students, by["SCH14"].students, october.district.students) == (1, 0, 3)
    assert (by["SCH40"].at_risk, october.district.at_risk) == (1, 1)  # absent all October, in force on the 31st
    assert [(a.name, a.students) for a in october.areas] == [("Естественные науки", 3), ("Математика и информатика", 1)]
    november, by = _month(session, runtime, comings_and_goings, 11)
    assert (by["SCH40"].students, by["SCH14"].students, november.district.students) == (1, 0, 3)  # until the 15th
    assert november.district.at_risk == 0  # no longer enrolled on the 30th
    december, by = _month(session, runtime, comings_and_goings, 12)
    assert (by["SCH40"].students, by["SCH14"].students, december.district.students) == (0, 1, 3)
    september, by = _month(session, runtime, comings_and_goings, 9)
    assert (by["SCH40"].students, by["SCH14"].students, september.district.students) == (0, 0, 2)


def test_the_monthly_report_counts_the_month_s_enrolments(session, runtime, comings_and_goings):
    def summary(month: int) -> dict:
        report = monthly.build(session, runtime.settings, dt.date(2026, month, 1), now=NOW)
        return dict(report.sections[0].table.rows)

    assert (summary(10)["Обучающихся в сети"], summary(10)["Обучающихся в зоне риска"]) == (3, 1)
    assert (summary(12)["Обучающихся в сети"], summary(12)["Обучающихся в зоне риска"]) == (3, 0)
    schools = monthly.build(session, runtime.settings, dt.date(2026, 12, 1), now=NOW).sections[1].table.as_dicts()
    assert {row["code"]: row["students"] for row in schools} == {"SCH01": 1, "SCH14": 1, "SCH29": 1}
    schools = monthly.build(session, runtime.settings, dt.date(2026, 10, 1), now=NOW).sections[1].table.as_dicts()
    assert {row["code"]: row["students"] for row in schools} == {"SCH01": 1, "SCH29": 1, "SCH40": 1}


def test_a_withdrawal_without_an_end_date_counts_in_no_month(session, runtime, comings_and_goings):
    """The registry keeps no withdrawal date: without ``ends_on`` when the student left is unknown."""
    withdraw(session, "SCH29-S1", "NC-CHEM-11")
    october, by = _month(session, runtime, comings_and_goings, 10)
    assert by["SCH29"].students == 0 and october.district.students == 2


def test_the_counts_are_read_from_the_cache_until_a_write_changes_them(session, runtime, comings_and_goings,
                                                                       monkeypatch):
    """The schools' figures (seconds at region scale) are counted once per version of what they read: a
    second reader gets them from the cache, and a new mark counts them again, never stale."""
    from bridge.reports import schools

    calls = []
    real = schools._counts
    monkeypatch.setattr(schools, "_counts", lambda *args: calls.append(1) or real(*args))
    first, _ = _month(session, runtime, comings_and_goings, 10)
    again, by = _month(session, runtime, comings_and_goings, 10)
    assert len(calls) == 1 and again.district.marked == first.district.marked > 0
    assert by["SCH40"].at_risk == 1

    lesson = session.query(Lesson).filter(Lesson.date == dt.date(2026, 10, 6)).one()
    newcomer = session.query(Student).filter(Student.external_id == "SCH14-S1").one()
    session.add(AttendanceMark(lesson_id=lesson.id, student_id=newcomer.id, status="P", kind=AttendanceKind.PRESENT))
    session.commit()
    after, _ = _month(session, runtime, comings_and_goings, 10)
    assert len(calls) == 2 and after.district.marked == first.district.marked + 1
    _, _ = _month(session, runtime, comings_and_goings, 11)  # another period: its own entry
    assert len(calls) == 3

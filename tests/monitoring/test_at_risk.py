"""One at-risk rule (bridge.reports.risk): the at-risk list and the management count per school find
the same students, for each of the three reasons alone, and on districts planted at random around
every threshold (attendance share, pass mark, inactive days, time-zone midnight, enrolment dates)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from bridge.models import (
    AssessmentForm, AttendanceKind, AttendanceMark, Enrolment, EnrolmentStatus, Grade, GradeItem, Lesson,
    NetworkCourse, ScheduleStatus, School, SchoolRole, Student,
)
from bridge.reports.data import Scope
from bridge.reports.risk import Rule
from bridge.reports.schools import Period, monitoring
from bridge.reports.tables import build_report, facts
from tests.builders import build_district

TODAY = dt.date(2026, 11, 30)
LESSONS = [dt.date(2026, 11, d) for d in (3, 10, 17, 24)]


def _lessons(session, course: NetworkCourse, days=LESSONS) -> list[Lesson]:
    lessons = [Lesson(course_id=course.id, date=d, starts_at=dt.time(15, 30), duration_minutes=40,
                      timezone="Europe/Moscow", status=ScheduleStatus.SCHEDULED) for d in days]
    session.add_all(lessons)
    session.flush()
    return lessons


def _mark(session, lesson: Lesson, student: Student, kind: AttendanceKind) -> None:
    session.add(AttendanceMark(lesson_id=lesson.id, student_id=student.id, status=kind.value[0].upper(), kind=kind))


def _enrolment(session, student: Student, course: NetworkCourse) -> Enrolment:
    return session.scalar(select(Enrolment).where(Enrolment.student_id == student.id,
                                                  Enrolment.course_id == course.id))


def _list(session, settings, today=TODAY) -> set[int]:
    return {f.who.student_id for f in facts(session, settings, Scope(), today) if f.risks}


def _counted(session, settings, period: Period, today=TODAY) -> set[int]:
    return {student for _, student in session.execute(Rule.of(settings).at_risk(period.span(today)))}


@pytest.fixture
def one_reason_each(session):
    """Chemistry in November, four lessons; everyone attends, passes (80%) and opened the course
    yesterday, except: SCH01-S2 attended 2 of 4 (attendance only), SCH29-S1 has 30% (mark only),
    SCH29-S2 last opened the course on 20 October (inactive only). At the edges and not at risk:
    SCH01-S3 attended exactly 3 of 4 (0.75), SCH29-S3 opened it 13 days ago (one day short)."""
    district = build_district(session, students_per_school=4)
    chem = district["courses"][0]
    by = {s.external_id: s for s in district["students"]}
    total = GradeItem(course_id=chem.id, moodle_id=1, item_type="course", name="Итог курса")
    work = GradeItem(course_id=chem.id, moodle_id=2, item_type="mod", name="Работа 1")
    session.add_all([total, work])
    session.flush()
    lessons = _lessons(session, chem)
    absent = {"SCH01-S2": 2, "SCH01-S3": 1}
    visited = {"SCH29-S2": dt.datetime(2026, 10, 20, 9, tzinfo=dt.UTC),
               "SCH29-S3": dt.datetime(2026, 11, 17, 9, tzinfo=dt.UTC)}
    for ext, s in by.items():
        for i, lesson in enumerate(lessons):
            _mark(session, lesson, s, AttendanceKind.ABSENT if i < absent.get(ext, 0) else AttendanceKind.PRESENT)
        percent = 30.0 if ext == "SCH29-S1" else 80.0
        for item in (total, work):
            session.add(Grade(item_id=item.id, student_id=s.id, raw=percent, grade_max=100, percentage=percent,
                              graded_at=dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)))
        e = _enrolment(session, s, chem)
        e.course_access_read = True
        e.last_course_access = visited.get(ext, dt.datetime(2026, 11, 29, 9, tzinfo=dt.UTC))
    session.commit()
    return district


def test_each_reason_alone_is_in_the_list_and_in_the_schools_count(session, runtime, one_reason_each):
    settings = runtime.settings
    rows = build_report("at-risk", session, settings, Scope(), TODAY).as_dicts()
    assert {r["student"]: r["reasons"] for r in rows} == {
        "SCH01-S2": "посещаемость 50% ниже 75%",
        "SCH29-S1": "отметка «2» по курсу «Химия»",
        "SCH29-S2": "не заходит в курс 41 дн."}
    year = one_reason_each["year"]
    for period in (Period.whole_year(year), Period.month(year, dt.date(2026, 11, 1))):
        found = monitoring(session, settings, period, today=TODAY)
        by = {s.external_id: s.figures.at_risk for s in found.schools}
        assert (by["SCH01"], by["SCH29"], by["SCH14"], found.district.at_risk) == (1, 2, 0, 3), period.label
    assert _list(session, settings) == _counted(session, settings, Period.whole_year(year)) == {
        s.id for s in one_reason_each["students"] if s.external_id in ("SCH01-S2", "SCH29-S1", "SCH29-S2")}


def test_a_past_month_judges_inactivity_on_its_last_day(session, runtime, one_reason_each):
    """On 31 October SCH29-S2 (last visit 20 October) was idle 11 days: not yet inactive; a visit after
    a day says nothing of that day, so nobody who opened the course in November counts in October."""
    year = one_reason_each["year"]
    october = monitoring(session, runtime.settings, Period.month(year, dt.date(2026, 10, 1)), today=TODAY)
    assert october.district.at_risk == 0
    student = next(s for s in one_reason_each["students"] if s.external_id == "SCH29-S2")
    late = _enrolment(session, student, one_reason_each["courses"][0])
    late.last_course_access = dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC)
    session.commit()
    october = monitoring(session, runtime.settings, Period.month(year, dt.date(2026, 10, 1)), today=TODAY)
    assert {s.external_id: s.figures.at_risk for s in october.schools if s.figures.at_risk} == {"SCH29": 1}


def _random_district(session, seed: int) -> dict:
    """Three schools, two courses (five-point and pass/fail), students whose every fact is drawn
    near a threshold: attendance around 3 of 4, totals around 45% and 50%, last visits around 14 days
    before today at any hour (Moscow's midnight is 21:00 UTC), enrolments started late, ended,
    withdrawn with or without an end date."""
    rnd = random.Random(seed)
    district = build_district(session, students_per_school=0)
    year = district["year"]
    chem, prog = district["courses"]
    prog.assessment_form = AssessmentForm.PASS_FAIL
    schools = district["schools"] + [School(external_id="SCH40", name="МОУ СОШ № 40", short_name="СОШ № 40",
                                            role=SchoolRole.PARTICIPANT)]
    session.add(schools[-1])
    session.flush()
    lessons = {c.id: _lessons(session, c, LESSONS + [dt.date(2026, 11, 26)]) for c in (chem, prog)}
    for c in (chem, prog):
        lessons[c.id][-1].status = ScheduleStatus.CANCELLED
    totals = {}
    for c in (chem, prog):
        totals[c.id] = GradeItem(course_id=c.id, moodle_id=c.id, item_type="course", name="Итог курса")
        session.add(totals[c.id])
    session.flush()
    for n in range(40):
        s = Student(external_id=f"R{n}", last_name="Сидоров", first_name="Олег", school_id=rnd.choice(schools).id,
                    grade=11)
        session.add(s)
        session.flush()
        for c in rnd.sample([chem, prog], rnd.randint(1, 2)):
            e = Enrolment(student_id=s.id, course_id=c.id,
                          starts_on=rnd.choice([dt.date(2026, 9, 1), dt.date(2026, 11, 10), dt.date(2026, 11, 17)]))
            ending = rnd.random()
            if ending < 0.1:
                e.status = EnrolmentStatus.WITHDRAWN
            elif ending < 0.2:
                e.status, e.ends_on = EnrolmentStatus.WITHDRAWN, dt.date(2026, 11, 20)
            elif ending < 0.3:
                e.status, e.ends_on = EnrolmentStatus.COMPLETED, dt.date(2026, 11, 25)
            e.course_access_read = rnd.random() < 0.8
            if rnd.random() < 0.8:
                days_ago = rnd.randint(13, 15)
                e.last_course_access = dt.datetime.combine(TODAY - dt.timedelta(days=days_ago),
                                                           dt.time(rnd.choice([8, 20, 21, 22])), dt.UTC)
            session.add(e)
            for lesson in lessons[c.id]:
                if rnd.random() < 0.85:
                    _mark(session, lesson, s, rnd.choice(list(AttendanceKind)))
            if rnd.random() < 0.7:
                percent = float(rnd.choice([30, 44.99, 45, 49.99, 50, 60, 90]))
                session.add(Grade(item_id=totals[c.id].id, student_id=s.id, raw=percent, grade_max=100,
                                  percentage=percent, graded_at=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)))
    session.commit()
    return {"year": year}


@pytest.mark.parametrize("seed", range(1, 9))
def test_the_list_and_the_count_always_pick_the_same_students(session, runtime, seed):
    year = _random_district(session, seed)["year"]
    settings = runtime.settings
    listed = _list(session, settings)
    assert listed == _counted(session, settings, Period.whole_year(year))
    assert 5 <= len(listed) < 40  # the draw puts students on both sides of the rule
    by_school: dict[int, int] = {}
    for school_id in session.scalars(select(Student.school_id).where(Student.id.in_(listed))):
        by_school[school_id] = by_school.get(school_id, 0) + 1
    found = monitoring(session, settings, Period.whole_year(year), today=TODAY)
    assert {s.id: s.figures.at_risk for s in found.schools if s.figures.at_risk} == by_school

"""Monitoring of teachers (issue 18, point 1) on a small district with planted facts, pulled from the fake
Moodle: a lesson not held, attendance taken late, work submitted and never graded, a student who stopped
opening the course. Each is found, and nothing else is flagged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.db import utc
from bridge.models import Enrolment, Grade, NetworkCourse, Student, Teacher
from bridge.pull.run import run_pull
from bridge.reports.teachers import Period, Scope, inactive_students, teacher_figures, teacher_rows
from bridge.sync.run import run_sync
from config.settings import MonitoringSettings
from tests.attendance.district import D, build_timetable, lesson, moscow
from tests.attendance.test_schedule_sync import session_link

CFG = MonitoringSettings(late_after_hours=24, inactive_days=14)
NOW = dt.datetime(2026, 9, 20, 12, tzinfo=dt.UTC)
STUDENTS = ("SCH01-S1", "SCH01-S2", "SCH01-S3", "SCH29-S1", "SCH29-S2", "SCH29-S3")


def at(fake, day: dt.date, hour: int, minute: int = 0) -> None:
    fake.site.now = moscow(day, hour, minute)


def plant(runtime, session, fake, moodle) -> dict:
    """Chemistry (T-1) on 1 and 8 September, programming (T-2) on 3 and 10 September, 15:30 and 14:30 for
    40 minutes. Planted: chemistry of 8 September taken two days late; programming of 10 September never
    taken; SCH29-S1's lab submitted and never graded (SCH01-S1's graded 48 hours after submission);
    SCH01-S2 last opened chemistry on 1 September. Everyone else opened their courses on 15 September."""
    build_timetable(session)
    assert run_sync(runtime, client=moodle, show_progress=False).status == "ok"
    user = {ext: fake.user_by_idnumber(ext).id for ext in STUDENTS + ("T-1", "T-2")}
    chem = fake.course_by_idnumber("NC-CHEM-11").id
    prog = fake.course_by_idnumber("NC-PY-11").id
    at(fake, D(2026, 9, 1), 16, 5)  # during the lesson
    fake.mark(session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 1)).uid), user["SCH01-S1"], "P",
              takenby=user["T-1"])
    at(fake, D(2026, 9, 10), 18)  # two days after the lesson: late
    fake.mark(session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 8)).uid), user["SCH01-S1"], "P",
              takenby=user["T-1"])
    at(fake, D(2026, 9, 4), 9)  # the next morning: within a day
    fake.mark(session_link(session, lesson(session, "NC-PY-11", D(2026, 9, 3)).uid), user["SCH01-S1"], "P",
              takenby=user["T-2"])
    lab = fake.item_of(fake.add_assignment(chem, "Лабораторная работа", grademax=10))
    at(fake, D(2026, 9, 5), 10)
    fake.submit(lab, user["SCH01-S1"])
    fake.submit(lab, user["SCH29-S1"])
    at(fake, D(2026, 9, 7), 10)
    fake.set_grade(lab, user["SCH01-S1"], 8)
    at(fake, D(2026, 9, 1), 16)
    fake.visit(chem, user["SCH01-S2"])
    at(fake, D(2026, 9, 15), 12)
    for ext in STUDENTS:
        if ext != "SCH01-S2":
            fake.visit(chem, user[ext])
    for ext in STUDENTS[::2]:  # build_district enrols every other student in programming
        fake.visit(prog, user[ext])
    run_pull(runtime, client=moodle, show_progress=False)
    return user


def figures(session, **scope):
    return {(f.teacher, f.course): f for f in teacher_figures(session, Period.month(D(2026, 9, 1)), CFG, now=NOW,
                                                             scope=Scope(**scope))}


def test_the_pull_keeps_taken_submitted_and_last_access(runtime, session, fake_moodle, moodle):
    plant(runtime, session, fake_moodle, moodle)
    session.expire_all()
    late = lesson(session, "NC-CHEM-11", D(2026, 9, 8))
    assert utc(late.attendance_taken_at) == dt.datetime(2026, 9, 10, 15, tzinfo=dt.UTC)
    assert late.attendance_delay_minutes == 2 * 24 * 60 + 110  # ends 16:10 on the 8th, taken 18:00 on the 10th
    assert lesson(session, "NC-PY-11", D(2026, 9, 10)).attendance_taken_at is None
    waiting = session.execute(select(Student.external_id, Grade.raw, Grade.submitted_at).join(Student)
                              .where(Grade.submitted_at.is_not(None)).order_by(Student.external_id)).all()
    assert [(s, raw, utc(at)) for s, raw, at in waiting] == [
        ("SCH01-S1", 8.0, dt.datetime(2026, 9, 5, 7, tzinfo=dt.UTC)),
        ("SCH29-S1", None, dt.datetime(2026, 9, 5, 7, tzinfo=dt.UTC))]
    access = dict(session.execute(select(Student.external_id, Enrolment.last_course_access).join(Student)
                                  .join(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11")).all())
    assert utc(access["SCH01-S2"]) == dt.datetime(2026, 9, 1, 13, tzinfo=dt.UTC)
    assert utc(access["SCH29-S3"]) == dt.datetime(2026, 9, 15, 9, tzinfo=dt.UTC)


def test_each_planted_fact_is_found_and_nothing_else(runtime, session, fake_moodle, moodle):
    plant(runtime, session, fake_moodle, moodle)
    rows = figures(session)
    assert set(rows) == {("T-1", "NC-CHEM-11"), ("T-2", "NC-PY-11")}
    chem, prog = rows[("T-1", "NC-CHEM-11")], rows[("T-2", "NC-PY-11")]
    assert (chem.planned, chem.held, chem.late, chem.never, chem.pending) == (2, 2, 1, 0, 0)
    assert (prog.planned, prog.held, prog.late, prog.never, prog.pending) == (2, 1, 0, 1, 0)
    assert (chem.graded, chem.latency_median_hours, chem.latency_p90_hours) == (1, 48.0, 48.0)
    assert (chem.waiting, chem.oldest_waiting_days) == (1, 15)
    assert (prog.graded, prog.waiting, prog.latency_median_hours) == (0, 0, None)
    assert (chem.inactive, prog.inactive) == (1, 0)
    inactive = inactive_students(session, CFG, now=NOW)
    assert [(s.student, s.course, s.days) for s in inactive] == [("SCH01-S2", "NC-CHEM-11", 19)]


def test_a_week_and_the_delay_setting_change_what_counts(runtime, session, fake_moodle, moodle):
    plant(runtime, session, fake_moodle, moodle)
    week = {(f.teacher, f.course): f for f in teacher_figures(session, Period.week(D(2026, 9, 9)), CFG, now=NOW)}
    assert (week[("T-1", "NC-CHEM-11")].planned, week[("T-2", "NC-PY-11")].never) == (1, 1)
    patient = MonitoringSettings(late_after_hours=72, inactive_days=30)
    rows = {(f.teacher, f.course): f for f in teacher_figures(session, Period.month(D(2026, 9, 1)), patient, now=NOW)}
    assert rows[("T-1", "NC-CHEM-11")].late == 0 and rows[("T-1", "NC-CHEM-11")].inactive == 0
    # On 11 September, 10:00 UTC the programming lesson of the 10th is not overdue yet: pending, not never.
    early = {(f.teacher, f.course): f for f in teacher_figures(
        session, Period.month(D(2026, 9, 1)), CFG, now=dt.datetime(2026, 9, 11, 10, tzinfo=dt.UTC))}
    assert (early[("T-2", "NC-PY-11")].never, early[("T-2", "NC-PY-11")].pending) == (0, 1)


def test_scopes_and_the_monthly_sheet(runtime, session, fake_moodle, moodle):
    plant(runtime, session, fake_moodle, moodle)
    t2 = session.scalar(select(Teacher.id).where(Teacher.external_id == "T-2"))
    assert set(figures(session, teacher_id=t2)) == {("T-2", "NC-PY-11")}
    other_school = session.scalar(select(Student.school_id).where(Student.external_id == "SCH01-S1"))
    assert figures(session, school_id=other_school) == {}
    headers, rows = teacher_rows(session, D(2026, 9, 1), cfg=CFG, now=NOW)
    assert headers[0] == "Преподаватель" and len(rows) == 2 and all(len(r) == len(headers) for r in rows)
    assert rows[0][0] == "Кузнецова Ирина Владимировна" and rows[0][7] == 0 and rows[1][7] == 1  # never taken
    assert teacher_rows(session, D(2026, 9, 1), other_school, cfg=CFG, now=NOW)[1] == []


def test_latency_percentiles_are_nearest_rank(session):
    """Ten grades given 1 to 10 hours after submission: the median is the 5th (5 h), the 90th percentile the
    9th (9 h); the course total, a grade without a submission and one given in October are not counted."""
    from bridge.models import GradeItem
    from tests.builders import build_district

    d = build_district(session, students_per_school=5)
    chem = d["courses"][0]
    items = [GradeItem(course_id=chem.id, moodle_id=n, item_type="mod", name=f"Работа {n}") for n in (1, 2)]
    total = GradeItem(course_id=chem.id, moodle_id=99, item_type="course", name="Итог курса")
    session.add_all([*items, total])
    session.flush()
    submitted = dt.datetime(2026, 9, 10, 6, tzinfo=dt.UTC)
    for hours, student in enumerate(d["students"], start=1):
        session.add(Grade(item_id=items[0].id, student_id=student.id, raw=5, grade_max=5, percentage=100,
                          submitted_at=submitted, graded_at=submitted + dt.timedelta(hours=hours)))
        session.add(Grade(item_id=total.id, student_id=student.id, raw=5, grade_max=5, percentage=100,
                          submitted_at=submitted, graded_at=submitted + dt.timedelta(hours=100)))
    student = d["students"][0]
    session.add(Grade(item_id=items[1].id, student_id=student.id, raw=5, grade_max=5, percentage=100,
                      graded_at=submitted))
    session.add(Grade(item_id=items[1].id, student_id=d["students"][1].id, raw=5, grade_max=5, percentage=100,
                      submitted_at=submitted, graded_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC)))
    session.commit()
    (row,) = [r for r in teacher_figures(session, Period.month(D(2026, 9, 1)), CFG, now=NOW) if r.course == chem.code]
    assert (row.graded, row.latency_median_hours, row.latency_p90_hours, row.waiting) == (10, 5.0, 9.0, 0)

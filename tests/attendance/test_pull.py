"""Pull: attendance and grades taken in Moodle come back to the right student, lesson and home
school; a second pull writes nothing; a corrected mark replaces the old one and is kept in history;
a targeted pull reads one course only."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bridge.job_lock import job_lock
from bridge.models import AttendanceMark, Grade, GradeItem, Job, Lesson, MarkChange, NetworkCourse, School, Student
from bridge.pull.run import run_pull
from bridge.runtime import Runtime
from bridge.sync.run import run_sync
from config.settings import JobsSettings
from sync_jobs.scheduler import pull_job
from sync_jobs.worker import Worker
from tests.attendance.district import D, build_timetable, lesson
from tests.attendance.test_schedule_sync import session_link


def pull(runtime, moodle, **kwargs):
    return run_pull(runtime, client=moodle, show_progress=False, **kwargs)


def setup_marks(runtime, session, fake, moodle) -> dict:
    """The timetable synced, then attendance taken and grades given in Moodle by the teachers."""
    build_timetable(session)
    assert run_sync(runtime, client=moodle, show_progress=False).status == "ok"
    user = {ext: fake.user_by_idnumber(ext).id for ext in
            ("T-1", "T-2", "SCH01-S1", "SCH01-S2", "SCH01-S3", "SCH29-S1", "SCH29-S2", "SCH29-S3")}
    chem1 = session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 1)).uid)
    chem8 = session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 8)).uid)
    py3 = session_link(session, lesson(session, "NC-PY-11", D(2026, 9, 3)).uid)
    for ext, acronym in (("SCH01-S1", "P"), ("SCH01-S2", "A"), ("SCH29-S1", "L")):
        fake.mark(chem1, user[ext], acronym, takenby=user["T-1"])
    fake.mark(chem8, user["SCH01-S1"], "E", takenby=user["T-1"], remarks="болел")
    fake.mark(py3, user["SCH29-S2"], "P", takenby=user["T-2"])
    chem = fake.course_by_idnumber("NC-CHEM-11").id
    lab = fake.item_of(fake.add_assignment(chem, "Лабораторная работа", grademax=10))
    test = fake.add_grade_item(chem, "Контрольная работа", grademin=1, grademax=5)
    fake.set_grade(lab, user["SCH01-S1"], 9)
    fake.set_grade(lab, user["SCH29-S1"], 4)
    fake.set_grade(test, user["SCH01-S1"], 5)
    return {"user": user, "chem1": chem1, "lab": lab, "chem": chem}


def registry_marks(session) -> set[tuple]:
    session.expire_all()
    rows = session.execute(
        select(Student.external_id, School.external_id, NetworkCourse.code, Lesson.date, AttendanceMark.status,
               AttendanceMark.kind, AttendanceMark.remarks, AttendanceMark.taken_by)
        .join(Student, Student.id == AttendanceMark.student_id).join(School, School.id == Student.school_id)
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id).join(NetworkCourse, NetworkCourse.id == Lesson.course_id))
    return {tuple(r) for r in rows}


def registry_grades(session) -> set[tuple]:
    session.expire_all()
    rows = session.execute(
        select(Student.external_id, GradeItem.item_type, GradeItem.name, Grade.raw, Grade.grade_max, Grade.percentage)
        .join(Student, Student.id == Grade.student_id).join(GradeItem, GradeItem.id == Grade.item_id))
    return {tuple(r) for r in rows}


def written(session) -> list[tuple]:
    """Every stored mark and grade with its timestamps, and the history: what a no-op pull must keep."""
    session.expire_all()
    marks = session.execute(select(AttendanceMark.id, AttendanceMark.status, AttendanceMark.updated_at)).all()
    grades = session.execute(select(Grade.id, Grade.raw, Grade.updated_at)).all()
    history = session.execute(select(MarkChange.id)).all()
    return sorted(map(tuple, marks)) + sorted(map(tuple, grades)) + [("history", len(history))]


EXPECTED_MARKS = {
    ("SCH01-S1", "SCH01", "NC-CHEM-11", D(2026, 9, 1), "P", "present", "", "T-1"),
    ("SCH01-S2", "SCH01", "NC-CHEM-11", D(2026, 9, 1), "A", "absent", "", "T-1"),
    ("SCH29-S1", "SCH29", "NC-CHEM-11", D(2026, 9, 1), "L", "late", "", "T-1"),
    ("SCH01-S1", "SCH01", "NC-CHEM-11", D(2026, 9, 8), "E", "excused", "болел", "T-1"),
    ("SCH29-S2", "SCH29", "NC-PY-11", D(2026, 9, 3), "P", "present", "", "T-2"),
}
EXPECTED_GRADES = {
    ("SCH01-S1", "mod", "Лабораторная работа", 9.0, 10.0, 90.0),
    ("SCH01-S1", "manual", "Контрольная работа", 5.0, 5.0, 100.0),
    ("SCH01-S1", "course", "Итог курса", 14.0, 15.0, 93.33),
    ("SCH29-S1", "mod", "Лабораторная работа", 4.0, 10.0, 40.0),
    ("SCH29-S1", "course", "Итог курса", 4.0, 10.0, 40.0),
}


def test_pull_brings_every_mark_to_its_student_lesson_and_home_school(runtime, session, fake_moodle, moodle):
    setup_marks(runtime, session, fake_moodle, moodle)
    fake_moodle.reset_counts()
    report = pull(runtime, moodle)
    assert report.courses == ["NC-CHEM-11", "NC-PY-11"]
    assert report.attendance.created == 5 and report.grades.created == 5
    assert fake_moodle.writes == 0  # a pull only reads
    assert registry_marks(session) == EXPECTED_MARKS
    assert registry_grades(session) == EXPECTED_GRADES


def test_a_second_pull_changes_nothing(runtime, session, fake_moodle, moodle):
    setup_marks(runtime, session, fake_moodle, moodle)
    pull(runtime, moodle)
    before = written(session)
    again = pull(runtime, moodle)
    assert (again.attendance.created, again.attendance.changed, again.attendance.unchanged) == (0, 0, 5)
    assert (again.grades.created, again.grades.changed) == (0, 0)
    assert written(session) == before


def test_corrected_marks_replace_the_old_ones_and_are_kept_in_history(runtime, session, fake_moodle, moodle):
    seeded = setup_marks(runtime, session, fake_moodle, moodle)
    pull(runtime, moodle)
    user = seeded["user"]
    fake_moodle.advance(3600)
    fake_moodle.mark(seeded["chem1"], user["SCH01-S2"], "P", takenby=user["T-1"])  # was absent: came late in fact
    fake_moodle.set_grade(seeded["lab"], user["SCH29-S1"], 6)  # regraded
    report = pull(runtime, moodle)
    assert report.attendance.changed == 1 and report.grades.changed == 2  # the item and the course total
    marks = registry_marks(session)
    assert ("SCH01-S2", "SCH01", "NC-CHEM-11", D(2026, 9, 1), "P", "present", "", "T-1") in marks
    assert len(marks) == 5
    assert ("SCH29-S1", "mod", "Лабораторная работа", 6.0, 10.0, 60.0) in registry_grades(session)
    history = session.execute(select(MarkChange.what, Student.external_id, MarkChange.old_value, MarkChange.new_value,
                                     MarkChange.changed_by).join(Student).order_by(MarkChange.id)).all()
    assert [tuple(h) for h in history] == [
        ("attendance", "SCH01-S2", "A", "P", "T-1"),
        ("grade", "SCH29-S1", "4 из 10", "6 из 10", ""),
        ("grade", "SCH29-S1", "4 из 10", "6 из 10", ""),
    ]
    assert pull(runtime, moodle).attendance.changed == 0


def test_targeted_pull_reads_one_course_only(runtime, session, fake_moodle, moodle):
    seeded = setup_marks(runtime, session, fake_moodle, moodle)
    fake_moodle.reset_counts()
    report = pull(runtime, moodle, course_code="NC-CHEM-11")
    assert report.courses == ["NC-CHEM-11"]
    assert fake_moodle.read_courses("gradereport_user_get_grade_items") == [seeded["chem"]]
    assert fake_moodle.count("mod_attendance_get_sessions") == 1
    assert {m[2] for m in registry_marks(session)} == {"NC-CHEM-11"}


def test_pull_command(runtime, session, runner, fake_moodle):
    build_timetable(session)
    rt = Runtime(replace(runtime.settings, moodle=fake_moodle.settings()), engine=runtime.engine)
    assert runner.invoke(["pull", "--help"]).exit_code == 0
    unconfigured = runner.invoke(["pull"])
    assert unconfigured.exit_code == 1 and "Moodle is not configured" in unconfigured.output
    unknown = runner.invoke(["pull", "--course", "NOPE"], obj=rt)
    assert unknown.exit_code == 1 and "no network course 'NOPE'" in unknown.output
    result = runner.invoke(["pull"], obj=rt)
    assert result.exit_code == 0, result.output
    assert "NC-CHEM-11: not in Moodle yet (run the sync)" in result.output


def test_scheduled_pull_is_queued_and_waits_for_a_running_pull(runtime, session, fake_moodle):
    rt = Runtime(replace(runtime.settings, moodle=fake_moodle.settings(), jobs=JobsSettings(backoff_base_seconds=0)),
                 engine=runtime.engine)
    worker = Worker(rt)
    assert pull_job(rt) == "pull: queued job 1"
    with job_lock(runtime.sessions, "pull"):
        assert worker.run_one()
    job = session.get(Job, 1)
    assert job.status == "queued" and "pull is already running" in job.error  # waits for it
    assert worker.drain() == 1
    session.refresh(job)
    assert (job.status, job.result, job.attempts, job.waits) == ("done", "pull: 0 courses", 1, 1)  # no attempt used

"""The timetable in Moodle: one attendance activity per course, one session per lesson and one calendar
event per face-to-face session and course, following every edit of the registry without duplicates,
and converging after a fault at any step of the first sync."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.calendar.face_to_face import cancel_session, edit_session
from bridge.calendar.lessons import cancel_lesson, expand_lessons, move_lesson
from bridge.models import LessonSlot, MoodleLink, NetworkCourse, Term
from bridge.sync.run import run_sync
from moodle_client.functions import Kind, describe
from tests.attendance.district import D, build_timetable, lesson, moscow
from tests.sync.test_sync_faults import fresh_run
from tests.sync.test_sync_moodle import snapshot

HOUR = 3600


def timetable(fake) -> dict:
    """The timetable as Moodle has it, by course code (ids left out)."""
    site = fake.site
    code = {c.id: c.idnumber for c in site.courses if c.idnumber}
    attendance = {a.id: code[a.course] for a in site.attendances}
    return {
        "attendances": sorted(attendance.values()),
        "sessions": sorted((attendance[s.attendanceid], s.sessdate, s.duration) for s in site.sessions),
        "events": sorted((code[e.courseid], e.name, e.timestart, e.timeduration)
                         for e in site.events if e.eventtype == "course"),
    }


FIRST = {
    "attendances": ["NC-CHEM-11", "NC-PY-11"],
    "sessions": [("NC-CHEM-11", moscow(D(2026, 9, 1), 15, 30), 2400),
                 ("NC-CHEM-11", moscow(D(2026, 9, 8), 15, 30), 2400),
                 ("NC-PY-11", moscow(D(2026, 9, 3), 14, 30), 2400),
                 ("NC-PY-11", moscow(D(2026, 9, 10), 14, 30), 2400)],
    "events": [("NC-CHEM-11", "Очная сессия", moscow(D(2026, 9, 19), 10), 4 * HOUR),
               ("NC-PY-11", "Очная сессия", moscow(D(2026, 9, 19), 10), 4 * HOUR)],
}


def sync(runtime, moodle, **kwargs):
    report = run_sync(runtime, client=moodle, show_progress=False, **kwargs)
    return report


def assert_quiet(runtime, moodle, fake):
    """A repeat delta run makes no call at all; a full run finds nothing to do and writes nothing."""
    fake.reset_counts()
    assert sync(runtime, moodle).planned == {} and fake.count() == 0
    full = sync(runtime, moodle, mode="full")
    assert full.planned == {} and full.drift == [] and fake.writes == 0


def session_link(session, uid: str) -> int:
    session.expire_all()
    return session.scalar(select(MoodleLink.moodle_id).where(MoodleLink.kind == "attendance_session",
                                                            MoodleLink.key == uid))


def test_sessions_follow_lesson_moves_cancellations_and_re_expansion(runtime, session, fake_moodle, moodle):
    build_timetable(session)
    report = sync(runtime, moodle)
    assert report.status == "ok", report.errors
    assert report.applied["attendance_session"] == {"create": 4} and report.applied["event"] == {"create": 2}
    assert timetable(fake_moodle) == FIRST
    assert_quiet(runtime, moodle, fake_moodle)

    # Move the chemistry lesson of 8 September to Wednesday 9th, 16:00, 45 minutes: remove + add.
    moved = lesson(session, "NC-CHEM-11", D(2026, 9, 8))
    old_id = session_link(session, moved.uid)
    move_lesson(session, moved, dt.datetime(2026, 9, 9, 16, 0), 45, note="замена")
    session.commit()
    fake_moodle.reset_counts()
    report = sync(runtime, moodle)
    assert report.planned == {"attendance_session": {"update": 1}}, report.planned
    assert fake_moodle.count("mod_attendance_remove_session") == 1 and fake_moodle.count("mod_attendance_add_session") == 1
    after_move = dict(FIRST, sessions=sorted(
        [s for s in FIRST["sessions"] if s[1] != moscow(D(2026, 9, 8), 15, 30)]
        + [("NC-CHEM-11", moscow(D(2026, 9, 9), 16), 2700)]))
    assert timetable(fake_moodle) == after_move
    new_id = session_link(session, moved.uid)
    assert new_id != old_id and fake_moodle.site.sessions.get(old_id) is None
    assert fake_moodle.site.sessions.get(new_id).description == "Занятие сетевого курса: замена"
    assert_quiet(runtime, moodle, fake_moodle)

    # Cancel the programming lesson of 10 September: its session goes.
    cancel_lesson(session, lesson(session, "NC-PY-11", D(2026, 9, 10)))
    session.commit()
    assert sync(runtime, moodle).applied == {"attendance_session": {"remove": 1}}
    after_cancel = dict(after_move, sessions=[s for s in after_move["sessions"] if s[1] != moscow(D(2026, 9, 10), 14, 30)])
    assert timetable(fake_moodle) == after_cancel
    assert_quiet(runtime, moodle, fake_moodle)

    # Re-expand after the chemistry slot moved to 16:10 and a second term was added: the unedited
    # lesson of 1 September follows the slot, the moved one stays, new lessons get new sessions.
    session.scalar(select(LessonSlot).join(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11")).starts_at = dt.time(16, 10)
    year_id = session.scalar(select(Term.academic_year_id))
    session.add(Term(academic_year_id=year_id, number=2, name="2 четверть", starts_on=D(2026, 9, 15), ends_on=D(2026, 9, 21)))
    session.flush()
    expand_lessons(session)
    session.commit()
    report = sync(runtime, moodle)
    # (The course's summary shows its weekly schedule: it is updated too.)
    assert report.planned == {"course": {"update": 1}, "attendance_session": {"create": 2, "update": 1}}
    assert timetable(fake_moodle)["sessions"] == sorted([
        ("NC-CHEM-11", moscow(D(2026, 9, 1), 16, 10), 2400),
        ("NC-CHEM-11", moscow(D(2026, 9, 9), 16), 2700),
        ("NC-CHEM-11", moscow(D(2026, 9, 15), 16, 10), 2400),
        ("NC-PY-11", moscow(D(2026, 9, 3), 14, 30), 2400),
        ("NC-PY-11", moscow(D(2026, 9, 17), 14, 30), 2400),
    ])
    assert_quiet(runtime, moodle, fake_moodle)


def test_face_to_face_events_are_created_once_and_follow_edits(runtime, session, fake_moodle, moodle):
    d = build_timetable(session)
    sync(runtime, moodle)
    assert timetable(fake_moodle)["events"] == FIRST["events"]
    assert_quiet(runtime, moodle, fake_moodle)

    fs = d["face_to_face"]
    edit_session(session, fs, start=dt.datetime(2026, 9, 26, 11), end=dt.datetime(2026, 9, 26, 15), courses=[d["courses"][0]])
    session.commit()
    report = sync(runtime, moodle)
    assert report.planned == {"event": {"update": 1, "remove": 1}}, report.planned
    assert timetable(fake_moodle)["events"] == [("NC-CHEM-11", "Очная сессия", moscow(D(2026, 9, 26), 11), 4 * HOUR)]
    assert_quiet(runtime, moodle, fake_moodle)

    cancel_session(session, fs)
    session.commit()
    assert sync(runtime, moodle).applied == {"event": {"remove": 1}}
    assert timetable(fake_moodle)["events"] == []
    assert_quiet(runtime, moodle, fake_moodle)


def test_a_session_with_attendance_taken_is_never_removed(runtime, session, fake_moodle, moodle):
    build_timetable(session)
    sync(runtime, moodle)
    first = lesson(session, "NC-CHEM-11", D(2026, 9, 1))
    sid = session_link(session, first.uid)
    student = fake_moodle.user_by_idnumber("SCH01-S1")
    fake_moodle.mark(sid, student.id, "P")
    cancel_lesson(session, first)
    session.commit()
    report = sync(runtime, moodle)
    assert report.status == "failed"
    (error,) = report.errors
    assert error["key"] == first.uid and "attendance was taken" in error["reason"]
    assert fake_moodle.marks(sid) == {student.id: "P"}  # the session and its mark are still there
    assert session_link(session, first.uid) == sid  # tried again next run
    assert sync(runtime, moodle).planned == {"attendance_session": {"remove": 1}}


def test_hand_made_attendance_and_session_are_adopted(runtime, session, fake_moodle, moodle):
    build_timetable(session)
    cat = fake_moodle.add_category("Сетевые курсы 2026-2027", "netcourses-2026-2027")
    course = fake_moodle.add_course("chem", "Химия", category=cat, idnumber="NC-CHEM-11")
    attendance = fake_moodle.add_attendance(course, "Attendance")
    by_hand = fake_moodle.add_session(attendance, moscow(D(2026, 9, 1), 15, 30), duration=2400,
                                      description="Занятие сетевого курса")
    report = sync(runtime, moodle)
    assert report.status == "ok", report.errors
    assert report.applied["attendance"] == {"adopt": 1, "create": 1}
    assert report.applied["attendance_session"] == {"adopt": 1, "create": 3}
    assert timetable(fake_moodle) == FIRST
    assert session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 1)).uid) == by_hand
    assert_quiet(runtime, moodle, fake_moodle)


def test_schedule_converges_after_a_fault_at_every_step(runtime, session):
    fake, steps, _, second, _ = fresh_run(runtime, session, build=build_timetable)
    expected = (snapshot(fake), timetable(fake))
    assert expected[1] == FIRST and second.planned == {}
    functions = {f for f, _ in steps}
    assert {"mod_attendance_add_attendance", "mod_attendance_add_session", "core_calendar_create_calendar_events"} <= functions
    for fault in ("timeout_after_commit", "reset_after_commit", "http_error", "killed"):
        for step in steps:
            fake, _, first_ok, second, third = fresh_run(runtime, session, fault, step, build=build_timetable)
            where = f"{fault} at {step}"
            if describe(step[0]).kind is Kind.WRITE:
                assert not first_ok, f"{where}: the fault did not bite"
            assert second.status == "ok", f"{where}: {second.errors or second.message}"
            assert (snapshot(fake), timetable(fake)) == expected, where
            assert third.planned == {} and fake.writes == 0, f"{where}: {third.planned}"

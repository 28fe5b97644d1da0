"""The demo district: the Volzhsky figures of DESIGN.md, deterministic, and loading it twice changes nothing."""

import datetime as dt

from sqlalchemy import func, select

from bridge.demo import load_demo
from bridge.models import (
    FaceToFaceRule,
    FaceToFaceSession,
    Lesson,
    LessonSlot,
    NetworkCourse,
    School,
    Student,
    Teacher,
)
from bridge.reports.stats import network_stats

TODAY = dt.date(2026, 11, 23)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_is_the_volzhsky_network(session, runtime):
    load_demo(session, TODAY)
    session.commit()
    stats = network_stats(session, runtime.settings)
    assert stats.schools_by_role == {"base": 1, "participant": 6, "resource_centre": 6}
    assert count(session, Teacher) == 12 and stats.teachers == 12
    assert count(session, NetworkCourse) == 14 and len(stats.courses_by_subject_area) == 5
    assert count(session, Student) == 106 and stats.students_by_grade == {9: 26, 11: 80}
    assert count(session, LessonSlot) > 0 and count(session, FaceToFaceRule) == 1
    assert session.scalar(select(NetworkCourse.academic_year_id).limit(1)) is not None
    assert {s.role.value for s in session.scalars(select(School))} == {"base", "resource_centre", "participant"}


def test_loading_the_demo_twice_changes_nothing(session):
    load_demo(session, TODAY)
    session.commit()
    first = {m.__name__: count(session, m) for m in (School, Teacher, Student, NetworkCourse, FaceToFaceRule,
                                                     FaceToFaceSession)}
    report = load_demo(session, TODAY)
    session.commit()
    assert not report.changed
    assert {m.__name__: count(session, m) for m in (School, Teacher, Student, NetworkCourse, FaceToFaceRule,
                                                    FaceToFaceSession)} == first


def test_demo_command(runner, session):
    """The command does what the README says of the demo: the district with its year of lessons and
    face-to-face sessions (a sync after it has sessions to create), and running it again changes nothing."""
    first = runner.invoke(["demo"])
    assert first.exit_code == 0, first.output
    lessons = count(session, Lesson)
    assert lessons > 500 and count(session, FaceToFaceSession) >= 9
    assert f"lessons: {lessons} created, 0 updated" in first.output
    again = runner.invoke(["demo"])
    assert again.exit_code == 0 and "students         0 created, 0 updated, 106 unchanged" in again.output
    assert f"lessons: 0 created, 0 updated, 0 cancelled, {lessons} unchanged" in again.output
    assert count(session, Lesson) == lessons


def test_the_demo_campaign_forms_groups_from_every_students_answers(session):
    from bridge.choices.allocation import run_allocation
    from bridge.choices.campaigns import find_campaign
    from config import Settings

    load_demo(session, TODAY)
    session.commit()
    run = run_allocation(session, Settings(), find_campaign(session, None), today=TODAY, time_limit=20)
    assert run.status in ("OPTIMAL", "FEASIBLE")
    assert run.report["students"] == 106
    opened = [o for o in run.report["offers"] if o["open"]]
    assert opened and all(5 <= o["size"] <= 15 for o in opened)

"""A small district with a course-choice campaign for next year, built with the ORM."""

from __future__ import annotations

import datetime as dt

from bridge.choices.campaigns import save_campaign
from bridge.models import (
    AcademicYear,
    BellPeriod,
    ClassLesson,
    CurriculumLoad,
    LessonSlot,
    NetworkCourse,
    School,
    SchoolRole,
    Student,
    Teacher,
)

TODAY = dt.date(2027, 3, 10)  # spring: the campaign's year 2027-2028 has not started


def build(session, *, students: int = 4) -> dict:
    """A resource centre in Samara time (UTC+4) offers four courses of 2027-2028; a Moscow school
    (UTC+3) has students in 9А today (10А next year) whose class has a 7th period on Tuesdays."""
    now = AcademicYear(code="2026-2027", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31))
    year = AcademicYear(code="2027-2028", starts_on=dt.date(2027, 9, 1), ends_on=dt.date(2028, 5, 31))
    rc = School(external_id="RC", name="Ресурсный центр", short_name="РЦ", role=SchoolRole.RESOURCE_CENTRE,
                timezone="Europe/Samara")
    home = School(external_id="SCH1", name="СОШ № 1", short_name="СОШ № 1", role=SchoolRole.PARTICIPANT,
                  timezone="Europe/Moscow")
    other = School(external_id="SCH2", name="СОШ № 2", short_name="СОШ № 2", role=SchoolRole.PARTICIPANT)
    session.add_all([now, year, rc, home, other])
    session.flush()
    teacher = Teacher(external_id="T1", last_name="Орлова", first_name="Анна", school_id=rc.id)
    session.add(teacher)
    courses = {}
    # (code, grades, hours, slots as (weekday, start in Samara time))
    for code, lo, hi, hours, slots in [
        ("ROBO", 10, 11, 2, [(2, dt.time(15, 0))]),  # Tuesday 15:00 Samara = 14:00 Moscow: the 7th period
        ("CHEM", 10, 11, 2, [(3, dt.time(16, 0))]),
        ("PHYS", 10, 11, 1, [(3, dt.time(16, 20))]),  # overlaps CHEM
        ("ART", 8, 9, 1, [(4, dt.time(16, 0))]),  # grades 8-9 only
    ]:
        course = NetworkCourse(code=code, title=code, subject=code, subject_area="—", grade_from=lo, grade_to=hi,
                               hours_per_week=hours, provider_school_id=rc.id, academic_year_id=year.id,
                               teachers=[teacher])
        session.add(course)
        session.flush()
        session.add_all(LessonSlot(course_id=course.id, weekday=w, starts_at=t, duration_minutes=40) for w, t in slots)
        courses[code] = course
    session.add_all([
        BellPeriod(school_id=home.id, period=7, starts_at=dt.time(13, 55), ends_at=dt.time(14, 35)),
        ClassLesson(school_id=home.id, grade=10, class_letter="А", weekday=2, period=7, subject="Алгебра"),
        # 10th grade at SCH1: 31 h at home, SanPiN allows 34 (5-day week): 3 spare hours.
        CurriculumLoad(school_id=home.id, grade=10, hours_per_week=31),
    ])
    pupils = [Student(external_id=f"S{n}", last_name="Иванов", first_name="Пётр", school_id=home.id, grade=9,
                      class_letter="А") for n in range(1, students + 1)]
    stranger = Student(external_id="X1", last_name="Петров", first_name="Иван", school_id=other.id, grade=9,
                       class_letter="Б")
    session.add_all([*pupils, stranger])
    session.flush()
    campaign = save_campaign(session, {
        "code": "VYBOR-2027", "title": "Выбор курсов 2027-2028", "year": "2027-2028",
        "opens_at": "2027-03-01T00:00:00+03:00", "closes_at": "2027-04-15T23:59:00+03:00",
        "max_choices": 3, "rank_weights": [3, 2, 1],
        "rules": [{"grade": 10, "min_courses": 1, "max_courses": 2}, {"grade": 9, "min_courses": 0, "max_courses": 1}],
        "offers": [{"course": code, "min_size": 1, "max_size": 3} for code in courses],
    })
    session.commit()
    return {"campaign": campaign, "courses": courses, "students": pupils, "stranger": stranger, "year": year}


def write_answers(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

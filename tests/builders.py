"""Small districts built with the ORM for tests: enough for every sync and access path, small
enough to loop over fault points quickly."""

from __future__ import annotations

import datetime as dt

from bridge.models import (
    AcademicYear,
    Enrolment,
    EnrolmentStatus,
    LessonSlot,
    NetworkCourse,
    School,
    SchoolRole,
    Student,
    Teacher,
)


def build_district(session, *, students_per_school: int = 3) -> dict:
    year = AcademicYear(code="2026-2027", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31))
    base = School(external_id="SCH01", name="МОУ СОШ № 1", short_name="СОШ № 1", role=SchoolRole.BASE)
    rc = School(external_id="SCH14", name="МОУ СОШ № 14", short_name="СОШ № 14", role=SchoolRole.RESOURCE_CENTRE)
    part = School(external_id="SCH29", name="МОУ СОШ № 29", short_name="СОШ № 29", role=SchoolRole.PARTICIPANT)
    session.add_all([year, base, rc, part])
    session.flush()
    t1 = Teacher(external_id="T-1", last_name="Кузнецова", first_name="Ирина", middle_name="Владимировна",
                 email="kuznetsova@school14.example", school_id=rc.id)
    t2 = Teacher(external_id="T-2", last_name="Орлов", first_name="Дмитрий", email="orlov@school14.example",
                 school_id=rc.id)
    session.add_all([t1, t2])
    chem = NetworkCourse(code="NC-CHEM-11", title="Химия", subject="Химия", subject_area="Естественные науки",
                         grade_from=11, grade_to=11, hours_per_week=2, provider_school_id=rc.id,
                         academic_year_id=year.id, teachers=[t1])
    prog = NetworkCourse(code="NC-PY-11", title="Программирование", subject="Информатика",
                         subject_area="Математика и информатика", grade_from=10, grade_to=11, hours_per_week=1,
                         provider_school_id=rc.id, academic_year_id=year.id, teachers=[t2])
    session.add_all([chem, prog])
    session.flush()
    session.add_all([LessonSlot(course_id=chem.id, weekday=2, starts_at=dt.time(15, 30), duration_minutes=40),
                     LessonSlot(course_id=prog.id, weekday=4, starts_at=dt.time(14, 30), duration_minutes=40)])
    students = []
    for school in (base, part):
        for n in range(students_per_school):
            s = Student(external_id=f"{school.external_id}-S{n + 1}", last_name="Иванов", first_name="Пётр",
                        school_id=school.id, grade=11, class_letter="А")
            students.append(s)
    session.add_all(students)
    session.flush()
    for i, s in enumerate(students):
        session.add(Enrolment(student_id=s.id, course_id=chem.id, starts_on=dt.date(2026, 9, 1)))
        if i % 2 == 0:
            session.add(Enrolment(student_id=s.id, course_id=prog.id, starts_on=dt.date(2026, 9, 1)))
    session.commit()
    return {"year": year, "schools": [base, rc, part], "teachers": [t1, t2], "courses": [chem, prog],
            "students": students}


def withdraw(session, student_ext: str, course_code: str) -> None:
    from sqlalchemy import select

    enrolment = session.scalar(select(Enrolment).join(Student).join(NetworkCourse).where(
        Student.external_id == student_ext, NetworkCourse.code == course_code))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    session.commit()

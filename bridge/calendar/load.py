"""The SanPiN weekly load check: a student's home curriculum plus network courses against the maximum
(the maximum itself, by grade and week, is in bridge.timetable)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import CurriculumLoad, Enrolment, EnrolmentStatus, NetworkCourse, PersonMixin, School, Student
from bridge.timetable import max_weekly_hours

# The models' rules for a student's name and class, applied to plain rows.
_full_name = PersonMixin.full_name.fget
_class_name = Student.class_name.fget


@dataclass(frozen=True)
class Overload:
    school: str  # external ids and names, for the administrator's report
    school_name: str
    student: str
    student_name: str
    class_name: str
    week_days: int
    home_hours: int
    network_hours: int
    limit: int
    courses: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.home_hours + self.network_hours

    def as_dict(self) -> dict:
        return {**asdict(self), "courses": list(self.courses), "total": self.total}


@dataclass(frozen=True)
class LoadReport:
    overloads: tuple[Overload, ...]
    # (school external id, grade) whose curriculum load is unknown: their students were not checked.
    unchecked: tuple[tuple[str, int], ...]


def check_load(session: Session, *, school_id: int | None = None, student_id: int | None = None) -> LoadReport:
    """Every student with network courses whose week would exceed the SanPiN maximum; with
    ``school_id`` that school's students, with ``student_id`` that student (both given: both must hold).

    Reads plain rows, narrowed to the scope in SQL: the active enrolments, then their courses,
    students, schools and curricula.
    """
    enrolments = select(Enrolment.student_id, Enrolment.course_id).where(Enrolment.status == EnrolmentStatus.ACTIVE)
    if school_id is not None:
        enrolments = enrolments.join(Student, Student.id == Enrolment.student_id).where(Student.school_id == school_id)
    if student_id is not None:
        enrolments = enrolments.where(Enrolment.student_id == student_id)
    taken: dict[int, list[int]] = defaultdict(list)  # student → their courses
    for student, course in session.execute(enrolments):
        taken[student].append(course)
    if not taken:
        return LoadReport((), ())
    courses_query = select(NetworkCourse.id, NetworkCourse.code, NetworkCourse.hours_per_week)
    students_query = select(Student.id, Student.school_id, Student.grade, Student.class_letter, Student.external_id,
                            Student.last_name, Student.first_name, Student.middle_name)
    schools_query = select(School.id, School.external_id, School.short_name, School.week_days)
    home_query = select(CurriculumLoad.school_id, CurriculumLoad.grade, CurriculumLoad.hours_per_week)
    if school_id is not None or student_id is not None:
        scope = enrolments.subquery()
        courses_query = courses_query.where(NetworkCourse.id.in_(select(scope.c.course_id)))
        students_query = students_query.where(Student.id.in_(select(scope.c.student_id)))
        homes = select(Student.school_id).where(Student.id.in_(select(scope.c.student_id)))
        schools_query = schools_query.where(School.id.in_(homes))
        home_query = home_query.where(CurriculumLoad.school_id.in_(homes))
    hours_of, code_of = {}, {}
    for course, code, hours in session.execute(courses_query):
        hours_of[course], code_of[course] = hours, code
    schools = {row.id: row for row in session.execute(schools_query)}
    home = {(school, grade): hours for school, grade, hours in session.execute(home_query)}
    overloads, unchecked = [], set()
    # Unscoped, every student is read (cheaper than narrowing to the enrolled in SQL) and skipped here.
    for student in session.execute(students_query):
        mine = taken.get(student[0])
        if mine is None:
            continue
        home_id, grade = student[1], student[2]
        school = schools[home_id]
        hours = home.get((home_id, grade))
        if hours is None:
            unchecked.add((school.external_id, grade))
            continue
        network = sum([hours_of[c] for c in mine])
        limit = max_weekly_hours(grade, school.week_days)
        if hours + network > limit:
            overloads.append(
                Overload(
                    school=school.external_id,
                    school_name=school.short_name,
                    student=student.external_id,
                    student_name=_full_name(student),
                    class_name=_class_name(student),
                    week_days=school.week_days,
                    home_hours=hours,
                    network_hours=network,
                    limit=limit,
                    courses=tuple(sorted([code_of[c] for c in mine])),
                )
            )
    overloads.sort(key=lambda o: (o.school, o.class_name, o.student))
    return LoadReport(tuple(overloads), tuple(sorted(unchecked)))


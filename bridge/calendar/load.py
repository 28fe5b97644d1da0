"""The SanPiN weekly load check: a student's home curriculum plus network courses against the maximum.

The maximum weekly study load (academic hours) is set by SanPiN 1.2.3685-21 "Гигиенические нормативы и
требования к обеспечению безопасности и (или) безвредности для человека факторов среды обитания",
table 6.6, by grade and by the length of the school week. A first grade learns a 5-day week only,
so its limit is 21 whatever the school's week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bridge.models import CurriculumLoad, Enrolment, EnrolmentStatus, NetworkCourse, Student

SANPIN = "СанПиН 1.2.3685-21"
# week days → grade → maximum academic hours a week (SanPiN 1.2.3685-21, table 6.6).
MAX_WEEKLY_HOURS: dict[int, dict[int, int]] = {
    5: {1: 21, 2: 23, 3: 23, 4: 23, 5: 29, 6: 30, 7: 32, 8: 33, 9: 33, 10: 34, 11: 34},
    6: {1: 21, 2: 26, 3: 26, 4: 26, 5: 32, 6: 33, 7: 35, 8: 36, 9: 36, 10: 37, 11: 37},
}


def max_weekly_hours(grade: int, week_days: int) -> int:
    return MAX_WEEKLY_HOURS[week_days][grade]


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


def _home_hours(session: Session) -> dict[tuple[int, int], int]:
    return {(r.school_id, r.grade): r.hours_per_week for r in session.scalars(select(CurriculumLoad))}


def check_load(session: Session) -> LoadReport:
    """Every student with network courses whose week would exceed the SanPiN maximum."""
    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(joinedload(Enrolment.student).joinedload(Student.school), joinedload(Enrolment.course))
    ).all()
    courses: dict[Student, list[NetworkCourse]] = defaultdict(list)
    for e in enrolments:
        courses[e.student].append(e.course)
    home = _home_hours(session)
    overloads, unchecked = [], set()
    for student, taken in courses.items():
        hours = home.get((student.school_id, student.grade))
        if hours is None:
            unchecked.add((student.school.external_id, student.grade))
            continue
        network = sum(c.hours_per_week for c in taken)
        limit = max_weekly_hours(student.grade, student.school.week_days)
        if hours + network > limit:
            overloads.append(
                Overload(
                    school=student.school.external_id,
                    school_name=student.school.short_name,
                    student=student.external_id,
                    student_name=student.full_name,
                    class_name=student.class_name,
                    week_days=student.school.week_days,
                    home_hours=hours,
                    network_hours=network,
                    limit=limit,
                    courses=tuple(sorted(c.code for c in taken)),
                )
            )
    overloads.sort(key=lambda o: (o.school, o.class_name, o.student))
    return LoadReport(tuple(overloads), tuple(sorted(unchecked)))


def load_warning(session: Session, student: Student, course: NetworkCourse) -> str | None:
    """At enrolment time: would taking ``course`` push ``student`` over the SanPiN maximum?

    Returns a warning in Russian for the person enrolling, or None when the load stays within it.
    """
    school = student.school
    home = session.scalar(
        select(CurriculumLoad.hours_per_week).where(
            CurriculumLoad.school_id == school.id, CurriculumLoad.grade == student.grade
        )
    )
    if home is None:
        return (
            f"Недельную нагрузку не проверить: у школы {school.short_name} нет учебного плана "
            f"для {student.grade} класса"
        )
    others = session.scalars(
        select(NetworkCourse.hours_per_week)
        .join(Enrolment, Enrolment.course_id == NetworkCourse.id)
        .where(
            Enrolment.student_id == student.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            NetworkCourse.id != course.id,
        )
    ).all()
    network = sum(others) + course.hours_per_week
    limit = max_weekly_hours(student.grade, school.week_days)
    if home + network <= limit:
        return None
    return (
        f"Превышение недельной нагрузки ({SANPIN}): {home} ч по учебному плану школы + {network} ч "
        f"сетевых курсов = {home + network} ч при максимуме {limit} ч "
        f"({student.grade} класс, {school.week_days}-дневная неделя)"
    )

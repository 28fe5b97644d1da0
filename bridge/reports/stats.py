"""Network statistics as the districts count them (the Volzhsky figures of DESIGN.md): schools by
role, courses by subject area, teachers, students by grade, and the share of the district's
students who learn in the network. Aggregates only: no names, safe for every role.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bridge.models import CourseTeacher, Enrolment, EnrolmentStatus, NetworkCourse, School, Student
from config import Settings


@dataclass(frozen=True)
class NetworkStats:
    schools_by_role: dict[str, int]
    courses: int
    courses_by_subject_area: dict[str, int]
    teachers: int
    students: int
    students_by_grade: dict[int, int]
    students_by_school: dict[str, int]
    district_students: int
    share_percent: float

    def as_json(self) -> dict:
        data = asdict(self)
        data["students_by_grade"] = {str(k): v for k, v in self.students_by_grade.items()}
        return data

    def describe(self) -> str:
        """The figures for ``netcourses report stats`` (the CLI speaks English; the console has its own words)."""
        roles = {"base": "base school", "resource_centre": "resource centres", "participant": "participant schools"}
        lines = [f"Schools in the network: {sum(self.schools_by_role.values())} ("
                 + ", ".join(f"{roles.get(r, r)}: {n}" for r, n in self.schools_by_role.items()) + ")",
                 f"Network courses: {self.courses} in {len(self.courses_by_subject_area)} subject areas"]
        lines += [f"  {area}: {n}" for area, n in self.courses_by_subject_area.items()]
        lines.append(f"Network teachers: {self.teachers}")
        lines.append(f"Students in the network: {self.students} ("
                     + ", ".join(f"grade {g}: {n}" for g, n in self.students_by_grade.items()) + ")")
        lines.append(f"Share of the district's students in the network: {self.share_percent:.1f}% "
                     f"of {self.district_students}")
        return "\n".join(lines)


def district_students(session: Session, settings: Settings) -> int:
    """All the district's students: ``[district] total_students``, else the sum of the schools' own
    ``student_count`` (0 when neither is known)."""
    return settings.district.total_students or session.scalar(select(func.sum(School.student_count))) or 0


def network_stats(session: Session, settings: Settings) -> NetworkStats:
    active = Enrolment.status == EnrolmentStatus.ACTIVE
    by_role = dict(session.execute(select(School.role, func.count()).group_by(School.role).order_by(School.role)).all())
    by_area = dict(session.execute(select(NetworkCourse.subject_area, func.count())
                                   .group_by(NetworkCourse.subject_area).order_by(NetworkCourse.subject_area)).all())
    teachers = session.scalar(select(func.count(distinct(CourseTeacher.teacher_id)))) or 0
    in_network = select(Enrolment.student_id).where(active).distinct()
    by_grade = dict(session.execute(select(Student.grade, func.count()).where(Student.id.in_(in_network))
                                    .group_by(Student.grade).order_by(Student.grade)).all())
    by_school = dict(session.execute(
        select(School.external_id, func.count()).join(Student, Student.school_id == School.id)
        .where(Student.id.in_(in_network)).group_by(School.external_id).order_by(School.external_id)).all())
    students = sum(by_grade.values())
    district = district_students(session, settings)
    return NetworkStats(
        schools_by_role={str(getattr(r, "value", r)): n for r, n in by_role.items()},
        courses=sum(by_area.values()), courses_by_subject_area=by_area, teachers=teachers,
        students=students, students_by_grade=by_grade, students_by_school=by_school,
        district_students=district, share_percent=round(100 * students / district, 1) if district else 0.0)

"""The hours taught under the agreements, per month: what a statement holds and what a teacher's
workload counts, and the enrolments no agreement covers.

- **Held.** A lesson is held when attendance was taken for it in Moodle: the pull writes a mark per
  student of a lesson whose session was taken, so a lesson with at least one mark is held
  (:func:`lessons_held`, the one place that decides it). Cancelled lessons are not counted at all.
- **Academic hours.** The registry records a lesson's length in minutes (40 by default, one school
  period) and a course's weekly hours, never a lesson's length in academic hours; so each lesson held
  counts as :data:`HOURS_PER_LESSON` academic hour.
- **Group and share.** A network course is one group. Its students in a month are those with an
  enrolment in force on any day of the month (started by its last day, not ended before its first; a
  withdrawn enrolment without an end date is not counted). The receiving school's share of the group is
  its students over all the group's students, kept as an exact fraction.
- **Attributed hours and amount.** Hours attributed to the receiving school = hours held × share, exact;
  shown rounded to hundredths. The amount of a group = its exact attributed hours × the rate, rounded to
  kopecks half up; the statement's total is the sum of the groups' amounts (what is paid is what the
  lines add up to), and when that differs from the exact total hours × rate rounded once, the statement
  says so and by how much (:attr:`Statement.note`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bridge.models import (
    AcademicYear,
    Agreement,
    AgreementCourse,
    AttendanceMark,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
    Teacher,
)

HOURS_PER_LESSON = 1
KOPECK = Decimal("0.01")
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """``YYYY-MM`` as a month, or None."""
        try:
            day = dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            return None
        return cls(day.year, day.month) if len(text) == 7 else None

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """«октябрь 2026»."""
        return f"{MONTHS_RU[self.month - 1]} {self.year}"

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)


def months_of(year: AcademicYear) -> list[Month]:
    months, month = [], Month.of(year.starts_on)
    while month <= Month.of(year.ends_on):
        months.append(month)
        month = month.next()
    return months


def rounded(value: Fraction | Decimal, places: Decimal = KOPECK) -> Decimal:
    """Half up to ``places`` (hundredths: kopecks, or hours to two decimals)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    return exact.quantize(places, rounding=ROUND_HALF_UP)


def lessons_held(session: Session, lesson_ids: Iterable[int]) -> set[int]:
    """The lessons among ``lesson_ids`` that were held: attendance was taken for them in Moodle (at least one
    mark pulled). Every count of held lessons goes through here, so what "held" means changes in one place."""
    ids = list(lesson_ids)
    held: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        held.update(session.scalars(select(AttendanceMark.lesson_id).where(AttendanceMark.lesson_id.in_(chunk))
                                    .distinct()))
    return held


def _lessons(session: Session, course_ids: Iterable[int], first: dt.date,
             last: dt.date) -> list[tuple[int, int, dt.date]]:
    """(lesson id, course id, date) of the courses' lessons from ``first`` to ``last``, cancelled ones left out."""
    return [tuple(row) for row in session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.date).where(
            Lesson.course_id.in_(list(course_ids)), Lesson.date.between(first, last),
            Lesson.status != ScheduleStatus.CANCELLED))]


def group_students(session: Session, course_ids: Iterable[int], month: Month) -> dict[int, Counter[int]]:
    """course id -> home school id -> how many of its students the group had in ``month``."""
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for course_id, school_id, students in session.execute(
            select(Enrolment.course_id, Student.school_id, func.count(func.distinct(Enrolment.student_id)))
            .join(Student, Student.id == Enrolment.student_id)
            .where(Enrolment.course_id.in_(list(course_ids)), Enrolment.in_force(month.first, month.last))
            .group_by(Enrolment.course_id, Student.school_id)):
        counts[course_id][school_id] = students
    return counts


@dataclass(frozen=True)
class GroupMonth:
    """One group (course) of a statement: its lessons and students in the month, and the receiver's part."""

    code: str
    title: str
    teachers: tuple[str, ...]
    lessons_planned: int
    lessons_held: int
    hours_held: int
    group_students: int
    receiver_students: int
    share: Fraction
    hours_exact: Fraction
    amount: Decimal | None

    @property
    def hours(self) -> Decimal:
        return rounded(self.hours_exact)

    @property
    def share_percent(self) -> Decimal:
        return rounded(self.share * 100, Decimal("0.1"))


@dataclass(frozen=True)
class Statement:
    """An agreement's month: its groups and totals (see the module's note on rounding)."""

    agreement: Agreement
    month: Month
    groups: tuple[GroupMonth, ...]

    @property
    def lessons_held(self) -> int:
        return sum(g.lessons_held for g in self.groups)

    @property
    def hours_held(self) -> int:
        return sum(g.hours_held for g in self.groups)

    @property
    def hours_exact(self) -> Fraction:
        return sum((g.hours_exact for g in self.groups), Fraction(0))

    @property
    def hours(self) -> Decimal:
        return rounded(self.hours_exact)

    @property
    def amount(self) -> Decimal | None:
        """The sum of the groups' amounts, each rounded to kopecks: what the statement's lines add up to."""
        if self.agreement.rate is None:
            return None
        return sum((g.amount or Decimal(0) for g in self.groups), Decimal("0.00"))

    @property
    def note(self) -> str:
        """Why the totals are not the rounded parts' sums, when they are not; empty when they are."""
        notes = []
        if self.hours != sum((g.hours for g in self.groups), Decimal("0.00")):
            notes.append(f"Итог часов ({self.hours}) посчитан по точным долям; сумма округлённых строк — "
                         f"{sum((g.hours for g in self.groups), Decimal('0.00'))}.")
        rate = self.agreement.rate
        if rate is not None and (once := rounded(self.hours_exact * Fraction(rate))) != self.amount:
            notes.append(f"Сумма ({self.amount}) — сумма строк, каждая округлена до копеек; точные часы × ставка, "
                         f"округлённые один раз, дали бы {once} (разница {self.amount - once}).")
        return " ".join(notes)


def covered_courses(session: Session, agreement: Agreement, month: Month) -> list[NetworkCourse]:
    """The courses an agreement covers in ``month``: its list, or, for all courses, the provider's courses of
    the year that the receiver's students take that month."""
    if not agreement.all_courses:
        return list(agreement.courses)
    taken = (select(Enrolment.course_id).join(Student, Student.id == Enrolment.student_id)
             .where(Student.school_id == agreement.receiver_school_id, Enrolment.in_force(month.first, month.last)))
    return list(session.scalars(select(NetworkCourse).where(
        NetworkCourse.provider_school_id == agreement.provider_school_id,
        NetworkCourse.academic_year_id == agreement.academic_year_id,
        NetworkCourse.id.in_(taken)).order_by(NetworkCourse.code)))


def statement(session: Session, agreement: Agreement, month: Month, *, names: bool = True) -> Statement:
    """The agreement's month; ``names`` False leaves out the teachers' names (a viewer's aggregates)."""
    courses = covered_courses(session, agreement, month)
    lessons = _lessons(session, [c.id for c in courses], month.first, month.last)
    held = lessons_held(session, [lesson_id for lesson_id, _, _ in lessons])
    planned, done = Counter(), Counter()
    for lesson_id, course_id, _ in lessons:
        planned[course_id] += 1
        done[course_id] += lesson_id in held
    students = group_students(session, [c.id for c in courses], month)
    rate = agreement.rate
    groups = []
    for course in courses:
        group = students.get(course.id, Counter())
        total, receiver = sum(group.values()), group[agreement.receiver_school_id]
        share = Fraction(receiver, total) if total else Fraction(0)
        hours_held = done[course.id] * HOURS_PER_LESSON
        exact = hours_held * share
        groups.append(GroupMonth(
            code=course.code, title=course.title,
            teachers=tuple(t.full_name for t in course.teachers) if names else (),
            lessons_planned=planned[course.id], lessons_held=done[course.id], hours_held=hours_held,
            group_students=total, receiver_students=receiver, share=share, hours_exact=exact,
            amount=None if rate is None else rounded(exact * Fraction(rate))))
    return Statement(agreement, month, tuple(groups))


@dataclass(frozen=True)
class TeacherHours:
    """A network teacher's held academic hours per month of a year (the teacher's network workload).
    A course's lessons count for each of its teachers: the registry does not record which one gave a lesson."""

    key: str
    name: str
    school: str
    by_month: dict[Month, int]

    @property
    def total(self) -> int:
        return sum(self.by_month.values())


def teacher_hours(session: Session, year: AcademicYear, *, school_id: int | None = None,
                  teacher_id: int | None = None) -> list[TeacherHours]:
    """Every teacher of the year's courses (of ``school_id``, or only ``teacher_id``) with their held hours by
    month, in no particular order; months without a held lesson are absent."""
    query = (select(Teacher, CourseTeacher.course_id).join(CourseTeacher, CourseTeacher.teacher_id == Teacher.id)
             .join(NetworkCourse, NetworkCourse.id == CourseTeacher.course_id)
             .where(NetworkCourse.academic_year_id == year.id))
    if school_id is not None:
        query = query.where(Teacher.school_id == school_id)
    if teacher_id is not None:
        query = query.where(Teacher.id == teacher_id)
    courses_of: dict[int, list[int]] = defaultdict(list)
    teachers: dict[int, Teacher] = {}
    for teacher, course_id in session.execute(query):
        teachers[teacher.id] = teacher
        courses_of[teacher.id].append(course_id)
    course_ids = {c for ids in courses_of.values() for c in ids}
    lessons = _lessons(session, course_ids, year.starts_on, year.ends_on)
    held = lessons_held(session, [lesson_id for lesson_id, _, _ in lessons])
    per_course: dict[int, Counter[Month]] = defaultdict(Counter)
    for lesson_id, course_id, day in lessons:
        if lesson_id in held:
            per_course[course_id][Month.of(day)] += HOURS_PER_LESSON
    schools = {key: name for key, name in session.execute(select(School.id, School.short_name))}
    out = []
    for tid, teacher in teachers.items():
        by_month: Counter[Month] = Counter()
        for course_id in courses_of[tid]:
            by_month.update(per_course[course_id])
        out.append(TeacherHours(teacher.external_id, teacher.full_name, schools.get(teacher.school_id, ""),
                                dict(sorted(by_month.items()))))
    return out


@dataclass(frozen=True)
class Uncovered:
    """Enrolments of a receiving school's students in a course that no agreement of the year covers."""

    provider: str
    receiver: str
    receiver_name: str
    course: str
    title: str
    students: int


def uncovered(session: Session, year: AcademicYear, *, school_id: int | None = None) -> list[Uncovered]:
    """Per course and receiving school, the enrolments (not withdrawn) of the year's courses by students of
    another school than the provider's that no agreement covers; ``school_id``: where it is a party."""
    covered_all = {tuple(row) for row in session.execute(
        select(Agreement.provider_school_id, Agreement.receiver_school_id)
        .where(Agreement.academic_year_id == year.id, Agreement.all_courses.is_(True)))}
    covered = {tuple(row) for row in session.execute(
        select(Agreement.receiver_school_id, AgreementCourse.course_id)
        .join(AgreementCourse, AgreementCourse.agreement_id == Agreement.id)
        .where(Agreement.academic_year_id == year.id))}
    query = (select(NetworkCourse, Student.school_id, func.count(Enrolment.id))
             .join(Enrolment, Enrolment.course_id == NetworkCourse.id)
             .join(Student, Student.id == Enrolment.student_id)
             .where(NetworkCourse.academic_year_id == year.id, Enrolment.status != EnrolmentStatus.WITHDRAWN,
                    Student.school_id != NetworkCourse.provider_school_id)
             .group_by(NetworkCourse.id, Student.school_id))
    if school_id is not None:
        query = query.where(or_(Student.school_id == school_id, NetworkCourse.provider_school_id == school_id))
    schools = {s.id: s for s in session.scalars(select(School))}
    out = []
    for course, receiver_id, students in session.execute(query):
        if (course.provider_school_id, receiver_id) in covered_all or (receiver_id, course.id) in covered:
            continue
        receiver = schools[receiver_id]
        out.append(Uncovered(schools[course.provider_school_id].external_id, receiver.external_id,
                             receiver.short_name, course.code, course.title, students))
    return sorted(out, key=lambda u: (u.course, u.receiver))

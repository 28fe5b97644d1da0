"""A small district built straight with the ORM, with every calendar problem planted on purpose.

Schools in three time zones (a lesson set in Yekaterinburg lands at different local times in
Moscow and Samara), 5- and 6-day weeks, a school with its own terms and one with its own holiday.
``planted_district`` documents each planted problem where it plants it; the tests assert exactly
those. The benchmark reuses ``build_district`` with a full academic year and more students.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bridge.models import (
    AcademicYear,
    BellPeriod,
    ClassLesson,
    CurriculumLoad,
    Enrolment,
    EnrolmentStatus,
    Holiday,
    LessonSlot,
    NetworkCourse,
    School,
    SchoolRole,
    Student,
    Teacher,
    Term,
)

D = dt.date
T = dt.time

YEAR = (D(2026, 9, 1), D(2027, 5, 31))
FULL_YEAR_TERMS = [
    (D(2026, 9, 1), D(2026, 10, 25)),
    (D(2026, 11, 5), D(2026, 12, 28)),
    (D(2027, 1, 9), D(2027, 3, 21)),
    (D(2027, 3, 30), D(2027, 5, 26)),
]
FULL_YEAR_HOLIDAYS = [
    ("Осенние каникулы", D(2026, 10, 26), D(2026, 11, 4)),
    ("Зимние каникулы", D(2026, 12, 29), D(2027, 1, 8)),
    ("День защитника Отечества", D(2027, 2, 23), D(2027, 2, 23)),
    ("Международный женский день", D(2027, 3, 8), D(2027, 3, 8)),
    ("Весенние каникулы", D(2027, 3, 22), D(2027, 3, 29)),
]
SEPTEMBER = [(D(2026, 9, 1), D(2026, 9, 30))]
BELLS = [
    (T(8, 30), T(9, 15)), (T(9, 25), T(10, 10)), (T(10, 30), T(11, 15)), (T(11, 35), T(12, 20)),
    (T(12, 30), T(13, 15)), (T(13, 25), T(14, 10)), (T(14, 20), T(15, 5)), (T(15, 50), T(16, 35)),
]


@dataclass
class District:
    session: Session
    year: AcademicYear
    schools: dict[str, School] = field(default_factory=dict)
    teachers: dict[str, Teacher] = field(default_factory=dict)
    courses: dict[str, NetworkCourse] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)

    def school(self, key: str, *, role=SchoolRole.PARTICIPANT, tz="Europe/Moscow", week_days=5,
               name: str | None = None) -> School:
        s = School(external_id=key, name=name or f"МОУ СОШ «{key}»", short_name=name or f"СОШ {key}", role=role,
                   timezone=tz, week_days=week_days, address=f"ул. Школьная, {len(self.schools) + 1}")
        s.bell_periods = [BellPeriod(period=i, starts_at=a, ends_at=b) for i, (a, b) in enumerate(BELLS, 1)]
        self.session.add(s)
        self.schools[key] = s
        return s

    def teacher(self, key: str, school: str, last_name: str) -> Teacher:
        t = Teacher(external_id=key, school=self.schools[school], last_name=last_name, first_name="Анна",
                    middle_name="Петровна")
        self.session.add(t)
        self.teachers[key] = t
        return t

    def course(self, code: str, title: str, provider: str, teacher: str, slots: list[tuple[int, dt.time, int]],
               *, grades=(9, 11), hours=2) -> NetworkCourse:
        c = NetworkCourse(code=code, title=title, subject=title, subject_area="Естественные науки",
                          grade_from=grades[0], grade_to=grades[1], hours_per_week=hours,
                          provider_school=self.schools[provider], academic_year=self.year,
                          teachers=[self.teachers[teacher]])
        c.slots = [LessonSlot(weekday=w, starts_at=s, duration_minutes=m) for w, s, m in slots]
        self.session.add(c)
        self.courses[code] = c
        return c

    def student(self, key: str, school: str, grade: int, letter: str, *courses: str,
                last_name: str | None = None, starts_on: dt.date | None = None) -> Student:
        s = Student(external_id=key, school=self.schools[school], grade=grade, class_letter=letter,
                    last_name=last_name or f"Ученикова-{key}", first_name="Мария")
        self.session.add(s)
        for code in courses:
            self.enrol(s, code, starts_on=starts_on)
        self.students[key] = s
        return s

    def enrol(self, student: Student, code: str, *, status=EnrolmentStatus.ACTIVE,
              starts_on: dt.date | None = None) -> Enrolment:
        e = Enrolment(student=student, course=self.courses[code], status=status, starts_on=starts_on or YEAR[0])
        self.session.add(e)
        return e

    def _school_id(self, key: str | None) -> int | None:
        """Terms, holidays, class lessons and curricula have no relationship to School: they need its id."""
        if key is None:
            return None
        self.session.flush()
        return self.schools[key].id

    def class_lesson(self, school: str, grade: int, letter: str, weekday: int, period: int, subject: str) -> None:
        self.session.add(ClassLesson(school_id=self._school_id(school), grade=grade, class_letter=letter,
                                     weekday=weekday, period=period, subject=subject))

    def curriculum(self, school: str, grade: int, hours: int) -> None:
        self.session.add(CurriculumLoad(school_id=self._school_id(school), grade=grade, hours_per_week=hours))

    def holiday(self, name: str, starts_on: dt.date, ends_on: dt.date, school: str | None = None) -> None:
        self.session.add(Holiday(academic_year_id=self.year.id, school_id=self._school_id(school), name=name,
                                 starts_on=starts_on, ends_on=ends_on))

    def terms(self, terms: list[tuple[dt.date, dt.date]], school: str | None = None) -> None:
        for n, (a, b) in enumerate(terms, 1):
            self.session.add(Term(academic_year_id=self.year.id, school_id=self._school_id(school), number=n,
                                  name=f"{n} четверть", starts_on=a, ends_on=b))


def build_district(session: Session, *, terms=FULL_YEAR_TERMS, holidays=FULL_YEAR_HOLIDAYS) -> District:
    """Schools, teachers and courses (no students): the frame every test district shares."""
    year = AcademicYear(code="2026-2027", starts_on=YEAR[0], ends_on=YEAR[1])
    session.add(year)
    session.flush()
    d = District(session, year)
    d.school("base", role=SchoolRole.BASE, week_days=6, name="Базовая школа")
    d.school("rc-ekb", role=SchoolRole.RESOURCE_CENTRE, tz="Asia/Yekaterinburg")
    d.school("p1")
    d.school("p2", tz="Europe/Samara", week_days=6)
    d.terms(terms)
    for name, a, b in holidays:
        d.holiday(name, a, b)
    d.teacher("t1", "base", "Громова")
    d.teacher("t2", "rc-ekb", "Физикова")
    d.teacher("t3", "base", "Химичева")
    # Tuesdays 15:30 Moscow; INFO-9 (same teacher t1) starts 16:00 on Tuesdays: t1 teaches two at once.
    d.course("MATH-10", "Математика: профильный уровень", "base", "t1", [(2, T(15, 30), 40)], grades=(10, 11), hours=3)
    d.course("INFO-9", "Информатика и программирование", "base", "t1", [(2, T(16, 0), 40)], grades=(9, 9), hours=1)
    # Wednesdays 16:00 in Yekaterinburg = 14:00 Moscow = 15:00 Samara.
    d.course("PHYS-9", "Физика: олимпиадная подготовка", "rc-ekb", "t2", [(3, T(16, 0), 40)], grades=(9, 9), hours=2)
    d.course("CHEM-11", "Химия в задачах", "base", "t3", [(4, T(15, 0), 40)], grades=(11, 11), hours=2)
    session.flush()
    return d


def planted_district(session: Session, *, terms=SEPTEMBER) -> District:
    """The frame plus students, class timetables, curricula and every planted problem.

    With the default one-month term the lessons are: MATH-10 and INFO-9 on Tuesdays 1, 8, 15, 22, 29,
    PHYS-9 on Wednesdays 2, 9, 16, 23, 30, CHEM-11 on Thursdays 3, 10, 17, 24 September 2026.
    """
    d = build_district(session, terms=terms, holidays=[("Тестовый праздник", D(2026, 9, 25), D(2026, 9, 25))])
    d.holiday("День школы", D(2026, 9, 16), D(2026, 9, 16), school="p1")  # p1's own day off, a Wednesday
    d.terms([(D(2026, 9, 1), D(2026, 9, 20))], school="p2")  # p2's own term ends early: no class lessons after

    # p1 9А has physics in period 7 on Wednesdays (14:20-15:05 Moscow): PHYS-9 (14:00-14:40 Moscow) clashes.
    # Period 5 (12:30-13:15) does not.
    d.class_lesson("p1", 9, "А", 3, 5, "Литература")
    d.class_lesson("p1", 9, "А", 3, 7, "Физика")
    # p1 9Б only has morning lessons on Wednesdays.
    for period in range(1, 6):
        d.class_lesson("p1", 9, "Б", 3, period, "Русский язык")
    # p2 (Samara) 9А period 7 = 14:20-15:05 Samara = 13:20-14:05 Moscow: overlaps PHYS-9 by five minutes,
    # which comparing wall-clock times without zones would miss.
    d.class_lesson("p2", 9, "А", 3, 7, "Химия")
    # p2 9Б period 8 = 15:50 Samara = 14:50 Moscow, after PHYS-9 ends; on wall clocks it would look like 16:00.
    d.class_lesson("p2", 9, "Б", 3, 8, "Биология")
    d.class_lesson("p1", 10, "А", 2, 7, "Алгебра")  # 14:20-15:05, before MATH-10 at 15:30

    d.curriculum("p1", 9, 31)
    d.curriculum("p1", 10, 31)
    d.curriculum("p2", 9, 34)

    d.student("clash", "p1", 9, "А", "PHYS-9", "INFO-9")  # class clash; 31+2+1 = 34 > 33: overloaded
    d.student("ok", "p1", 9, "Б", "PHYS-9")  # only p1's day off; 31+2 = 33, at the limit
    d.student("late", "p1", 9, "А", "PHYS-9", starts_on=D(2026, 9, 20))  # clashes only from the 20th
    withdrawn = d.student("withdrawn", "p1", 9, "Б", "PHYS-9")  # a withdrawn course counts for nothing
    d.enrol(withdrawn, "INFO-9", status=EnrolmentStatus.WITHDRAWN)
    d.student("samara", "p2", 9, "А", "PHYS-9")  # 5-minute clash on p2's term days; 34+2 = 36 (6-day limit)
    d.student("samara2", "p2", 9, "Б", "PHYS-9", "INFO-9")  # no clash; 34+2+1 = 37 > 36: overloaded
    d.student("math", "p1", 10, "А", "MATH-10")  # the MATH-10 lesson moved onto the district holiday
    d.student("ekb", "rc-ekb", 11, "А", "CHEM-11")  # rc-ekb has no curriculum: not checked
    session.flush()
    return d

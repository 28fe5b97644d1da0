"""Where network lessons clash with the schools' own calendars and daily regimes.

Three checks, each comparing real instants (a network lesson is set in the provider school's zone,
a class lesson in the home school's zone by its bell schedule):

- a student's network lesson overlaps a lesson of their own class at their home school (only on
  the home school's teaching days: inside its terms, not on its holidays);
- a network lesson falls on a holiday of the student's home school (its own or the district's);
- a teacher has two lessons at once (overlapping, whatever their courses).

Cancelled lessons count for nothing; a student's lessons count from the start to the end of the
enrolment. Findings are grouped by what clashes with what, each with its dates.

The whole registry is checked, or one school (its students' clashes and its teachers' double
lessons) or one student (their clashes only); a scope narrows what is read from the database, so a
school's or a student's check costs only their share. The check reads plain rows, not ORM objects:
each lesson's instant is worked out once, and once more per home school zone that needs it (its
local day and times there, its lessons grouped by local weekday and times); a student's class
lessons are looked up by (school, class, weekday), so each enrolment meets only the lessons that
can clash with its class's periods and the days that are its school's holidays.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bridge.calendar.days import SchoolDays, SchoolDaysCache
from bridge.models import (
    BellPeriod,
    ClassLesson,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    NetworkCourse,
    PersonMixin,
    School,
    ScheduleStatus,
    Student,
    Teacher,
)


class ConflictKind(enum.StrEnum):
    CLASS_LESSON = "class_lesson"
    HOME_HOLIDAY = "home_holiday"
    TEACHER_OVERLAP = "teacher_overlap"


KIND_TEXT = {
    ConflictKind.CLASS_LESSON: "урок своего класса",
    ConflictKind.HOME_HOLIDAY: "выходной в своей школе",
    ConflictKind.TEACHER_OVERLAP: "два занятия сразу",
}


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    school: str  # external id of the home school (students) or the teacher's school
    school_name: str
    person: str  # external id of the student or teacher
    person_name: str
    course: str
    detail: str  # the class lesson, the holiday, or the other course
    dates: tuple[dt.date, ...]

    def as_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind.value, "dates": [d.isoformat() for d in self.dates]}


_full_name = PersonMixin.full_name.fget  # the models' rule, applied to plain rows
_MIDNIGHT = dt.time()


def _since_midnight(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


@dataclass
class _Lesson:
    date: dt.date  # the stored (provider's local) date
    start: dt.datetime  # aware, in the provider school's zone
    end: dt.datetime
    start_ts: float  # the same instants as POSIX timestamps, for the teachers' sweep
    end_ts: float


@dataclass
class _LocalView:
    """One course's lessons as seen from one home school zone (lesson index = position in the course)."""

    by_day: dict[dt.date, list[int]] = field(default_factory=lambda: defaultdict(list))
    # (ISO weekday, local start time, local end as time since that day's midnight) → [(index, local day)]
    by_time: dict[tuple[int, dt.time, dt.timedelta], list[tuple[int, dt.date]]] = field(
        default_factory=lambda: defaultdict(list)
    )


class _Lessons:
    """The lessons of each course in order, their instants computed once, local views on demand."""

    def __init__(self) -> None:
        self.of: dict[int, list[_Lesson]] = defaultdict(list)
        self._zones: dict[str, ZoneInfo] = {}
        self._views: dict[tuple[int, str], _LocalView] = {}

    def zone(self, name: str) -> ZoneInfo:
        tz = self._zones.get(name)
        if tz is None:
            tz = self._zones[name] = ZoneInfo(name)
        return tz

    def add(self, course_id: int, date: dt.date, starts_at: dt.time, minutes: int, timezone: str) -> None:
        start = dt.datetime.combine(date, starts_at, self.zone(timezone))
        end = start + dt.timedelta(minutes=minutes)
        self.of[course_id].append(_Lesson(date, start, end, start.timestamp(), end.timestamp()))

    def view(self, course_id: int, timezone: str) -> _LocalView:
        key = (course_id, timezone)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = _LocalView()
            tz = self.zone(timezone)
            for index, lesson in enumerate(self.of.get(course_id, ())):
                # Both in the home zone: compared as its wall-clock times, as the bell schedule is.
                start = lesson.start.astimezone(tz).replace(tzinfo=None)
                end = lesson.end.astimezone(tz).replace(tzinfo=None)
                day = start.date()
                view.by_day[day].append(index)
                view.by_time[(day.isoweekday(), start.time(), end - dt.datetime.combine(day, _MIDNIGHT))].append(
                    (index, day)
                )
        return view


class _Calendar:
    """A home school's teaching days in one year, each day's answer worked out once."""

    def __init__(self, days: SchoolDays) -> None:
        self.holidays = days.holidays
        self._days = days
        self._teaching: dict[dt.date, bool] = {}

    def teaching(self, day: dt.date) -> bool:
        answer = self._teaching.get(day)
        if answer is None:
            answer = self._teaching[day] = day not in self.holidays and self._days.in_term(day)
        return answer


def find_conflicts(session: Session, *, school_id: int | None = None, student_id: int | None = None) -> list[Conflict]:
    """Every clash in the registry; with ``school_id`` those of that school (its students' and its
    teachers'), with ``student_id`` that student's (no teachers'). Both given: both must hold."""
    student_scope = [Enrolment.status == EnrolmentStatus.ACTIVE]
    if school_id is not None:
        student_scope.append(Student.school_id == school_id)
    if student_id is not None:
        student_scope.append(Enrolment.student_id == student_id)
    with_teachers = student_id is None
    teacher_scope = [] if school_id is None else [Teacher.school_id == school_id]

    query = (
        select(Lesson.course_id, Lesson.date, Lesson.starts_at, Lesson.duration_minutes, Lesson.timezone)
        .where(Lesson.status != ScheduleStatus.CANCELLED)
        .order_by(Lesson.date, Lesson.starts_at)
    )
    if school_id is not None or student_id is not None:
        courses = [Lesson.course_id.in_(
            select(Enrolment.course_id).join(Student, Student.id == Enrolment.student_id).where(*student_scope))]
        if with_teachers:
            courses.append(Lesson.course_id.in_(
                select(CourseTeacher.course_id).join(Teacher, Teacher.id == CourseTeacher.teacher_id)
                .where(*teacher_scope)))
        query = query.where(or_(*courses))
    lessons = _Lessons()
    for row in session.execute(query):
        lessons.add(*row)

    found = _student_conflicts(session, lessons, student_scope, school_id, student_id)
    if with_teachers:
        found += _teacher_conflicts(session, lessons, teacher_scope)
    return sorted(found, key=lambda c: (c.school, c.kind, c.person, c.course, c.detail))


def _class_periods(
    session: Session, school_id: int | None, student_id: int | None
) -> dict[tuple[int, int, str], dict[int, list[tuple[dt.time, dt.timedelta, str]]]]:
    """(school, grade, class letter) → weekday → [(bell start since midnight, bell end, "N урок: subject")],
    by period; a lesson whose period has no bell time cannot be placed in time and is left out."""
    bells = select(BellPeriod.school_id, BellPeriod.period, BellPeriod.starts_at, BellPeriod.ends_at)
    lessons = select(ClassLesson.school_id, ClassLesson.grade, ClassLesson.class_letter, ClassLesson.weekday,
                     ClassLesson.period, ClassLesson.subject).order_by(ClassLesson.period)
    if student_id is not None:  # the student's own class only
        student = select(Student.school_id, Student.grade, Student.class_letter).where(Student.id == student_id)
        home = session.execute(student).first()
        if home is None:
            return {}
        bells = bells.where(BellPeriod.school_id == home.school_id)
        lessons = lessons.where(ClassLesson.school_id == home.school_id, ClassLesson.grade == home.grade,
                                ClassLesson.class_letter == home.class_letter)
    elif school_id is not None:
        bells = bells.where(BellPeriod.school_id == school_id)
        lessons = lessons.where(ClassLesson.school_id == school_id)
    times = {(school, period): (starts, ends) for school, period, starts, ends in session.execute(bells)}
    table: dict = defaultdict(lambda: defaultdict(list))
    for school, grade, letter, weekday, period, subject in session.execute(lessons):
        bell = times.get((school, period))
        if bell is not None:
            detail = f"{period} урок" + (f": {subject}" if subject else "")
            table[(school, grade, letter)][weekday].append((_since_midnight(bell[0]), bell[1], detail))
    return table


def _student_conflicts(
    session: Session, lessons: _Lessons, scope: list, school_id: int | None, student_id: int | None
) -> list[Conflict]:
    enrolments = session.execute(
        select(Enrolment.course_id, Enrolment.starts_on, Enrolment.ends_on, Student.school_id, Student.grade,
               Student.class_letter, Student.external_id, Student.last_name, Student.first_name,
               Student.middle_name, NetworkCourse.code, NetworkCourse.academic_year_id)
        .join(Student, Student.id == Enrolment.student_id)
        .join(NetworkCourse, NetworkCourse.id == Enrolment.course_id)
        .where(*scope)
    ).all()
    if not enrolments:
        return []
    periods = _class_periods(session, school_id, student_id)
    schools_query = select(School.id, School.external_id, School.short_name, School.timezone)
    home_ids = {e.school_id for e in enrolments}
    if len(home_ids) == 1:
        schools_query = schools_query.where(School.id == next(iter(home_ids)))
    schools = {row.id: row for row in session.execute(schools_query)}
    days = SchoolDaysCache(session)
    calendars: dict[tuple[int, int], _Calendar] = {}
    # Students of one class in one course share every clash: work it out once per class.
    hits_of: dict[tuple[int, int, int, str], list[tuple[int, ConflictKind, str, dt.date]]] = {}
    found = []
    for e in enrolments:
        group = (e.course_id, e.school_id, e.grade, e.class_letter)
        hits = hits_of.get(group)
        if hits is None:
            home = schools[e.school_id]
            calendar = calendars.get((e.academic_year_id, e.school_id))
            if calendar is None:
                calendar = calendars[(e.academic_year_id, e.school_id)] = _Calendar(
                    days(e.academic_year_id, e.school_id))
            hits = hits_of[group] = _clashes(
                lessons.view(e.course_id, home.timezone), calendar, periods.get(group[1:], {}))
        if not hits:
            continue
        clashes: dict[tuple[ConflictKind, str], list[dt.date]] = defaultdict(list)
        for _, kind, detail, day in hits:
            if e.starts_on <= day and (e.ends_on is None or day <= e.ends_on):
                clashes[(kind, detail)].append(day)
        home = schools[e.school_id]
        for (kind, detail), dates in clashes.items():
            found.append(Conflict(kind, home.external_id, home.short_name, e.external_id, _full_name(e), e.code,
                                  detail, tuple(dates)))
    return found


def _clashes(
    view: _LocalView, calendar: _Calendar, timetable: dict[int, list[tuple[dt.timedelta, dt.time, str]]]
) -> list[tuple[int, ConflictKind, str, dt.date]]:
    """(lesson index, kind, detail, home-local day) of one course against one class, in lesson order."""
    hits = []
    for day in calendar.holidays.keys() & view.by_day.keys():
        name = calendar.holidays[day]
        hits += [(index, ConflictKind.HOME_HOLIDAY, name, day) for index in view.by_day[day]]
    if timetable:
        for (weekday, starts, ends), members in view.by_time.items():
            clashing = [detail for bell_starts, bell_ends, detail in timetable.get(weekday, ())
                        if starts < bell_ends and bell_starts < ends]
            if clashing:
                for index, day in members:
                    if calendar.teaching(day):
                        hits += [(index, ConflictKind.CLASS_LESSON, detail, day) for detail in clashing]
    hits.sort(key=itemgetter(0))  # stable: a lesson's periods stay in period order
    return hits


def _teacher_conflicts(session: Session, lessons: _Lessons, scope: list) -> list[Conflict]:
    courses_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for teacher_id, course_id, code in session.execute(
        select(CourseTeacher.teacher_id, CourseTeacher.course_id, NetworkCourse.code)
        .join(NetworkCourse, NetworkCourse.id == CourseTeacher.course_id)
        .join(Teacher, Teacher.id == CourseTeacher.teacher_id)
        .where(*scope)
    ):
        courses_of[teacher_id].append((course_id, code))
    start = itemgetter(0)
    overlapping: dict[int, dict[tuple[str, str], list[dt.date]]] = {}
    for teacher_id, courses in courses_of.items():
        timed = sorted(((t.start_ts, t.end_ts, code, t.date) for c, code in courses for t in lessons.of.get(c, ())),
                       key=start)
        clashes: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for i, (_, first_end, first_code, first_date) in enumerate(timed):
            for j in range(i + 1, len(timed)):
                second_start, _, second_code, _ = timed[j]
                if second_start >= first_end:
                    break
                a, b = sorted((first_code, second_code))
                clashes[(a, b)].append(first_date)
        if clashes:
            overlapping[teacher_id] = clashes
    if not overlapping:
        return []
    teachers = {row.id: row for row in session.execute(
        select(Teacher.id, Teacher.external_id, Teacher.last_name, Teacher.first_name, Teacher.middle_name,
               School.external_id.label("school"), School.short_name)
        .join(School, School.id == Teacher.school_id)
        .where(*scope)
    )}
    found = []
    for teacher_id, clashes in overlapping.items():
        teacher = teachers[teacher_id]
        for (a, b), dates in clashes.items():
            found.append(
                Conflict(ConflictKind.TEACHER_OVERLAP, teacher.school, teacher.short_name, teacher.external_id,
                         _full_name(teacher), a, f"одновременно с {b}", tuple(sorted(set(dates))))
            )
    return found

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
lessons) or one student (their clashes only); the scope narrows what is read from the database, so
a school's or a student's check costs only their share. The check reads plain rows, not ORM
objects. Each lesson's instant is worked out once, and its local day and times once per home school
zone; a course's lessons are grouped by local weekday and times, so a class's periods are compared
once per group, and a school's holidays are met by intersecting its holiday days with the days the
course's lessons fall on. Each teaching-day answer is worked out once per calendar and day; schools
with no terms or holidays of their own share the district's calendar. What a course meets at a
school is worked out once for all its students there (holidays) or in one class (class lessons);
each enrolment then keeps the dates within it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import asdict, dataclass
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bridge.calendar.days import SchoolDays, SchoolDaysCache
from bridge.models import (
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    Holiday,
    Lesson,
    NetworkCourse,
    PersonMixin,
    School,
    ScheduleStatus,
    Student,
    Teacher,
    Term,
)
from bridge.timetable import Periods, class_periods, clashing_periods


class ConflictKind(enum.StrEnum):
    CLASS_LESSON = "class_lesson"
    HOME_HOLIDAY = "home_holiday"
    TEACHER_OVERLAP = "teacher_overlap"


# The console's words for each kind (the CLI words them in English itself).
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
_CHUNK = 500  # ids per IN (...) when reading the people found

# A lesson as stored: its local date, start, length and the provider school's zone.
_Wall = tuple[dt.date, dt.time, int, str]
# Where a lesson lies in a home school's zone: its local day and (ISO weekday, local start time,
# local end as time since that day's midnight): what the bell schedule is compared with.
_Local = tuple[dt.date, tuple[int, dt.time, dt.timedelta]]


class _View:
    """One course's lessons seen from one home school zone: each lesson's place there, in course order
    (a lesson's index is its place in the course), the days they fall on, and on demand the lessons
    by (weekday, times)."""

    def __init__(self, places: list[_Local]) -> None:
        self.places = places
        self.days = {day for day, _ in places}
        self._by_time: dict[tuple[int, dt.time, dt.timedelta], list[tuple[int, dt.date]]] | None = None

    @property
    def by_time(self) -> dict[tuple[int, dt.time, dt.timedelta], list[tuple[int, dt.date]]]:
        if self._by_time is None:
            self._by_time = defaultdict(list)
            for index, (day, at) in enumerate(self.places):
                self._by_time[at].append((index, day))
        return self._by_time


class _Lessons:
    """The lessons of each course in order. Lessons of many courses share their date, time and zone,
    so each such instant, and its place in each home zone, is worked out once."""

    def __init__(self) -> None:
        self.of: dict[int, list[_Wall]] = defaultdict(list)
        self._zones: dict[str, ZoneInfo] = {}
        self._instants: dict[_Wall, tuple[dt.datetime, dt.datetime, float, float]] = {}
        self._places: dict[str, dict[_Wall, _Local]] = defaultdict(dict)  # home zone → lesson → place
        self._views: dict[tuple[int, str], _View] = {}

    def zone(self, name: str) -> ZoneInfo:
        tz = self._zones.get(name)
        if tz is None:
            tz = self._zones[name] = ZoneInfo(name)
        return tz

    def instants(self, wall: _Wall) -> tuple[dt.datetime, dt.datetime, float, float]:
        """Aware start and end in the provider's zone, and both as POSIX timestamps."""
        known = self._instants.get(wall)
        if known is None:
            date, starts_at, minutes, timezone = wall
            start = dt.datetime.combine(date, starts_at, self.zone(timezone))
            end = start + dt.timedelta(minutes=minutes)
            known = self._instants[wall] = (start, end, start.timestamp(), end.timestamp())
        return known

    def _place(self, wall: _Wall, timezone: str) -> _Local:
        start, end, _, _ = self.instants(wall)
        tz = self.zone(timezone)
        # Both in the home zone, compared as its wall-clock times, as the bell schedule is.
        start, end = start.astimezone(tz).replace(tzinfo=None), end.astimezone(tz).replace(tzinfo=None)
        day = start.date()
        place = self._places[timezone][wall] = (
            day, (day.isoweekday(), start.time(), end - dt.datetime.combine(day, _MIDNIGHT)))
        return place

    def view(self, course_id: int, timezone: str) -> _View:
        key = (course_id, timezone)
        view = self._views.get(key)
        if view is None:
            known, place = self._places[timezone].get, self._place
            view = self._views[key] = _View(
                [known(wall) or place(wall, timezone) for wall in self.of.get(course_id, ())])
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


class _Calendars:
    """The calendar of each (year, home school). A school with no terms and no holidays of its own in
    a year keeps the district's (bridge.calendar.days): those schools share one, read once."""

    def __init__(self, session: Session, school_id: int | None) -> None:
        own = []
        for model in (Term, Holiday):
            query = select(model.academic_year_id, model.school_id).where(model.school_id.is_not(None)).distinct()
            if school_id is not None:
                query = query.where(model.school_id == school_id)
            own += session.execute(query).all()
        self._own = {(year, school) for year, school in own}
        self._days = SchoolDaysCache(session)
        self._known: dict[tuple[int, int | None], _Calendar] = {}

    def key(self, academic_year_id: int, school_id: int) -> tuple[int, int | None]:
        return (academic_year_id, school_id if (academic_year_id, school_id) in self._own else None)

    def __call__(self, key: tuple[int, int | None]) -> _Calendar:
        calendar = self._known.get(key)
        if calendar is None:
            calendar = self._known[key] = _Calendar(self._days(*key))
        return calendar


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

    courses = select(NetworkCourse.id, NetworkCourse.code, NetworkCourse.academic_year_id)
    lessons_query = (
        select(Lesson.date, Lesson.starts_at, Lesson.duration_minutes, Lesson.timezone, Lesson.course_id)
        .where(Lesson.status != ScheduleStatus.CANCELLED)
        .order_by(Lesson.date, Lesson.starts_at)
    )
    if school_id is not None or student_id is not None:
        ids = [select(Enrolment.course_id).join(Student, Student.id == Enrolment.student_id).where(*student_scope)]
        if with_teachers:
            ids.append(select(CourseTeacher.course_id).join(Teacher, Teacher.id == CourseTeacher.teacher_id)
                       .where(*teacher_scope))
        courses = courses.where(or_(*(NetworkCourse.id.in_(q) for q in ids)))
        lessons_query = lessons_query.where(or_(*(Lesson.course_id.in_(q) for q in ids)))
    course_rows = {row.id: row for row in session.execute(courses)}
    lessons = _Lessons()
    of = lessons.of
    for date, starts_at, minutes, timezone, course_id in session.execute(lessons_query):
        of[course_id].append((date, starts_at, minutes, timezone))

    found = _student_conflicts(session, lessons, course_rows, student_scope, school_id, student_id)
    if with_teachers:
        found += _teacher_conflicts(session, lessons, course_rows, teacher_scope)
    return sorted(found, key=lambda c: (c.school, c.kind, c.person, c.course, c.detail))


# What a course meets at a home school: kind, detail, its days in lesson order, the first and last of them.
_Meet = tuple[ConflictKind, str, tuple[dt.date, ...], dt.date, dt.date]
_Meets = list[_Meet]
_Pairs = list[tuple[int, dt.date]]  # (lesson index, the home school's day), in lesson order


def _student_conflicts(
    session: Session, lessons: _Lessons, courses: dict, scope: list, school_id: int | None, student_id: int | None
) -> list[Conflict]:
    enrolments = session.execute(
        select(Enrolment.student_id, Enrolment.course_id, Enrolment.starts_on, Enrolment.ends_on,
               Student.school_id, Student.grade, Student.class_letter)
        .join(Student, Student.id == Enrolment.student_id)
        .where(*scope)
    ).all()
    if not enrolments:
        return []
    periods = class_periods(session, school_id, student_id)
    schools_query = select(School.id, School.external_id, School.short_name, School.timezone)
    home_ids = {e.school_id for e in enrolments}
    if len(home_ids) == 1:
        schools_query = schools_query.where(School.id.in_(home_ids))
    schools = {row.id: row for row in session.execute(schools_query)}
    calendars = _Calendars(session, next(iter(home_ids)) if len(home_ids) == 1 else None)
    # Worked out once: a course's holidays per (course, zone, calendar); its lessons at one weekday and
    # times that fall on teaching days per (course, zone, calendar, weekday and times); its class
    # lessons per (course, school, class), only for classes with a timetable.
    holidays_of: dict[tuple, _Meets] = {}
    teaching_of: dict[tuple, tuple] = {}  # () when none
    classes_of: dict[tuple[int, int, int, str], _Meets] = {}
    found: list[tuple[int, int, ConflictKind, str, tuple[dt.date, ...]]] = []
    for student, course_id, starts_on, ends_on, home_id, grade, letter in enrolments:
        timezone = schools[home_id].timezone
        calendar_key = calendars.key(courses[course_id].academic_year_id, home_id)
        key = (course_id, timezone, calendar_key)
        meets = holidays_of.get(key)
        if meets is None:
            meets = holidays_of[key] = _holidays(lessons.view(course_id, timezone), calendars(calendar_key))
        timetable = periods.get((home_id, grade, letter))
        if timetable:
            group = (course_id, home_id, grade, letter)
            in_class = classes_of.get(group)
            if in_class is None:
                in_class = classes_of[group] = _class_lessons(
                    lessons.view(course_id, timezone), calendars(calendar_key), timetable, teaching_of, key)
            meets = meets + in_class
        for kind, detail, days, first, last in meets:
            if starts_on <= first and (ends_on is None or last <= ends_on):
                mine = days
            else:
                mine = tuple(d for d in days if starts_on <= d and (ends_on is None or d <= ends_on))
            if mine:
                found.append((student, course_id, kind, detail, mine))
    if not found:
        return []
    ids = sorted({student for student, *_ in found})
    people = {}
    for i in range(0, len(ids), _CHUNK):
        people.update((row.id, row) for row in session.execute(
            select(Student.id, Student.school_id, Student.external_id, Student.last_name, Student.first_name,
                   Student.middle_name).where(Student.id.in_(ids[i : i + _CHUNK]))))
    conflicts = []
    for student, course_id, kind, detail, dates in found:
        person = people[student]
        home = schools[person.school_id]
        conflicts.append(Conflict(kind, home.external_id, home.short_name, person.external_id, _full_name(person),
                                  courses[course_id].code, detail, dates))
    return conflicts


def _dates(pairs: _Pairs) -> tuple[tuple[dt.date, ...], dt.date, dt.date]:
    days = tuple(day for _, day in pairs)
    return days, min(days), max(days)


def _meets(kind: ConflictKind, detail: str, pairs: _Pairs) -> _Meet:
    return kind, detail, *_dates(pairs)


def _holidays(view: _View, calendar: _Calendar) -> _Meets:
    """The course's lessons on the home school's holidays, per holiday."""
    holidays = calendar.holidays
    if holidays.keys().isdisjoint(view.days):
        return []
    on: dict[str, _Pairs] = defaultdict(list)
    for index, (day, _) in enumerate(view.places):
        name = holidays.get(day)
        if name is not None:
            on[name].append((index, day))
    return [_meets(ConflictKind.HOME_HOLIDAY, name, pairs) for name, pairs in on.items()]


def _class_lessons(
    view: _View, calendar: _Calendar, timetable: dict[int, Periods],
    teaching_of: dict, key: tuple,
) -> _Meets:
    """The course's lessons that overlap a period of the class on a teaching day, per period (a lesson
    over two periods meets both). The lessons of one local weekday and times are compared with that
    weekday's periods once, and which of them fall on teaching days is shared by every class."""
    parts: dict[str, list[tuple[tuple[dt.date, ...], dt.date, dt.date, _Pairs]]] = defaultdict(list)
    for at, members in view.by_time.items():
        weekday, starts, ends = at
        periods = timetable.get(weekday)
        if not periods:
            continue
        clashing = clashing_periods(periods, starts, ends)
        if clashing:
            teaching = teaching_of.get((key, at))
            if teaching is None:
                pairs = [(index, day) for index, day in members if calendar.teaching(day)]
                teaching = teaching_of[(key, at)] = (*_dates(pairs), pairs) if pairs else ()
            if teaching:
                for detail in clashing:
                    parts[detail].append(teaching)
    meets = []
    for detail, found in parts.items():
        if len(found) == 1:
            meets.append((ConflictKind.CLASS_LESSON, detail, *found[0][:3]))
        else:  # the same period on lessons of several weekdays or times: back in lesson order
            meets.append(_meets(ConflictKind.CLASS_LESSON, detail, sorted(p for *_, pairs in found for p in pairs)))
    return meets


def _teacher_conflicts(session: Session, lessons: _Lessons, courses: dict, scope: list) -> list[Conflict]:
    courses_of: dict[int, list[int]] = defaultdict(list)
    for teacher_id, course_id in session.execute(
        select(CourseTeacher.teacher_id, CourseTeacher.course_id)
        .join(Teacher, Teacher.id == CourseTeacher.teacher_id)
        .where(*scope)
    ):
        courses_of[teacher_id].append(course_id)
    instants, start = lessons.instants, itemgetter(0)
    overlapping: dict[int, dict[tuple[str, str], list[dt.date]]] = {}
    for teacher_id, course_ids in courses_of.items():
        timed = []
        for course_id in course_ids:
            code = courses[course_id].code
            timed += [(*instants(wall)[2:], code, wall[0]) for wall in lessons.of.get(course_id, ())]
        timed.sort(key=start)
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
                         _full_name(teacher), a, b, tuple(sorted(set(dates))))
            )
    return found

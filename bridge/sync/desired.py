"""The desired Moodle state, computed from the registry: every item of the kinds in
:mod:`bridge.sync.items`. The timetable's kinds (attendance, attendance_session, event) are built in
:mod:`bridge.sync.desired_schedule`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import (
    AcademicYear,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    LessonSlot,
    NetworkCourse,
    School,
    Student,
    Teacher,
)
from bridge.sync.desired_schedule import add_schedule_items
from bridge.sync.items import DesiredState, Ref
from config.settings import Settings, SyncSettings

WEEKDAYS_RU = {1: "Пн", 2: "Вт", 3: "Ср", 4: "Чт", 5: "Пт", 6: "Сб", 7: "Вс"}


# ICAO Doc 9303 transliteration, the one Russian passports use since 2014.
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
})
_NOT_USERNAME = re.compile(r"[^a-z0-9_.@-]+")


def translit(text: str) -> str:
    """Lower-case Latin letters Moodle accepts in a username (a-z, 0-9, _ . @ -)."""
    return _NOT_USERNAME.sub("", text.lower().translate(_TRANSLIT).replace(" ", "-"))


def username(rule: str, last: str, first: str, external_id: str) -> str:
    t_first = translit(first)
    return rule.format(last=translit(last), first=t_first, f=t_first[:1], id=translit(external_id))


@functools.lru_cache(maxsize=4096)  # a district has few distinct enrolment dates
def _epoch(day: dt.date | None, tz: ZoneInfo, end_of_day: bool = False) -> int:
    if day is None:
        return 0
    t = dt.time(23, 59, 59) if end_of_day else dt.time(0, 0)
    return int(dt.datetime.combine(day, t, tzinfo=tz).timestamp())


def compute_desired(session: Session, settings: Settings, today: dt.date | None = None) -> DesiredState:
    """Read the registry with a few bulk queries and build every desired item; ``today`` (default: the
    district's) starts the window of attendance sessions."""
    cfg: SyncSettings = settings.sync
    tz = ZoneInfo(settings.district.timezone)
    state = DesiredState()

    schools = {sid: (ext, short, name) for sid, ext, short, name in session.execute(
        select(School.id, School.external_id, School.short_name, School.name))}
    years = {yid: (code, start, end) for yid, code, start, end in session.execute(
        select(AcademicYear.id, AcademicYear.code, AcademicYear.starts_on, AcademicYear.ends_on))}

    teachers = session.execute(select(Teacher.id, Teacher.external_id, Teacher.last_name, Teacher.first_name,
                                      Teacher.middle_name, Teacher.email, Teacher.school_id)).all()
    students = session.execute(select(Student.id, Student.external_id, Student.last_name, Student.first_name,
                                      Student.middle_name, Student.email, Student.school_id, Student.grade,
                                      Student.class_letter)).all()
    course_rows = session.execute(select(
        NetworkCourse.id, NetworkCourse.code, NetworkCourse.title, NetworkCourse.grade_from, NetworkCourse.grade_to,
        NetworkCourse.provider_school_id, NetworkCourse.academic_year_id)).all()
    slots: dict[int, list[tuple[int, dt.time, int]]] = {}
    for cid, wd, start, dur in session.execute(select(
            LessonSlot.course_id, LessonSlot.weekday, LessonSlot.starts_at, LessonSlot.duration_minutes)
            .order_by(LessonSlot.course_id, LessonSlot.weekday, LessonSlot.starts_at)):
        slots.setdefault(cid, []).append((wd, start, dur))
    course_teachers: dict[int, list[int]] = {}
    for cid, tid in session.execute(select(CourseTeacher.course_id, CourseTeacher.teacher_id)
                                    .order_by(CourseTeacher.course_id, CourseTeacher.teacher_id)):
        course_teachers.setdefault(cid, []).append(tid)

    # People: one Moodle user each; institution = home school, department = class.
    teacher_ext: dict[int, str] = {}
    teacher_names: dict[int, str] = {}
    for tid, ext, last, first, middle, email, school_id in teachers:
        teacher_ext[tid] = ext
        teacher_names[tid] = " ".join(p for p in (last, first, middle) if p)
        state.add("user", ext, _user_fields(cfg, ext, last, first, middle, email, schools[school_id][1], "", settings))
    student_ext: dict[int, tuple[str, int]] = {}
    for sid, ext, last, first, middle, email, school_id, grade, letter in students:
        student_ext[sid] = (ext, school_id)
        state.add("user", ext, _user_fields(
            cfg, ext, last, first, middle, email, schools[school_id][1], f"{grade}{letter}", settings))

    # A cohort per school with its people.
    for school_id, (ext, short, name) in schools.items():
        state.add("cohort", ext, {"name": name, "idnumber": f"netcourses-school-{ext}"})
    for tid, ext, *_rest, school_id in teachers:
        state.add("cohort_member", f"{schools[school_id][0]}/{ext}",
                  {"cohort": Ref("cohort", schools[school_id][0]), "user": Ref("user", ext)})
    for sid, (ext, school_id) in student_ext.items():
        state.add("cohort_member", f"{schools[school_id][0]}/{ext}",
                  {"cohort": Ref("cohort", schools[school_id][0]), "user": Ref("user", ext)})

    # A category per academic year that has courses; a course per network course.
    course_code: dict[int, str] = {}
    for cid, code, title, g_from, g_to, provider_id, year_id in course_rows:
        year_code, y_start, y_end = years[year_id]
        if year_code not in state.items["category"]:
            state.add("category", year_code, {
                "name": cfg.category_name.format(year=year_code),
                "idnumber": cfg.category_idnumber.format(year=year_code)})
        course_code[cid] = code
        grades = f"{g_from} класс" if g_from == g_to else f"{g_from}–{g_to} классы"
        names = [teacher_names[t] for t in course_teachers.get(cid, [])]
        schedule = ", ".join(f"{WEEKDAYS_RU[wd]} {start.strftime('%H:%M')} ({dur} мин)"
                             for wd, start, dur in slots.get(cid, []))
        summary = (f"<p>Сетевой курс. Школа: {schools[provider_id][2]}.</p>"
                   f"<p>Педагог: {', '.join(names) or '—'}.</p><p>Расписание: {schedule or '—'}.</p>")
        state.add("course", code, {
            "fullname": f"{title}, {grades}", "shortname": cfg.course_shortname.format(code=code),
            "idnumber": code, "category": Ref("category", year_code), "summary": summary,
            "startdate": _epoch(y_start, tz), "enddate": _epoch(y_end, tz, end_of_day=True), "visible": 1,
        })
        for tid in course_teachers.get(cid, []):
            state.add("enrolment", f"{code}/{teacher_ext[tid]}", {
                "course": Ref("course", code), "user": Ref("user", teacher_ext[tid]),
                "role": cfg.teacher_role_id, "timestart": _epoch(y_start, tz), "timeend": 0, "suspended": False})

    # Students: enrolment with dates and status; a group per home school inside the course.
    enrolments = session.execute(select(
        Enrolment.student_id, Enrolment.course_id, Enrolment.status, Enrolment.starts_on, Enrolment.ends_on)
        .order_by(Enrolment.course_id, Enrolment.student_id)).all()
    for student_id, cid, status, starts_on, ends_on in enrolments:
        code = course_code[cid]
        ext, school_id = student_ext[student_id]
        withdrawn = status == EnrolmentStatus.WITHDRAWN
        if withdrawn and cfg.withdrawn == "unenrol":
            continue
        state.add("enrolment", f"{code}/{ext}", {
            "course": Ref("course", code), "user": Ref("user", ext), "role": cfg.student_role_id,
            "timestart": _epoch(starts_on, tz), "timeend": _epoch(ends_on, tz, end_of_day=True),
            "suspended": withdrawn})
        if withdrawn:
            continue
        school = schools[school_id]
        group_key = f"{code}/{school[0]}"
        if group_key not in state.items["group"]:
            state.add("group", group_key, {"course": Ref("course", code), "name": school[1],
                                           "idnumber": f"{code}:{school[0]}"})
        state.add("group_member", f"{group_key}/{ext}", {"group": Ref("group", group_key), "user": Ref("user", ext)})

    start = today or settings.district.today()
    add_schedule_items(session, state, course_code, (start, start + dt.timedelta(weeks=cfg.sessions_weeks_ahead)))
    return state


def _user_fields(cfg: SyncSettings, ext: str, last: str, first: str, middle: str, email: str | None,
                 institution: str, department: str, settings: Settings) -> dict[str, object]:
    name = username(cfg.username, last, first, ext)
    fields: dict[str, object] = {
        "username": name, "idnumber": ext, "auth": cfg.auth, "firstname": first, "lastname": last,
        "middlename": middle, "email": email or cfg.email_placeholder.format(username=name),
        "institution": institution, "department": department,
        "timezone": settings.district.timezone, "suspended": False,
    }
    if cfg.lang:  # unset: Moodle gives the site's default language (which is surely installed)
        fields["lang"] = cfg.lang
    return fields

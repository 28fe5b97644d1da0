"""Console pages of the face-to-face sessions (очные сессии) at the base school and the contest.

``/face-to-face`` lists the sessions of an academic year for every signed-in role: they are public
facts of the network, so the page names no person. ``/face-to-face/<id>`` shows one; the
administrator moves it (date, time, place, room, title, courses), cancels it (it stays, as
cancelled, so calendars show the cancellation) and sees the attendance entered for it
(``POST /api/v1/face-to-face/<id>/attendance``). ``POST /face-to-face/new`` adds a one-off event.
The logic is :mod:`bridge.calendar.face_to_face`'s; this module only reads and checks the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bridge.audit import audit
from bridge.calendar.face_to_face import CONTEST_TITLE, add_session, cancel_session, edit_session
from bridge.models import (
    AcademicYear,
    AccountRole,
    AttendanceMark,
    Enrolment,
    EnrolmentStatus,
    FaceToFaceSession,
    NetworkCourse,
    ScheduleStatus,
    School,
    SessionKind,
    Student,
)
from bridge.transfer.cells import parse_date
from bridge.web import db_session, get_or_404, runtime
from bridge.years import current_year, year_by_code, year_of
from bridge.web.auth import current_account, require

bp = Blueprint("face_to_face_page", __name__)

ADMIN = AccountRole.ADMIN
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
STATUS = {ScheduleStatus.SCHEDULED: "по плану", ScheduleStatus.MOVED: "перенесено",
          ScheduleStatus.CANCELLED: "отменено"}
KIND = {SessionKind.SESSION: "очная сессия", SessionKind.CONTEST: "конкурс"}
ATTENDANCE = {"P": "присутствовал", "L": "опоздал", "E": "отсутствовал по уважительной причине", "A": "отсутствовал"}
# Confirmations after a redirect: fixed texts by key, so nothing from the query is echoed.
DONE = {"moved": "Изменения сохранены.", "cancelled": "Сессия отменена.", "added": "Событие добавлено.",
        "unchanged": "Изменений нет: ничего не сохранено.", "already": "Сессия уже отменена.",
        "attendance": "Посещаемость сохранена."}
LABELS = {"date": "Дата", "start": "Начало", "end": "Окончание", "school": "Школа", "room": "Кабинет",
          "title": "Название", "kind": "Вид", "courses": "Курсы", "note": "Примечание"}
TEXT_LIMITS = {"room": 255, "title": 255, "note": 500}  # the columns' lengths
TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")


class FormError(Exception):
    """A field of the form is wrong: the message names it in Russian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{LABELS[field]}: {message}")
        self.field = field


@dataclass(frozen=True)
class SessionForm:
    """What the move and add forms say, checked; times are wall-clock times at the school."""

    start: dt.datetime
    end: dt.datetime
    school: School
    room: str
    title: str
    courses: list[NetworkCourse]
    kind: SessionKind
    note: str


def _text(field: str, *, required: bool = False) -> str:
    value = request.form.get(field, "").strip()
    if required and not value:
        raise FormError(field, "заполните поле")
    if len(value) > TEXT_LIMITS[field]:
        raise FormError(field, f"не длиннее {TEXT_LIMITS[field]} символов (сейчас {len(value)})")
    return value


def _date(raw: str) -> dt.date:
    day = parse_date(raw.strip())
    if day is None:
        raise FormError("date", "укажите существующую дату в виде ДД.ММ.ГГГГ")
    return day


def _time(field: str) -> dt.time:
    m = TIME.fullmatch(request.form.get(field, "").strip())
    if m is None or int(m[1]) > 23 or int(m[2]) > 59:
        raise FormError(field, "укажите время в виде ЧЧ:ММ")
    return dt.time(int(m[1]), int(m[2]))


def read_form(session: Session, *, with_kind: bool) -> SessionForm:
    """The form's fields, checked in the order they are shown; the first problem raises FormError."""
    day = _date(request.form.get("date", ""))
    start, end = _time("start"), _time("end")
    if end <= start:
        raise FormError("end", "должно быть позже начала")
    school = session.scalar(select(School).where(School.external_id == request.form.get("school", "")))
    if school is None:
        raise FormError("school", "выберите школу из реестра")
    room, title = _text("room"), _text("title", required=True)
    codes = request.form.getlist("courses")
    courses = list(session.scalars(select(NetworkCourse).where(NetworkCourse.code.in_(codes))
                                   .order_by(NetworkCourse.id))) if codes else []
    if len(courses) != len(set(codes)):
        raise FormError("courses", "выберите курсы из реестра")
    kind = SessionKind.SESSION
    if with_kind:
        try:
            kind = SessionKind(request.form.get("kind", ""))
        except ValueError:
            raise FormError("kind", "выберите «очная сессия» или «конкурс»") from None
    return SessionForm(dt.datetime.combine(day, start), dt.datetime.combine(day, end), school, room, title,
                       courses, kind, _text("note"))


def shown_year(session: Session) -> AcademicYear | None:
    """``?year=CODE``, else the current year (:func:`bridge.years.current_year`)."""
    if code := request.args.get("year"):
        try:
            return year_by_code(session, code)
        except LookupError as exc:
            abort(404, str(exc))
    return current_year(session, dt.datetime.now(ZoneInfo(runtime().settings.district.timezone)).date())


def _choices(session: Session) -> dict:
    return {"schools": session.scalars(select(School).order_by(School.role, School.short_name)).all(),
            "courses": session.scalars(select(NetworkCourse).order_by(NetworkCourse.title)).all()}


def _render_list(session: Session, year: AcademicYear | None, *, error: str | None = None, form=None):
    rows = [] if year is None else session.scalars(
        select(FaceToFaceSession).where(FaceToFaceSession.academic_year_id == year.id)
        .options(selectinload(FaceToFaceSession.school), selectinload(FaceToFaceSession.courses))
        .order_by(FaceToFaceSession.date, FaceToFaceSession.starts_at, FaceToFaceSession.id)).all()
    years = session.scalars(select(AcademicYear).order_by(AcademicYear.starts_on)).all()
    choices = _choices(session)
    defaults = {"title": CONTEST_TITLE, "kind": SessionKind.CONTEST.value, "start": "10:00", "end": "14:00",
                "school": next((s.external_id for s in choices["schools"]), "")}
    return render_template(
        "console/face_to_face.html", year=year, years=years, sessions=rows, error=error,
        form=_sent(form) if form is not None else defaults, may_edit=current_account().role == ADMIN,
        done=DONE.get(request.args.get("done", "")), **_common(), **choices), 400 if error else 200


def _sent(form) -> dict:
    """The posted form as the templates read it (``courses`` is a list)."""
    return form.to_dict() | {"courses": form.getlist("courses")}


def _common() -> dict:
    return {"weekdays": WEEKDAYS, "status": STATUS, "kinds": KIND, "labels": LABELS}


@bp.get("/face-to-face")
@require()
def sessions_list():
    session = db_session()
    return _render_list(session, shown_year(session))


@bp.post("/face-to-face/new")
@require(ADMIN)
def session_new():
    session = db_session()
    try:
        form = read_form(session, with_kind=True)
        year = year_of(session, form.start.date())
        if year is None:
            raise FormError("date", "не попадает ни в один учебный год реестра")
    except FormError as exc:
        return _render_list(session, shown_year(session), error=str(exc), form=request.form)
    fs = add_session(session, academic_year=year, school=form.school, start=form.start, end=form.end,
                     kind=form.kind, title=form.title, room=form.room, courses=form.courses)
    audit(session, current_account(), "add face-to-face session", f"session {fs.id}: {fs.date.isoformat()}")
    session.commit()
    return redirect(url_for(".session_page", session_id=fs.id, done="added"), 303)


def _load(session_id: int) -> FaceToFaceSession:
    return get_or_404(FaceToFaceSession, session_id, "face-to-face session",
                      selectinload(FaceToFaceSession.school), selectinload(FaceToFaceSession.courses))


def _form_of(fs: FaceToFaceSession) -> dict:
    return {"date": fs.date.isoformat(), "start": fs.starts_at.strftime("%H:%M"), "end": fs.end.strftime("%H:%M"),
            "school": fs.school.external_id, "room": fs.room, "title": fs.title,
            "courses": [c.code for c in fs.courses], "note": ""}


def _render_one(session: Session, fs: FaceToFaceSession, *, error: str | None = None, form=None):
    account = current_account()
    marks, counts, expected = [], Counter(), []
    if account.role == ADMIN:
        expected = _expected(session, fs)
        marks = session.scalars(select(AttendanceMark).join(Student, Student.id == AttendanceMark.student_id)
                                .where(AttendanceMark.face_to_face_session_id == fs.id)
                                .options(selectinload(AttendanceMark.student).selectinload(Student.school))
                                .order_by(Student.last_name, Student.first_name, Student.id)).all()
        counts = Counter(m.status for m in marks)
        if marks:
            audit(session, account, "read face-to-face attendance", f"session {fs.id}")
            session.commit()
    if form is None:
        form = _form_of(fs)
    elif form.get("action") == "cancel":  # the move form keeps showing the session as it is
        form = _form_of(fs) | {"action": "cancel", "note": form.get("note", "")}
    else:
        form = _sent(form)
    return render_template(
        "console/face_to_face_session.html", fs=fs, error=error, form=form, may_edit=account.role == ADMIN,
        marks=marks, counts=counts, expected=expected, marked={m.student_id: m for m in marks}, attendance=ATTENDANCE, done=DONE.get(request.args.get("done", "")),
        **_common(), **_choices(session)), 400 if error else 200


def _expected(session: Session, fs: FaceToFaceSession) -> list[tuple[str, list[Student]]]:
    """The students a session expects (enrolled, not withdrawn, in its courses), by home school."""
    from bridge.web.lists import natural_key
    from bridge.web.reports_api import session_courses

    students = session.scalars(select(Student).join(Enrolment, Enrolment.student_id == Student.id).where(
        Enrolment.course_id.in_(session_courses(session, fs)), Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .options(selectinload(Student.school)).distinct().order_by(Student.last_name, Student.first_name)).all()
    by_school: dict[str, list[Student]] = {}
    for s in students:
        by_school.setdefault(s.school.short_name, []).append(s)
    return sorted(by_school.items(), key=lambda item: natural_key(item[0]))


@bp.post("/face-to-face/<int:session_id>/attendance")
@require(ADMIN)
def attendance_form(session_id: int):
    """The form's marks (a status per expected student; blank: not entered) through the API's checks and store."""
    from bridge.web.reports_api import save_attendance

    session = db_session()
    fs = _load(session_id)
    body = [{"student": key.removeprefix("status:"), "status": status,
             "remarks": request.form.get("remarks:" + key.removeprefix("status:"), "").strip()}
            for key, status in request.form.items() if key.startswith("status:") and status]
    save_attendance(session, fs, body)
    return redirect(url_for(".session_page", session_id=fs.id, done="attendance"), 303)


@bp.get("/face-to-face/<int:session_id>")
@require()
def session_page(session_id: int):
    session = db_session()
    return _render_one(session, _load(session_id))


@bp.post("/face-to-face/<int:session_id>")
@require(ADMIN)
def session_change(session_id: int):
    """``action=move`` saves the form (a new date or time makes the session moved); ``action=cancel``."""
    session = db_session()
    fs = _load(session_id)
    account = current_account()
    if request.form.get("action") == "cancel":
        try:
            note = _text("note")
        except FormError as exc:
            return _render_one(session, fs, error=str(exc), form=request.form)
        if fs.cancelled:
            return redirect(url_for(".session_page", session_id=fs.id, done="already"), 303)
        cancel_session(session, fs, note)
        audit(session, account, "cancel face-to-face session", f"session {fs.id}: {fs.date.isoformat()}")
        session.commit()
        return redirect(url_for(".session_page", session_id=fs.id, done="cancelled"), 303)
    try:
        form = read_form(session, with_kind=False)
        year = session.get(AcademicYear, fs.academic_year_id)
        if not year.starts_on <= form.start.date() <= year.ends_on:
            raise FormError("date", f"вне учебного года {year.code} "
                                    f"({year.starts_on:%d.%m.%Y}–{year.ends_on:%d.%m.%Y})")
    except FormError as exc:
        return _render_one(session, fs, error=str(exc), form=request.form)
    before = (fs.start.replace(tzinfo=None), fs.end.replace(tzinfo=None), fs.timezone)
    retimed = before != (form.start, form.end, form.school.timezone)
    changes = {
        "school": form.school if form.school.id != fs.school_id else None,
        "room": form.room if form.room != fs.room else None,
        "title": form.title if form.title != fs.title else None,
        "courses": form.courses if [c.id for c in form.courses] != [c.id for c in fs.courses] else None,
    }
    if not retimed and all(v is None for v in changes.values()) and not form.note:
        return redirect(url_for(".session_page", session_id=fs.id, done="unchanged"), 303)
    edit_session(session, fs, start=form.start if retimed else None, end=form.end if retimed else None,
                 note=form.note, **changes)
    audit(session, account, "edit face-to-face session", f"session {fs.id}: {fs.date.isoformat()}")
    session.commit()
    return redirect(url_for(".session_page", session_id=fs.id, done="moved"), 303)

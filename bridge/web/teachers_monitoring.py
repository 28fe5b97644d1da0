"""Monitoring of the teaching (issue 18): the console page «Преподаватели» and ``/api/v1/monitoring/teachers``
(per teacher and course, a month or a week), and a student's timeline (``/students/<id>/timeline`` and its
JSON). Roles: the administrator sees every teacher, a coordinator their school's, a teacher only
themselves, a viewer the same figures without names; the inactive students named are those the reader
may see (:func:`bridge.web.auth.visible_students`), and naming them is audited. The timeline is the
student page's, with its role scope and audit."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import select

from bridge.audit import audit
from bridge.models import AccountRole, Student
from bridge.reports.teachers import COLUMNS, Period, Scope, inactive_students, teacher_figures
from bridge.reports.timeline import student_timeline
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require, visible_students
from bridge.charts import line_chart
from bridge.web.registry_pages import may_see_student

bp = Blueprint("monitoring", __name__)
ADMIN, COORDINATOR, TEACHER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER


def _period() -> Period:
    """``?week=YYYY-MM-DD`` (the week of that day) or ``?month=YYYY-MM``; this month by default."""
    try:
        if week := request.args.get("week"):
            return Period.week(dt.date.fromisoformat(week))
        if month := request.args.get("month"):
            return Period.month(dt.date.fromisoformat(month + "-01"))
    except ValueError:
        abort(400, "month: YYYY-MM; week: YYYY-MM-DD")
    return Period.month(runtime().today())


def _figures():
    account = current_account()
    settings = runtime().settings
    scope = Scope(school_id=account.school_id if account.role == COORDINATOR else None,
                  teacher_id=account.teacher_id if account.role == TEACHER else None)
    if account.role == TEACHER and account.teacher_id is None:
        abort(403, "this teacher account is not linked to a teacher")
    period = _period()
    now = dt.datetime.now(dt.UTC)
    rows = teacher_figures(db_session(), period, settings.monitoring, now=now, timezone=settings.district.timezone,
                           scope=scope)
    inactive = []
    if account.role != AccountRole.VIEWER:
        inactive = inactive_students(db_session(), settings.monitoring, now=now, timezone=settings.district.timezone,
                                     narrow=visible_students(select(Student.id), account), teacher_id=scope.teacher_id,
                                     teachers_school_id=scope.school_id)
        audit(db_session(), account, "read teachers' monitoring", request.full_path)
        db_session().commit()
    return period, rows, inactive, account.role != AccountRole.VIEWER


@bp.get("/monitoring/teachers")
@require()
def teachers_page():
    period, rows, inactive, named = _figures()
    return render_template("console/monitoring_teachers.html", period=period, rows=rows, inactive=inactive,
                           named=named, columns=COLUMNS, cfg=runtime().settings.monitoring)


@bp.get("/api/v1/monitoring/teachers")
@require()
def teachers_api():
    period, rows, inactive, named = _figures()
    return jsonify(period={"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
                   items=[r.as_json(named=named) for r in rows],
                   inactive_students=[{"student": s.student, "name": s.name, "school": s.school, "course": s.course,
                                       "last_access": s.last_access.isoformat() if s.last_access else None,
                                       "days": s.days} for s in inactive])


def _timeline(external_id: str):
    student = db_session().scalar(select(Student).where(Student.external_id == external_id))
    if student is None or not may_see_student(student):
        abort(404, "no such student")
    weeks = student_timeline(db_session(), student.id, runtime().settings.district.timezone)
    audit(db_session(), current_account(), "read student timeline", external_id)
    db_session().commit()
    return student, weeks


@bp.get("/students/<external_id>/timeline")
@require(ADMIN, COORDINATOR, TEACHER)
def timeline_page(external_id: str):
    student, weeks = _timeline(external_id)
    mondays = [weeks[0].start + dt.timedelta(weeks=n) for n in range((weeks[-1].start - weeks[0].start).days // 7 + 1)
               ] if weeks else []
    x = {m: f"{m:%d.%m}" for m in mondays}  # every week on the axis, holidays too: the gaps show
    series = {"Посещаемость": {w.start: w.attendance_percent for w in weeks if w.attendance_percent is not None},
              "Результаты": {w.start: w.grade_percent for w in weeks if w.grade_percent is not None}}
    return render_template("console/student_timeline.html", student=student, weeks=weeks,
                           chart=line_chart(series, x, width=640))


@bp.get("/api/v1/students/<external_id>/timeline")
@require(ADMIN, COORDINATOR, TEACHER)
def timeline_api(external_id: str):
    _student, weeks = _timeline(external_id)
    return jsonify(student=external_id, weeks=[w.as_json() for w in weeks])

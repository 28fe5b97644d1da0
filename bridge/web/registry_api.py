"""A JSON read API of the registry (``/api/v1``), paginated, keyed by external ids.

Schools and courses are public facts of the network (every role). Names of teachers are not
shown to viewers (aggregates only); students are minors: a coordinator sees their own school's,
a teacher their own courses' students, and every such read goes to the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from bridge.audit import audit
from bridge.calendar.tokens import course_feed_url, subscribe_links
from bridge.models import (
    AccountRole,
    Enrolment,
    NetworkCourse,
    School,
    Student,
    SyncChange,
    SyncRun,
    Teacher,
)
from bridge.web import db_session, get_or_404, json_fields, public_url, runtime
from bridge.web.auth import current_account, require, visible_students

bp = Blueprint("registry_api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 500
MAX_PAGE = 100_000  # beyond any registry; keeps the offset inside a database integer


def page_args() -> tuple[int, int]:
    """``?page=1&per_page=100``, checked (400 otherwise)."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 100))
    except ValueError:
        abort(400, "page and per_page must be whole numbers")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        abort(400, f"page must be between 1 and {MAX_PAGE} and per_page between 1 and {MAX_PER_PAGE}")
    return page, per_page


def _page(query: Select, dump) -> Any:
    """Run ``query`` one page at a time: ``?page=1&per_page=100``."""
    page, per_page = page_args()
    session = db_session()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(items=[dump(r) for r in rows], page=page, per_page=per_page, total=total)


def dump_school(s: School) -> dict[str, Any]:
    return {
        "id": s.external_id,
        "name": s.name,
        "short_name": s.short_name,
        "role": s.role.value,
        "municipality": s.municipality,
        "timezone": s.timezone,
        "week_days": s.week_days,
        "student_count": s.student_count,
    }


def dump_teacher(t: Teacher) -> dict[str, Any]:
    return {"id": t.external_id, "name": t.full_name, "school": t.school.external_id}


def dump_student(s: Student) -> dict[str, Any]:
    return {"id": s.external_id, "name": s.full_name, "school": s.school.external_id, "class": s.class_name}


def dump_course(c: NetworkCourse) -> dict[str, Any]:
    feed = subscribe_links(course_feed_url(public_url(), c.code))
    return {
        "code": c.code,
        "title": c.title,
        "subject": c.subject,
        "subject_area": c.subject_area,
        "grades": [c.grade_from, c.grade_to],
        "hours_per_week": c.hours_per_week,
        "provider_school": c.provider_school.external_id,
        "academic_year": c.academic_year.code,
        "teachers": [t.external_id for t in c.teachers],
        "slots": [
            {"weekday": s.weekday, "starts_at": s.starts_at.strftime("%H:%M"), "duration_minutes": s.duration_minutes}
            for s in c.slots
        ],
        "feed": {"url": feed.url, "webcal": feed.webcal, "google": feed.google},
    }


ADMIN, COORDINATOR, TEACHER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER


@bp.get("/stats")
@require()
def stats():
    from bridge.reports.figures import stats_figure

    return jsonify(stats_figure(db_session(), runtime().settings).as_json())


@bp.get("/stats/dynamics")
@require()
def stats_dynamics():
    """Attendance and results by month per home school and per grade (aggregates, every role);
    ``?year=2026-2027``, else the current academic year."""
    from bridge.reports.figures import dynamics_figure

    try:
        return jsonify(dynamics_figure(db_session(), runtime().settings, request.args.get("year")).as_json())
    except LookupError as exc:
        abort(404, str(exc))


@bp.get("/stats/checks")
@require(ADMIN, COORDINATOR)
def stats_checks():
    """The dashboard's warnings: how many timetable clashes and SanPiN overloads (counts, no names), of the
    network for an administrator, of their own school for a coordinator (the lists: /checks in the console)."""
    from bridge.calendar.figures import conflict_counts, load_counts

    account = current_account()
    school_id = account.school_id if account.role == COORDINATOR else None
    scope = "network" if school_id is None else db_session().get(School, school_id).external_id
    return jsonify({"scope": scope, "conflicts": conflict_counts(db_session(), school_id),
                    "load": load_counts(db_session(), school_id)})


@bp.get("/schools")
@require()
def schools():
    return _page(select(School).order_by(School.external_id), dump_school)


@bp.get("/schools/<key>")
@require()
def school(key: str):
    s = db_session().scalar(select(School).where(School.external_id == key))
    if s is None:
        abort(404, f"no school {key!r}")
    return jsonify(dump_school(s))


@bp.get("/teachers")
@require(ADMIN, COORDINATOR, TEACHER)
def teachers():
    q = select(Teacher).options(selectinload(Teacher.school)).order_by(Teacher.external_id)
    return _page(q, dump_teacher)


@bp.get("/students")
@require(ADMIN, COORDINATOR, TEACHER)
def students():
    account = current_account()
    q = visible_students(select(Student).options(selectinload(Student.school)).order_by(Student.external_id), account)
    if school_id := request.args.get("school"):
        q = q.join(Student.school).where(School.external_id == school_id)
    audit(db_session(), account, "read students", request.full_path)
    db_session().commit()
    return _page(q, dump_student)


def _course_query() -> Select:
    return select(NetworkCourse).options(
        selectinload(NetworkCourse.provider_school),
        selectinload(NetworkCourse.academic_year),
        selectinload(NetworkCourse.teachers),
        selectinload(NetworkCourse.slots),
    )


@bp.get("/courses")
@require()
def courses():
    return _page(_course_query().order_by(NetworkCourse.code), dump_course)


@bp.get("/courses/<key>")
@require()
def course(key: str):
    session = db_session()
    c = session.scalar(_course_query().where(NetworkCourse.code == key))
    if c is None:
        abort(404, f"no network course {key!r}")
    by_school = session.execute(
        select(School.external_id, Enrolment.status, func.count())
        .join(Student, Student.school_id == School.id)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.course_id == c.id)
        .group_by(School.external_id, Enrolment.status)
        .order_by(School.external_id)
    ).all()
    body = dump_course(c)
    body["enrolments_by_home_school"] = [
        {"school": school_id, "status": status.value, "count": n} for school_id, status, n in by_school
    ]
    return jsonify(body)


def dump_run(r: SyncRun) -> dict[str, Any]:
    from bridge.sync.run import run_status

    return {"id": r.id, "mode": r.mode, "dry_run": r.dry_run, "status": run_status(db_session(), r),
            "started_at": r.started_at.isoformat(), "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "planned": r.planned, "applied": r.applied, "failed": r.failed, "drift": r.drift,
            "read_calls": r.read_calls, "write_calls": r.write_calls, "message": r.message}


@bp.get("/sync/runs")
@require(ADMIN)
def sync_runs():
    return _page(select(SyncRun).order_by(SyncRun.id.desc()), dump_run)


@bp.get("/sync/runs/<int:key>")
@require(ADMIN)
def sync_run(key: int):
    run = get_or_404(SyncRun, key, "sync run")
    changes = db_session().scalars(select(SyncChange).where(SyncChange.run_id == key)
                                   .order_by(SyncChange.id).limit(5000)).all()
    body = dump_run(run)
    body["changes"] = [{"kind": c.kind, "key": c.key, "action": c.action, "drift": c.drift,
                        "outcome": c.outcome, "detail": c.detail} for c in changes]
    return jsonify(body)


SYNC_START_FIELDS = {"mode": str, "dry_run": bool, "force": bool}


@bp.post("/sync/runs")
@require(ADMIN)
def start_sync_run():
    """Start a run and answer at once (202) with its id; ``.../progress`` tells how far it got.

    A dry run unless the body says ``"dry_run": false``: writing to Moodle is asked for, never implied."""
    from bridge.job_lock import LockBusy
    from bridge.sync.run import start_sync
    from moodle_client.errors import MoodleNotConfigured

    body = json_fields(SYNC_START_FIELDS)
    mode = body.get("mode", "delta")
    if mode not in ("delta", "full"):
        abort(400, "field 'mode' must be 'delta' or 'full'")
    try:
        run_id = start_sync(runtime(), mode=mode, dry_run=body.get("dry_run", True), force=body.get("force", False))
    except (MoodleNotConfigured, LockBusy) as exc:
        abort(409, str(exc))
    audit(db_session(), current_account(), "start sync", f"run {run_id}")
    db_session().commit()
    response = jsonify(id=run_id, status="queued", progress=url_for(".sync_run_progress", key=run_id))
    return response, 202, {"Location": url_for(".sync_run", key=run_id)}


@bp.get("/sync/runs/<int:key>/progress")
@require(ADMIN)
def sync_run_progress(key: int):
    from bridge.sync.run import run_progress

    return jsonify(run_progress(db_session(), get_or_404(SyncRun, key, "sync run")).as_json())

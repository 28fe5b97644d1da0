"""Reports (``/api/v1/reports/...``) and face-to-face attendance entry (``/api/v1/face-to-face/...``).

Student-level reports admit the administrator, a coordinator (narrowed to their own school) and a
teacher (narrowed to their own courses), and every read is audited; the summary holds aggregates
only and admits every role. A report's XLSX or CSV file is a job (:mod:`bridge.reports.queued`): asking
for it answers 202 with the job to follow, which gives the file's address once a worker made it; only
the account that asked (or the administrator) sees the job and its file. Attendance at face-to-face sessions is not in Moodle: the administrator
enters it here, all or nothing, and corrections go to the same history as Moodle's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from sqlalchemy import select

from bridge import jobs
from bridge.audit import audit
from bridge.models import (
    AccountRole,
    AttendanceMark,
    Enrolment,
    EnrolmentStatus,
    FaceToFaceSession,
    FaceToFaceSessionCourse,
    Job,
    NetworkCourse,
    School,
    Student,
)
from bridge.pull.attendance import KNOWN_ACRONYMS, put_mark
from bridge.pull.history import Tally
from bridge.reports import queued
from bridge.reports.data import Scope
from bridge.reports.tables import REPORTS, build_report
from bridge.web import MAX_ID, db_session, get_or_404, runtime
from bridge.web.auth import current_account, require
from bridge.web.inputs import request_json, whole_number
from bridge.web.registry_api import page_args

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

ADMIN, COORDINATOR, TEACHER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER
STATUSES = ("P", "L", "E", "A")
MAX_TERM = 6
ENTRIES = "a JSON list of {student, status[, remarks]}"


def scope_from_request() -> Scope:
    """The query's filters (``school``, ``term``) within what the caller's role may see."""
    account = current_account()
    school_id = None
    if key := request.args.get("school"):
        school_id = db_session().scalar(select(School.id).where(School.external_id == key))
        if school_id is None:
            abort(404, f"no school {key!r}")
    term = request.args.get("term")
    number = whole_number(term) if term is not None else None
    if term is not None and not (number is not None and 1 <= number <= MAX_TERM):
        abort(400, f"term must be a whole number from 1 to {MAX_TERM}")
    return Scope(school_id=school_id, term=number,
                 own_school_id=account.school_id if account.role == COORDINATOR else None,
                 teacher_id=account.teacher_id if account.role == TEACHER else None)


def _report(name: str):
    page, per_page = page_args()
    table = build_report(name, db_session(), runtime().settings, scope_from_request(), runtime().today())
    if table.student_level:
        audit(db_session(), current_account(), f"read {name} report", request.full_path)
        db_session().commit()
    items = table.as_dicts()
    return jsonify(title=table.title, columns=[{"key": k, "header": h} for k, h in table.columns],
                   items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))


@bp.get("/reports/attendance")
@require(ADMIN, COORDINATOR, TEACHER)
def attendance_report():
    return _report("attendance")


@bp.get("/reports/marks")
@require(ADMIN, COORDINATOR, TEACHER)
def marks_report():
    return _report("marks")


@bp.get("/reports/at-risk")
@require(ADMIN, COORDINATOR, TEACHER)
def at_risk_report():
    return _report("at-risk")


@bp.get("/reports/summary")
@require()
def summary_report():
    return _report("summary")


def queue_report_file(name: str, fmt: str | None) -> Job:
    """Queue report ``name``'s file as ``fmt`` with the request's filters in the caller's scope (the console
    and the API); 400 on another format."""
    if fmt not in queued.MEDIA_TYPES:
        abort(400, f"format must be one of {', '.join(queued.MEDIA_TYPES)}")
    job = queued.queue_export(db_session(), runtime().settings, name, fmt, scope_from_request(), runtime().today(),
                              current_account(), request.full_path)
    db_session().commit()
    return job


def report_job(job_id: int) -> Job:
    """The report job the caller may follow (theirs; any, for the administrator), else 404: another
    account's job is not found, like one that does not exist. Files past their time go first."""
    queued.sweep(db_session(), runtime().settings)
    db_session().commit()
    job = None if job_id > MAX_ID else db_session().get(Job, job_id)
    if not queued.readable(job, current_account()):
        abort(404, f"no report job {job_id}")
    return job


def report_file(job_id: int) -> Response:
    """The job's file as an attachment (``Cache-Control: no-store`` from :func:`require`): 409 while it is
    being made, 410 once deleted after ``jobs.report_ttl_minutes``, 404 when the job made none."""
    job = report_job(job_id)
    kept = queued.kept_file(db_session(), job)
    if kept is None:
        if job.status in jobs.ACTIVE:
            abort(409, f"report job {job_id} is {job.status}: the file is not made yet")
        if job.status == jobs.DONE:
            abort(410, f"the file of report job {job_id} was deleted after its time: ask for it again")
        abort(404, f"report job {job_id} made no file ({job.status})")
    response = Response(kept.data, mimetype=kept.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{kept.filename}"'
    return response


def _export_job(job: Job) -> dict[str, Any]:
    made = job.status == jobs.DONE and queued.file_kept(db_session(), job)
    return {"job": job.id, "status": job.status, "error": job.error, "report": job.params["report"],
            "format": job.params["format"], "url": url_for("reports_api.export_job", job_id=job.id),
            "file_url": url_for("reports_api.export_file", job_id=job.id) if made else None}


@bp.post("/reports/<name>/exports")
@require()
def export_report(name: str):
    """Queue the report's file (``?format=xlsx|csv`` and the report's filters): 202 with the job to follow."""
    if name not in REPORTS:
        abort(404, f"no report {name!r}")
    if name != "summary" and current_account().role not in (ADMIN, COORDINATOR, TEACHER):
        abort(403, "your role may not see this report")
    return jsonify(_export_job(queue_report_file(name, request.args.get("format")))), 202


@bp.get("/reports/exports/<int:job_id>")
@require()
def export_job(job_id: int):
    return jsonify(_export_job(report_job(job_id)))


@bp.get("/reports/exports/<int:job_id>/file")
@require()
def export_file(job_id: int):
    return report_file(job_id)


def session_courses(session, fs: FaceToFaceSession) -> list[int]:
    """The courses whose students a face-to-face session expects (one for no course in particular is for
    every course of its year)."""
    courses = [c for (c,) in session.execute(select(FaceToFaceSessionCourse.course_id)
                                             .where(FaceToFaceSessionCourse.session_id == fs.id))]
    return courses or list(session.scalars(select(NetworkCourse.id)
                                           .where(NetworkCourse.academic_year_id == fs.academic_year_id)))


def save_attendance(session, fs: FaceToFaceSession, body: Any) -> Tally:
    """Every entry checked first (400 naming the first problem), then stored, corrections kept in history,
    audited: the API and the console's form both enter attendance here."""
    entries = _entries(body, session, fs)
    account = current_account()
    marks = {m.student_id: m for m in session.scalars(
        select(AttendanceMark).where(AttendanceMark.face_to_face_session_id == fs.id))}
    tally = Tally()
    for student, status, remarks in entries:
        put_mark(session, marks.get(student.id), tally, student_id=student.id, face_to_face_session_id=fs.id,
                 status=status, kind=KNOWN_ACRONYMS[status], remarks=remarks, by=account.login, at=fs.start)
    audit(session, account, "enter face-to-face attendance", f"session {fs.id}: {len(entries)} students")
    session.commit()
    return tally


def _entries(body: Any, session, fs: FaceToFaceSession) -> list[tuple[Student, str, str]]:
    """Check every entry before anything is stored; the first problem is named by position and field."""
    if not isinstance(body, list):
        abort(400, f"the body must be {ENTRIES}")
    courses = session_courses(session, fs)
    entries, seen = [], set()
    for i, entry in enumerate(body):
        where = f"item {i + 1}"
        if not isinstance(entry, dict):
            abort(400, f"{where}: expected an object with student and status")
        key, status, remarks = entry.get("student"), entry.get("status"), entry.get("remarks", "")
        if not isinstance(key, str) or not key:
            abort(400, f"{where}: student: the student's external id is required")
        if status not in STATUSES:
            abort(400, f"{where}: status: must be one of {', '.join(STATUSES)}")
        if not isinstance(remarks, str) or len(remarks) > 500:
            abort(400, f"{where}: remarks: text of at most 500 characters")
        if key in seen:
            abort(400, f"{where}: student: {key!r} is listed twice")
        seen.add(key)
        student = session.scalar(select(Student).where(Student.external_id == key))
        if student is None:
            abort(400, f"{where}: student: no student {key!r}")
        enrolled = session.scalar(select(Enrolment.id).where(
            Enrolment.student_id == student.id, Enrolment.course_id.in_(courses),
            Enrolment.status != EnrolmentStatus.WITHDRAWN))
        if enrolled is None:
            abort(400, f"{where}: student: {key!r} takes no course of this session")
        entries.append((student, status, remarks))
    return entries


@bp.post("/face-to-face/<int:session_id>/attendance")
@require(ADMIN)
def face_to_face_attendance(session_id: int):
    session = db_session()
    fs = get_or_404(FaceToFaceSession, session_id, "face-to-face session")
    tally = save_attendance(session, fs, request_json(ENTRIES))
    return jsonify(created=tally.created, changed=tally.changed, unchanged=tally.unchanged)


REPORT_SCHEMA = {"type": "object", "required": ["title", "columns", "items", "page", "per_page", "total"], "properties": {
    "title": {"type": "string"},
    "columns": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"},
                                                                            "header": {"type": "string"}}}},
    "items": {"type": "array", "items": {"type": "object"}},
    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}}
_ENTRY = {"type": "object", "required": ["student", "status"], "properties": {
    "student": {"type": "string"}, "status": {"enum": list(STATUSES)}, "remarks": {"type": "string", "maxLength": 500}}}
_EXPORT_JOB = {"type": "object", "required": ["job", "status", "url", "file_url"], "properties": {
    "job": {"type": "integer"}, "status": {"enum": list(jobs.ACTIVE) + [jobs.DONE, jobs.FAILED, jobs.CANCELLED]},
    "error": {"type": "string"}, "report": {"type": "string"}, "format": {"enum": list(queued.MEDIA_TYPES)},
    "url": {"type": "string", "description": "this job"},
    "file_url": {"type": ["string", "null"], "description": "the file, once made (until jobs.report_ttl_minutes)"}}}
_SAVED = {"type": "object", "properties": {"created": {"type": "integer"}, "changed": {"type": "integer"},
                                           "unchanged": {"type": "integer"}}}


def openapi_paths(op, page_params: list) -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document (``op`` builds an operation)."""
    narrowing = [{"name": "school", "in": "query", "schema": {"type": "string"}},
                 {"name": "term", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TERM}}]
    filters = page_params + narrowing
    student_level = "admin, coordinator (own school), teacher (own courses); audited"
    paths = {f"/api/v1/reports/{name}": op(summary, {"$ref": "#/components/schemas/Report"}, params=filters,
                                           not_found=True, roles=roles)
             for name, summary, roles in (
                 ("attendance", "Attendance per home school, course and student", student_level),
                 ("marks", "Marks for the home school's journal (a term, or the year)", student_level),
                 ("at-risk", "Students at risk (low attendance or a failing mark)", student_level),
                 ("summary", "Aggregates per home school and course (no names)", "every role"))}

    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths["/api/v1/reports/{name}/exports"] = op(
        "Queue the report's XLSX or CSV file for a worker (the report's filters, the caller's scope); follow the "
        "job at its url", _EXPORT_JOB, method="post", status="202", not_found=True,
        params=narrowing + [{"name": "name", "in": "path", "required": True, "schema": {"enum": list(REPORTS)}},
                              {"name": "format", "in": "query", "required": True,
                               "schema": {"enum": list(queued.MEDIA_TYPES)}}],
        roles=f"the report's: {student_level} (audited when the file is made); summary: every role")
    paths["/api/v1/reports/exports/{job_id}"] = op(
        "A queued report file: queued, running, done (with its file_url) or failed (with its reason)", _EXPORT_JOB,
        params=job_id, not_found=True, roles="the account that asked, or admin")
    paths["/api/v1/reports/exports/{job_id}/file"] = op(
        "The report file a job made (an attachment, CSV or XLSX)", {"type": "string"}, params=job_id,
        not_found=True, roles="the account that asked, or admin",
        answers={"409": "Not made yet: follow the job", "410": "Deleted after jobs.report_ttl_minutes: ask again"})
    paths["/api/v1/face-to-face/{session_id}/attendance"] = op(
        "Enter attendance at a face-to-face session (all or nothing; corrections kept in history)", _SAVED,
        method="post", roles="admin", body={"type": "array", "items": _ENTRY}, not_found=True,
        params=[{"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        answers={"400": "Bad entry (named by position and field); nothing saved"})
    return paths


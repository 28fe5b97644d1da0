"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/openapi.json``.

Written out by hand next to the views it describes: small enough to read, and the fuzz test
(schemathesis) plus a test that every API route appears here keep it honest.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

_ERROR = {"type": "object", "required": ["error", "message"],
          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
_PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
]
_SCHOOL = {"type": "object", "required": ["id", "name", "role"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "short_name": {"type": "string"},
    "role": {"enum": ["base", "resource_centre", "participant"]}, "municipality": {"type": "string"},
    "timezone": {"type": "string"}, "week_days": {"enum": [5, 6]}, "student_count": {"type": "integer"}}}
_TEACHER = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                             "school": {"type": "string"}}}
_STUDENT = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                             "school": {"type": "string"}, "class": {"type": "string"}}}
_FEED = {"type": "object", "required": ["url", "webcal", "google"], "properties": {
    "url": {"type": "string"}, "webcal": {"type": "string"}, "google": {"type": "string"}}}
_COURSE = {"type": "object", "required": ["code", "title"], "properties": {
    "code": {"type": "string"}, "title": {"type": "string"}, "subject": {"type": "string"},
    "subject_area": {"type": "string"}, "grades": {"type": "array", "items": {"type": "integer"}},
    "hours_per_week": {"type": "integer"}, "provider_school": {"type": "string"},
    "academic_year": {"type": "string"}, "teachers": {"type": "array", "items": {"type": "string"}},
    "slots": {"type": "array", "items": {"type": "object"}},
    "enrolments_by_home_school": {"type": "array", "items": {"type": "object"}},
    "feed": {"$ref": "#/components/schemas/Feed"}}}
_RUN = {"type": "object", "required": ["id", "status"], "properties": {
    "id": {"type": "integer"}, "mode": {"enum": ["delta", "full"]}, "dry_run": {"type": "boolean"},
    "status": {"type": "string"}, "started_at": {"type": "string"}, "finished_at": {"type": ["string", "null"]},
    "planned": {"type": "integer"}, "applied": {"type": "integer"}, "failed": {"type": "integer"},
    "drift": {"type": "integer"}, "read_calls": {"type": "integer"}, "write_calls": {"type": "integer"},
    "message": {"type": "string"}, "changes": {"type": "array", "items": {"type": "object"}}}}
_SYNC_START = {"type": "object", "additionalProperties": False, "properties": {
    "mode": {"enum": ["delta", "full"], "default": "delta"}, "dry_run": {"type": "boolean", "default": True},
    "force": {"type": "boolean", "default": False, "description": "override the guard on mass suspension"}}}
_STARTED = {"type": "object", "required": ["id", "status", "progress"], "properties": {
    "id": {"type": "integer"}, "status": {"const": "queued"}, "progress": {"type": "string"}}}
_PROGRESS = {"type": "object", "required": ["id", "status", "total", "done"], "properties": {
    "id": {"type": "integer"}, "status": {"enum": ["queued", "running", "ok", "failed", "refused", "interrupted"]},
    "dry_run": {"type": "boolean"}, "total": {"type": "integer"}, "done": {"type": "integer"},
    "kind": {"type": ["string", "null"]}, "step": {"type": "integer"}, "steps": {"type": "integer"},
    "planned": {"type": "array", "description": "kinds in the order they are applied", "items": {
        "type": "object", "properties": {"kind": {"type": "string"}, "actions": {"type": "object"}}}}}}
_STATS = {"type": "object", "properties": {
    "schools_by_role": {"type": "object"}, "courses": {"type": "integer"},
    "courses_by_subject_area": {"type": "object"}, "teachers": {"type": "integer"},
    "students": {"type": "integer"}, "students_by_grade": {"type": "object"},
    "students_by_school": {"type": "object"}, "district_students": {"type": "integer"},
    "share_percent": {"type": "number"}}}
_ATTENDED = {"type": "object", "required": ["marked", "attended", "share"], "properties": {
    "marked": {"type": "integer", "minimum": 1}, "attended": {"type": "integer", "minimum": 0},
    "share": {"type": "number", "minimum": 0, "maximum": 1}}}
_GRADED = {"type": "object", "required": ["grades", "percent"], "properties": {
    "grades": {"type": "integer", "minimum": 1}, "percent": {"type": "number"}}}


def _by_month(cell: dict[str, Any], key: str) -> dict[str, Any]:
    return {"type": "object", "description": f"{key} -> month (YYYY-MM) -> figures; months without data are absent",
            "additionalProperties": {"type": "object", "additionalProperties": cell}}


_DYNAMICS = {"type": "object", "required": ["academic_year", "months", "schools", "attendance_by_school",
                                            "attendance_by_grade", "results_by_school", "results_by_grade"],
             "properties": {
                 "academic_year": {"type": ["string", "null"]},
                 "months": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
                 "schools": {"type": "object", "additionalProperties": {"type": "string"},
                             "description": "school id -> short name"},
                 "attendance_by_school": _by_month(_ATTENDED, "school id"),
                 "attendance_by_grade": _by_month(_ATTENDED, "grade"),
                 "results_by_school": _by_month(_GRADED, "school id"),
                 "results_by_grade": _by_month(_GRADED, "grade")}}


_LINK_STATUS = {"type": "object", "required": ["kind", "id", "active", "issued_at"], "properties": {
    "kind": {"enum": ["student", "teacher", "school"]}, "id": {"type": "string"}, "active": {"type": "boolean"},
    "issued_at": {"type": ["string", "null"], "format": "date-time"}}}
_LINK = {"type": "object", "required": ["url", "webcal", "google", "page"], "properties": {
    "url": {"type": "string"}, "webcal": {"type": "string"}, "google": {"type": "string"},
    "page": {"type": "string", "description": "the subscribe page: upcoming lessons, buttons, a QR code"}}}
_LINK_REQUEST = {"type": "object", "additionalProperties": False, "properties": {
    "rotate": {"type": "boolean", "default": False, "description": "replace a working link (it stops working)"}}}
_REVOKED = {"type": "object", "required": ["revoked"], "properties": {"revoked": {"type": "integer", "minimum": 0}}}


def _calendar_links() -> dict[str, Any]:
    """``/api/v1/calendar-links/{kind}/{key}``: status, issue or rotate, revoke (bridge.web.links_api)."""
    params = [{"name": "kind", "in": "path", "required": True, "schema": {"enum": ["student", "teacher", "school"]}},
              {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "external id of the student, teacher or school"}]
    roles = ("admin (every link), coordinator (their school's students and their school), teacher (their own "
             "link); an owner out of reach is 404, like an unknown one")
    post = _op("Issue the private calendar link, or replace it with rotate (shown this once only)",
               {"$ref": "#/components/schemas/CalendarLink"}, params=params + [
                   {"name": "rotate", "in": "query", "schema": {"type": "boolean", "default": False}}],
               not_found=True, roles=roles, method="post", body=_LINK_REQUEST, status="201",
               answers={"409": "A link works already and rotate was not asked for"})
    post["post"]["requestBody"]["required"] = False
    return {
        **_op("Whether a private calendar link works, and since when (never the link)",
              {"$ref": "#/components/schemas/CalendarLinkStatus"}, params=params, not_found=True, roles=roles),
        **post,
        **_op("Revoke the private calendar link: it stops opening the calendar", _REVOKED, params=params,
              not_found=True, roles=roles, method="delete"),
    }


def _page_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


def _answer(description: str, schema: dict[str, Any] = _ERROR) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
_COUNT = {"type": "integer", "minimum": 0}
_CHECKS = {"type": "object", "required": ["scope", "conflicts", "load"], "properties": {
    "scope": {"type": "string", "description": "network, or the coordinator's school id"},
    "conflicts": {"type": "object", "required": ["conflicts", "by_kind", "people"], "properties": {
        "conflicts": _COUNT, "people": _COUNT,
        "by_kind": {"type": "object", "additionalProperties": _COUNT,
                    "description": "class_lesson | home_holiday | teacher_overlap -> clashes"}}},
    "load": {"type": "object", "required": ["overloads", "unchecked"], "properties": {
        "overloads": _COUNT, "unchecked": {**_COUNT, "description": "(school, grade) with no curriculum load"}}}}}


def _op(summary: str, schema: dict[str, Any], *, params: list | None = None, not_found: bool = False,
        roles: str = "every role", method: str = "get", body: dict[str, Any] | None = None,
        status: str = "200", answers: dict[str, str] | None = None) -> dict[str, Any]:
    """One operation (``{method: ...}``; merge several for one path) with the answers every API
    view can give; ``answers`` adds or rewords error answers (code -> description)."""
    responses: dict[str, Any] = {
        status: _answer("OK", schema),
        "400": _answer("Bad parameters"),
        "401": _answer("Not signed in"),
        "403": _answer("Role may not do this"),
    }
    if not_found:
        responses["404"] = _answer("Not found")
    responses |= {code: _answer(description) for code, description in (answers or {}).items()}
    operation: dict[str, Any] = {"summary": summary, "description": f"Allowed: {roles}.",
                                 "parameters": params or [], "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return {method: operation}


_CAMPAIGN = {"type": "object", "required": ["code", "title", "year"], "properties": {
    "code": {"type": "string"}, "title": {"type": "string"}, "year": {"type": "string"},
    "opens_at": {"type": "string"}, "closes_at": {"type": "string"}, "max_choices": {"type": "integer"},
    "rank_weights": {"type": "array", "items": {"type": "integer"}},
    "rules": {"type": "array", "items": {"type": "object"}}, "offers": {"type": "integer"},
    "students_answered": {"type": "integer"}, "approved_run": {"type": ["integer", "null"]}}}
_CAMPAIGN_IN = {"type": "object", "required": ["code", "year", "opens_at", "closes_at"],
                "description": "the keys of a campaign file (bridge/choices/campaigns.py)", "properties": {
    "code": {"type": "string", "minLength": 1, "maxLength": 64}, "title": {"type": "string", "maxLength": 255},
    "year": {"type": "string", "description": "academic year code, e.g. 2027-2028"},
    "opens_at": {"type": "string", "format": "date-time"}, "closes_at": {"type": "string", "format": "date-time"},
    "max_choices": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
    "rank_weights": {"type": "array", "minItems": 1, "maxItems": 10,
                     "items": {"type": "integer", "minimum": 0, "maximum": 1000}, "default": [5, 4, 3, 2, 1]},
    "rules": {"type": "array", "items": {"type": "object", "properties": {
        "grade": {"type": "integer"}, "min_courses": {"type": "integer"}, "max_courses": {"type": "integer"}}}},
    "offers": {"type": "array", "items": {"type": "object", "properties": {
        "course": {"type": "string"}, "min_size": {"type": "integer"}, "max_size": {"type": "integer"},
        "may_close": {"type": "boolean", "default": True}}}}}}
_ALLOCATION = {"type": "object", "required": ["id", "status"], "properties": {
    "id": {"type": "integer"}, "status": {"type": "string"}, "objective": {"type": "number"},
    "bound": {"type": "number"}, "gap": {"type": "number"}, "wall_seconds": {"type": "number"},
    "basis": {"type": "string"}, "shortfall": {"type": "integer"}, "students": {"type": "integer"},
    "problems": {"type": "array", "items": {"type": "string"}},
    "offers": {"type": "array", "description": "each offer's size against its min and max, open or closed",
               "items": {"type": "object"}},
    "ranks": {"type": "array", "description": "per school and grade: how many got their 1st, 2nd, ... choice",
              "items": {"type": "object"}},
    "unserved": {"type": "array", "description": "students not fully served, with the reason",
                 "items": {"type": "object"}},
    "difference": {"type": ["object", "null"], "description": "against the approved run: enrolments added and "
                                                             "dropped (null for a coordinator)"}}}


_LINKS_IN = {"type": "object", "additionalProperties": False, "properties": {
    "school": {"type": "string", "description": "the school's external id (a coordinator's own by default)"},
    "class": {"type": "string", "description": "a class, e.g. 9А (default: the whole school)"},
    "student": {"type": "string", "description": "one student's external id"},
    "reissue": {"type": "boolean", "default": False}}}
_LINKS = {"type": "object", "properties": {"links": {"type": "array", "items": {"type": "object", "properties": {
    **{k: {"type": "string"} for k in ("student", "last_name", "first_name", "class")},
    "url": {"type": ["string", "null"]}}}}}}
_SAVED = {"type": "object", "properties": {"saved": {"type": "boolean"}}}
_ALLOCATION_JOB = {"type": "object", "properties": {
    "job": {"type": "integer"}, "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
    "error": {"type": "string"}, "run": {"type": ["integer", "null"]}, "run_url": {"type": ["string", "null"]}}}


def _choices_paths(run_key: list) -> dict[str, Any]:
    code = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths = {
        "/api/v1/choices/campaigns": {
            **_op("Course-choice campaigns, newest first", {"type": "array", "items": _CAMPAIGN}),
            **_op("Create a campaign, or update the one with this code (200); the same validation as a "
                  "campaign file: 400 names every bad field and nothing is written", _CAMPAIGN, roles="admin",
                  method="post", status="201", body=_CAMPAIGN_IN)},
        "/api/v1/choices/campaigns/{code}/runs": _op(
            "Form the network groups from the campaign's choices: queue an allocation job for a worker (a run; "
            "no enrolment changes); follow it at /api/v1/choices/jobs/{key}", _ALLOCATION_JOB,
            params=code, not_found=True, roles="admin, coordinator (a run already queued for the campaign is "
            "returned, not doubled)", method="post", status="202",
            body={"type": "object", "additionalProperties": False, "properties": {
                "time_limit": {"type": "number", "exclusiveMinimum": 0, "maximum": 120,
                               "description": "seconds the solver may search (default [choices] time_limit)"}}}),
        "/api/v1/choices/jobs/{key}": _op("A queued allocation: queued, running, done (with its run) or failed "
                                          "(with its reason)", _ALLOCATION_JOB, params=run_key, not_found=True,
                                          roles="admin, coordinator"),
        "/api/v1/choices/runs/{key}": _op("An allocation run's report and its difference against the approved "
                                          "run (audited)", _ALLOCATION, params=run_key, not_found=True,
                                          roles="admin; coordinator: their school's ranks and students, no "
                                                "difference"),
        "/api/v1/choices/campaigns/{code}/decisions": _op(
            "A manual decision kept by every later run: pin a student to an offer, forbid it, or free it",
            _SAVED, params=code, not_found=True, roles="admin; coordinator: their school's students only",
            method="post", body={"type": "object", "additionalProperties": False,
                                 "required": ["student", "course", "action"], "properties": {
                                     "student": {"type": "string", "description": "the student's external id"},
                                     "course": {"type": "string"},
                                     "action": {"type": "string", "enum": ["pin", "forbid", "free"]}}}),
        "/api/v1/choices/campaigns/{code}/links": _op(
            "Students' private choice links for a class, a student or a whole school: a new link for each who has "
            "none (or for all with reissue; their old links stop working). The answer is the only copy of each "
            "link; a student who keeps a working link has url null", _LINKS, params=code, not_found=True,
            roles="admin (names the school); coordinator: their own school", method="post", status="201",
            body=_LINKS_IN),
        "/api/v1/choices/campaigns/{code}/links/revoke": _op(
            "Revoke the working choice links of a class or a student (a lost sheet)",
            {"type": "object", "properties": {"revoked": {"type": "integer"}}}, params=code, not_found=True,
            roles="admin (names the school); coordinator: their own school", method="post",
            body={**_LINKS_IN, "properties": {k: v for k, v in _LINKS_IN["properties"].items() if k != "reissue"}}),
        "/api/v1/choices/campaigns/{code}/offers/{course}/state": _op(
            "Force an offer's group open or closed whatever its size, or leave it to the solver (auto)", _SAVED,
            params=[*code, {"name": "course", "in": "path", "required": True, "schema": {"type": "string"}}],
            not_found=True, roles="admin; coordinator: the groups their school teaches only", method="post",
            body={"type": "object", "additionalProperties": False, "required": ["state"], "properties": {
                "state": {"type": "string", "enum": ["open", "closed", "auto"]}}}),
        "/api/v1/choices/runs/{key}/approve": _op(
            "Approve a run: its grants become enrolments in one transaction (the next sync takes them to Moodle)",
            {"type": "object", "properties": {k: {"type": "integer"} for k in
                                              ("run", "created", "reactivated", "withdrawn", "unchanged")}},
            params=run_key, not_found=True, roles="admin", method="post",
            body={"type": "object", "additionalProperties": False, "properties": {
                "withdraw": {"type": "boolean", "default": False,
                             "description": "also withdraw approved enrolments the run no longer grants"}}},
            answers={"409": "The run would drop approved enrolments (withdraw not asked), or has no allocation"}),
    }
    paths["/api/v1/choices/campaigns"]["post"]["responses"]["200"] = _answer("Updated", _CAMPAIGN)
    for path in ("/api/v1/choices/campaigns/{code}/runs", "/api/v1/choices/runs/{key}/approve"):
        paths[path]["post"]["requestBody"]["required"] = False  # every field has its default
    return paths


_TEACHER_ROW = {"type": "object", "properties": {
    **{k: {"type": ["string", "null"]} for k in ("teacher", "teacher_name", "teacher_school", "course", "course_title")},
    **{k: {"type": "integer"} for k in ("planned", "held", "late", "never", "pending", "graded", "waiting", "inactive")},
    **{k: {"type": ["number", "null"]} for k in ("latency_median_hours", "latency_p90_hours")},
    "oldest_waiting_days": {"type": ["integer", "null"]}}}
_TEACHERS = {"type": "object", "required": ["period", "items", "inactive_students"], "properties": {
    "period": {"type": "object", "properties": {"kind": {"enum": ["month", "week"]}, "start": {"type": "string"},
                                                "end": {"type": "string", "description": "exclusive"}}},
    "items": {"type": "array", "items": _TEACHER_ROW},
    "inactive_students": {"type": "array", "items": {"type": "object"},
                          "description": "students the caller may see who have not opened a course for "
                                         "[monitoring] inactive_days (empty for a viewer)"}}}
_TIMELINE = {"type": "object", "properties": {"student": {"type": "string"}, "weeks": {"type": "array", "items": {
    "type": "object", "properties": {"week": {"type": "string"}, "marked": {"type": "integer"},
                                     "attended": {"type": "integer"},
                                     "attendance_percent": {"type": ["number", "null"]},
                                     "grades": {"type": "integer"}, "grade_percent": {"type": ["number", "null"]}}}}}}


def _monitoring_paths() -> dict[str, Any]:
    return {
        "/api/v1/monitoring/teachers": _op(
            "Per teacher and course for a month or a week: lessons planned, held, attendance taken late or never, "
            "grading latency (median, 90th percentile), work waiting, inactive students", _TEACHERS,
            params=[{"name": "month", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM"},
                    {"name": "week", "in": "query", "schema": {"type": "string"},
                     "description": "YYYY-MM-DD: the week (from Monday) of that day"}],
            roles="admin (all), coordinator (own school's teachers), teacher (self), viewer (no names); audited"),
        "/api/v1/students/{external_id}/timeline": _op(
            "A student's attendance and results by week (audited)", _TIMELINE, not_found=True,
            params=[{"name": "external_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            roles="admin, coordinator (own school), teacher (own courses)"),
    }


def document() -> dict[str, Any]:
    from bridge.web.agreements_api import openapi_paths as agreements_paths
    from bridge.web.monitoring_api import openapi_paths as monitoring_paths
    from bridge.web.reports_api import REPORT_SCHEMA, openapi_paths

    path_param = [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}]
    run_key = [{"name": "key", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "netcourses API", "version": "1",
                 "description": "The registry of network courses. Send `Authorization: Bearer <token>` "
                                "(`netcourses user token LOGIN`)."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"School": _SCHOOL, "Teacher": _TEACHER, "Student": _STUDENT, "Course": _COURSE,
                        "Stats": _STATS, "SyncRun": _RUN, "Error": _ERROR, "Report": REPORT_SCHEMA,
                        "Feed": _FEED, "CalendarLinkStatus": _LINK_STATUS, "CalendarLink": _LINK},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/stats": _op("Network statistics (aggregates)", {"$ref": "#/components/schemas/Stats"}),
            "/api/v1/stats/dynamics": _op(
                "Attendance (share of marked lessons attended) and results (mean percentage of items graded) by "
                "month of the academic year, per home school and per grade (aggregates)", _DYNAMICS,
                params=[{"name": "year", "in": "query", "schema": {"type": "string"},
                         "description": "academic year code, e.g. 2026-2027; default: the current one"}],
                not_found=True),
            "/api/v1/stats/checks": _op(
                "The dashboard's warnings: timetable clashes (by kind, and how many people have one) and students "
                "over the SanPiN weekly maximum; counts only", _CHECKS,
                roles="admin (the network), coordinator (own school)"),
            "/api/v1/schools": _op("Schools", _page_of("School"), params=_PAGE_PARAMS),
            "/api/v1/schools/{key}": _op("One school", {"$ref": "#/components/schemas/School"},
                                         params=path_param, not_found=True),
            "/api/v1/teachers": _op("Teachers", _page_of("Teacher"), params=_PAGE_PARAMS,
                                    roles="admin, coordinator, teacher"),
            "/api/v1/students": _op("Students (narrowed to the caller's school or courses; audited)",
                                    _page_of("Student"),
                                    params=_PAGE_PARAMS + [{"name": "school", "in": "query",
                                                            "schema": {"type": "string"}}],
                                    roles="admin, coordinator (own school), teacher (own courses)"),
            "/api/v1/courses": _op("Network courses", _page_of("Course"), params=_PAGE_PARAMS),
            "/api/v1/sync/runs": {
                **_op("Sync runs, newest first", _page_of("SyncRun"), params=_PAGE_PARAMS, roles="admin"),
                **_op("Start a sync run in the background (a dry run unless dry_run is false)", _STARTED,
                      method="post", status="202", body=_SYNC_START, roles="admin",
                      answers={"409": "Moodle is not configured, or another run holds the sync lock"})},
            "/api/v1/sync/runs/{key}": _op("One sync run with its changes", {"$ref": "#/components/schemas/SyncRun"},
                                           params=run_key, not_found=True, roles="admin"),
            "/api/v1/sync/runs/{key}/progress": _op("How far a run got: its plan by kind, changes done, the kind "
                                                    "being applied", _PROGRESS, params=run_key, not_found=True,
                                                    roles="admin"),
            "/api/v1/courses/{key}": _op("One network course with enrolments by home school",
                                         {"$ref": "#/components/schemas/Course"}, params=path_param,
                                         not_found=True),
            "/api/v1/calendar-links/{kind}/{key}": _calendar_links(),
            **_choices_paths(run_key),
            **openapi_paths(_op, _PAGE_PARAMS),
            **agreements_paths(_op),
            **_monitoring_paths(),
            **monitoring_paths(_op),
        },
    }


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(document())

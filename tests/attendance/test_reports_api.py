"""The reports API narrows rows to what the role may see and audits student-level reads; the
face-to-face attendance entry is the administrator's, all or nothing, with corrections in history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bridge.models import AttendanceMark, AuditEntry, FaceToFaceSession, MarkChange, NetworkCourse, Student
from tests.attendance.results import seed_results
from tests.web.conftest import bearer


@pytest.fixture
def results(session, accounts):
    seed_results(session)
    return accounts


def report(client, accounts, role, path):
    response = client.get(f"/api/v1/reports/{path}", headers=bearer(accounts, role))
    assert response.status_code == 200, response.json
    return response.json


def test_coordinator_sees_only_their_school_teacher_only_their_courses(client, results):
    everyone = report(client, results, "admin", "attendance?per_page=500")
    assert everyone["total"] == 9 and everyone["columns"][0] == {"key": "school", "header": "Школа"}
    coordinator = report(client, results, "coordinator", "attendance")  # SCH29
    assert {r["student"] for r in coordinator["items"]} == {"SCH29-S1", "SCH29-S2", "SCH29-S3"}
    # Asking for another school yields nothing of it.
    assert report(client, results, "coordinator", "attendance?school=SCH01")["total"] == 0
    teacher = report(client, results, "teacher", "marks")  # T-2 teaches programming
    assert {r["course"] for r in teacher["items"]} == {"NC-PY-11"} and teacher["total"] == 3
    risky = report(client, results, "coordinator", "at-risk")
    assert [(r["student"], r["reasons"]) for r in risky["items"]] == [("SCH29-S1", "отметка «2» по курсу «Химия»")]


def test_viewer_gets_aggregates_only(client, results):
    assert client.get("/api/v1/reports/attendance", headers=bearer(results, "viewer")).status_code == 403
    summary = report(client, results, "viewer", "summary")
    assert summary["total"] == 4
    assert all(set(r) == {"school", "course", "students", "share", "failing", "at_risk"} for r in summary["items"])
    coordinator = report(client, results, "coordinator", "summary")
    assert {r["school"] for r in coordinator["items"]} == {"СОШ № 29"}


def test_student_level_reads_are_audited_aggregates_are_not(client, session, results):
    report(client, results, "coordinator", "marks?term=1")
    report(client, results, "viewer", "summary")
    (entry,) = session.scalars(select(AuditEntry)).all()
    assert entry.login == "coordinator" and entry.action == "read marks report" and "term=1" in entry.target


@pytest.mark.parametrize(("query", "status"), [("term=9", 400), ("term=x", 400), ("school=NOPE", 404),
                                               ("page=0", 400), ("school=%00", 400)])
def test_bad_report_parameters(client, results, query, status):
    assert client.get(f"/api/v1/reports/marks?{query}", headers=bearer(results, "admin")).status_code == status


def post(client, accounts, session_id, body, role="admin"):
    return client.post(f"/api/v1/face-to-face/{session_id}/attendance", json=body, headers=bearer(accounts, role))


def marks(session) -> dict[str, tuple[str, str]]:
    session.expire_all()
    rows = session.execute(select(Student.external_id, AttendanceMark.status, AttendanceMark.kind)
                           .join(Student, Student.id == AttendanceMark.student_id)
                           .where(AttendanceMark.face_to_face_session_id.is_not(None)))
    return {ext: (status, kind.value) for ext, status, kind in rows}


def test_face_to_face_attendance_is_entered_once_and_corrected_with_history(client, session, results):
    fs = session.scalar(select(FaceToFaceSession))
    body = [{"student": "SCH01-S1", "status": "P"}, {"student": "SCH29-S2", "status": "A", "remarks": "болеет"}]
    assert post(client, results, fs.id, body).json == {"created": 2, "changed": 0, "unchanged": 0}
    assert marks(session) == {"SCH01-S1": ("P", "present"), "SCH29-S2": ("A", "absent")}
    assert post(client, results, fs.id, body).json == {"created": 0, "changed": 0, "unchanged": 2}
    body[1] = {"student": "SCH29-S2", "status": "E", "remarks": "справка"}
    assert post(client, results, fs.id, body).json == {"created": 0, "changed": 1, "unchanged": 1}
    change = session.scalars(select(MarkChange)).one()
    assert (change.old_value, change.new_value, change.changed_by) == ("A (болеет)", "E (справка)", "admin")
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "enter face-to-face attendance")) == 3


@pytest.mark.parametrize(("body", "message"), [
    ({"student": "SCH01-S1"}, "the body must be a JSON list"),
    ([{"student": "SCH01-S1", "status": "P"}, {"student": "SCH01-S2", "status": "X"}], "item 2: status: must be one of"),
    ([{"student": "SCH01-S1", "status": "P"}, {"status": "P"}], "item 2: student: the student's external id is required"),
    ([{"student": "NOPE", "status": "P"}], "item 1: student: no student 'NOPE'"),
    ([{"student": "SCH01-S1", "status": "P"}, {"student": "SCH01-S1", "status": "A"}], "item 2: student: 'SCH01-S1' is listed twice"),
    ([{"student": "SCH01-S1", "status": "P", "remarks": 5}], "item 1: remarks"),
    ([{"student": "SCH01-S1", "status": "P", "remarks": "a\x00b"}], "item 1: remarks"),
    ([{"student": "\x00", "status": "P"}], "item 1: student"),
])
def test_bad_entries_are_named_and_nothing_is_stored(client, session, results, body, message):
    fs = session.scalar(select(FaceToFaceSession))
    response = post(client, results, fs.id, body)
    assert response.status_code == 400 and message in response.json["message"]
    assert marks(session) == {}


def test_a_student_of_no_course_of_the_session_is_refused(client, session, results):
    fs = session.scalar(select(FaceToFaceSession))
    fs.courses = [session.scalar(select(NetworkCourse).where(NetworkCourse.code == "NC-PY-11"))]
    session.commit()
    response = post(client, results, fs.id, [{"student": "SCH01-S2", "status": "P"}])  # chemistry only
    assert response.status_code == 400 and "takes no course of this session" in response.json["message"]


def test_only_the_administrator_enters_attendance(client, session, results):
    fs = session.scalar(select(FaceToFaceSession))
    body = [{"student": "SCH01-S1", "status": "P"}]
    for role in ("coordinator", "teacher", "viewer"):
        assert post(client, results, fs.id, body, role).status_code == 403
    assert client.post(f"/api/v1/face-to-face/{fs.id}/attendance", json=body).status_code == 401
    assert post(client, results, 999999, body).status_code == 404
    assert post(client, results, "abc", body).status_code == 404
    assert marks(session) == {}

"""Face-to-face attendance from the console: a form listing the students the session expects, by home school,
through the same checks and history as the API; the administrator's only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bridge.models import AttendanceMark, Student
from tests.web.test_access import _csrf, _login
from tests.web.test_face_to_face_page import OCTOBER, district  # noqa: F401  (the fixture)


def _form(client, sid):
    page = client.get(f"/face-to-face/{sid}").text
    return page, _csrf(page)


def test_the_form_lists_the_expected_students_and_saves(client, session, district):  # noqa: F811
    sid = district[OCTOBER]
    _login(client, "admin")
    page, token = _form(client, sid)
    form = page.split('id="attendance-form"')[1]
    expected = re.findall(r'name="status:([^"]+)"', form)
    assert expected and len(expected) == len(set(expected)) and re.search(r"<summary>СОШ № \d+ \(\d+\)</summary>", form)
    data = {"csrf_token": token, f"status:{expected[0]}": "P", f"status:{expected[1]}": "A",
            f"remarks:{expected[1]}": "болел"}
    saved = client.post(f"/face-to-face/{sid}/attendance", data=data)
    assert saved.status_code == 303 and "done=attendance" in saved.headers["Location"]
    marks = {ext: (status, remarks) for ext, status, remarks in session.execute(
        select(Student.external_id, AttendanceMark.status, AttendanceMark.remarks).join(Student)
        .where(AttendanceMark.face_to_face_session_id == sid))}
    assert marks == {expected[0]: ("P", ""), expected[1]: ("A", "болел")}
    again, token = _form(client, sid)
    assert re.search(rf'name="status:{expected[1]}">.*?<option value="A" selected', again, re.S)


def test_a_student_the_session_does_not_expect_is_refused_and_nothing_is_saved(client, session, district):  # noqa: F811
    sid = district[OCTOBER]
    _login(client, "admin")
    page, token = _form(client, sid)
    first = re.findall(r'name="status:([^"]+)"', page)[0]
    refused = client.post(f"/face-to-face/{sid}/attendance",
                          data={"csrf_token": token, f"status:{first}": "P", "status:NOBODY": "P"})
    assert refused.status_code == 400
    assert session.scalar(select(AttendanceMark.id).where(AttendanceMark.face_to_face_session_id == sid)) is None


@pytest.mark.parametrize("role, status", [("coordinator", 403), ("teacher", 403), ("viewer", 403)])
def test_only_the_administrator_enters_it(client, district, role, status):  # noqa: F811
    _login(client, role)
    page = client.get(f"/face-to-face/{district[OCTOBER]}").text
    assert 'id="attendance-form"' not in page
    assert client.post(f"/face-to-face/{district[OCTOBER]}/attendance", data={"csrf_token": _csrf(page)}).status_code \
        == status

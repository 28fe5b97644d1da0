"""Long lists a page at a time, found by search and filters, names with numbers in their natural order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from bridge.accounts import create_account
from bridge.demo import load_demo
from bridge.models import AccountRole, Enrolment, EnrolmentStatus, NetworkCourse, School, Student
from tests.conftest import PASSWORD
from tests.web.conftest import download_report
from tests.web.test_access import _csrf

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo(session):
    load_demo(session, TODAY)
    create_account(session, "admin", PASSWORD, AccountRole.ADMIN)
    create_account(session, "coord06", PASSWORD, AccountRole.COORDINATOR, school="VLZ-06")
    session.commit()
    return session


def _sign_in(client, login):
    page = client.get("/login")
    assert client.post("/login", data={"login": login, "password": PASSWORD,
                                       "csrf_token": _csrf(page.text)}).status_code == 302


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/students/([^"]+)">', html)


def test_students_come_a_page_at_a_time(client, demo):
    _sign_in(client, "admin")
    first, second, third = (client.get(f"/students?page={n}").text for n in (1, 2, 3))
    assert len(_rows(first)) == 50 and len(_rows(second)) == 50 and len(_rows(third)) == 6
    assert not set(_rows(first)) & set(_rows(second))
    assert "Найдено: 106, страница 2 из 3" in second
    assert 'href="/students?page=3"' in second and 'href="/students?page=1"' in second
    assert len(_rows(client.get("/students?page=9").text)) == 6  # past the last: the last


@pytest.mark.parametrize("page", ["0", "-1", "²", "abc", "9" * 30])
def test_a_page_that_is_no_page_number_is_refused(client, demo, page):
    _sign_in(client, "admin")
    assert client.get("/students", query_string={"page": page}).status_code == 400


def test_students_found_by_search_and_filters(client, demo):
    _sign_in(client, "admin")
    student = demo.scalar(select(Student).where(Student.external_id == "S-0040"))
    found = _rows(client.get("/students", query_string={"q": student.last_name.upper()}).text)
    namesakes = {s.external_id for s in demo.scalars(select(Student)) if s.last_name == student.last_name}
    assert "S-0040" in found and set(found) == namesakes
    assert _rows(client.get("/students", query_string={"q": "%"}).text) == []  # a wildcard is a character
    assert _rows(client.get("/students?q=s-0040").text) == ["S-0040"]
    by_school = set(_rows(client.get("/students?school=VLZ-06").text))
    assert by_school == set(demo.scalars(select(Student.external_id).join(School).where(School.external_id == "VLZ-06")))
    grade9 = client.get("/students?grade=9").text
    assert "Найдено: 26" in grade9
    course = demo.scalar(select(NetworkCourse).where(NetworkCourse.code.like("%CHEM-9")))
    enrolled = set(demo.scalars(select(Student.external_id).join(Enrolment).where(Enrolment.course_id == course.id)))
    # the filter links keep each other: course and page together
    assert set(_rows(client.get("/students", query_string={"course": course.code}).text)) == enrolled
    assert "Найдено: 0" in client.get("/students?status=withdrawn").text
    demo.execute(Enrolment.__table__.update().where(Enrolment.course_id == course.id)
                 .values(status=EnrolmentStatus.WITHDRAWN))
    demo.commit()
    assert set(_rows(client.get(f"/students?status=withdrawn&course={course.code}").text)) == enrolled
    assert client.get("/students?status=expelled").status_code == 400


def test_a_coordinator_searches_their_own_school_only(client, demo):
    _sign_in(client, "coord06")
    page = client.get("/students").text
    own = demo.scalar(select(func.count()).select_from(Student).join(School).where(School.external_id == "VLZ-06"))
    assert f"Найдено: {own}" in page
    assert '<option value="VLZ-06"' in page and '<option value="VLZ-01"' not in page
    assert "Найдено: 0" in client.get("/students?school=VLZ-01").text


def test_schools_in_natural_order(client, demo):
    _sign_in(client, "admin")
    page = client.get("/schools").text
    participants = [name for name in re.findall(r"<tr><td>([^<]+)</td><td>школа-участник", page)]
    numbers = [int(n) for n in re.findall(r"№ (\d+)", " ".join(participants))]
    assert numbers == sorted(numbers) and numbers[:2] == [6, 9]
    students = client.get("/students").text
    options = re.findall(r'<option value="VLZ-[^"]+"[^>]*>([^<]+)</option>', students)
    assert options.index("СОШ № 6") < options.index("СОШ № 14") < options.index("СОШ № 30")


def test_a_report_comes_a_page_at_a_time_and_downloads_whole(client, demo, runtime, worker):
    """The marks report of a district was one page of every row (17,000 px); the file stays whole."""
    from bridge.calendar.lessons import expand_lessons
    from bridge.demo.results import generate_results

    expand_lessons(demo)
    generate_results(demo, TODAY, runtime.settings.district.timezone)
    demo.commit()
    _sign_in(client, "admin")
    first = client.get("/reports?report=marks").text
    total = int(re.search(r"Строк: (\d+), страница 1 из (\d+)", first).group(1))
    assert total > 100 and first.count("<tr><td>") == 50
    second = client.get("/reports?report=marks&page=2").text
    assert second.count("<tr><td>") == 50 and re.findall(r"<tr><td>.*?</tr>", second) != re.findall(
        r"<tr><td>.*?</tr>", first)
    assert 'href="/reports?report=marks&amp;page=3"' in second
    csv = download_report(client, worker, "report=marks", "csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == total + 1

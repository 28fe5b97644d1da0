"""The import page (problems before anything is saved, then confirm), the subscribe page behind a
private link, and the public catalogue."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bridge.calendar.lessons import expand_lessons
from bridge.calendar.tokens import FeedKind, FeedOwner, issue_token
from bridge.models import AcademicYear, School, Student, Term
from tests.web.conftest import download_report
from tests.web.test_access import _csrf, _login

BAD_STUDENTS = ("student_id,last_name,first_name,middle_name,email,school_id,grade,class_letter\n"
                "SCH01-S9,Петрова,Анна,,,SCH01,11,Б\n"
                "SCH01-S10,Сидоров,Илья,,,NO-SUCH-SCHOOL,14,А\n").encode()
GOOD_STUDENTS = ("student_id,last_name,first_name,middle_name,email,school_id,grade,class_letter\n"
                 "SCH01-S9,Петрова,Анна,,,SCH01,11,Б\n").encode()


def _upload(client, body: bytes, name: str = "students.csv"):
    page = client.get("/imports")
    return client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "check",
                                         "file": (__import__("io").BytesIO(body), name)},
                       content_type="multipart/form-data")


def _confirm(client, worker=None):
    """Confirm the pending upload: the answer is the import job's page (after ``worker`` ran it, if given)."""
    page = client.get("/imports")
    queued = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "confirm"})
    if queued.status_code != 303:
        return queued
    if worker is not None:
        worker.drain()
    return client.get(queued.headers["Location"])


def _students(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Student))


def test_import_with_errors_lists_every_problem_and_saves_nothing(client, session, accounts):
    _login(client, "admin")
    before = _students(session)
    html = _upload(client, BAD_STUDENTS).text
    assert "Файл не принят: ошибок 2. Ничего не изменено." in html
    rows = re.findall(r"<tr><td>students.csv</td><td>(\d+)</td><td>(\w+)</td>", html)
    assert sorted(rows) == [("3", "grade"), ("3", "school_id")]
    assert _students(session) == before


def test_import_shows_changes_then_saves_on_confirm(client, session, accounts, worker):
    _login(client, "admin")
    before = _students(session)
    html = _upload(client, GOOD_STUDENTS).text
    assert "Будет изменено (ещё ничего не сохранено)" in html
    assert re.search(r"<td>Обучающиеся</td><td>1</td>", html)
    assert _students(session) == before  # nothing yet
    done = _confirm(client, worker).text
    assert "Загружено" in done and re.search(r"<td>Обучающиеся</td><td>1</td>", done)
    assert _students(session) == before + 1


def test_import_refuses_other_files(client, accounts):
    _login(client, "admin")
    assert "Выберите файл CSV, XLSX или ZIP" in _upload(client, b"x", name="notes.txt").text


def _student_link(session) -> str:
    year = session.scalar(select(AcademicYear))
    session.add(Term(academic_year_id=year.id, number=2, name="2 четверть",
                     starts_on=dt.date(2026, 11, 3), ends_on=dt.date(2026, 12, 27)))
    session.flush()
    expand_lessons(session)
    student = session.scalar(select(Student).where(Student.external_id == "SCH29-S1"))
    token = issue_token(session, FeedOwner(FeedKind.STUDENT, student.id))
    session.commit()
    return token


def test_subscribe_page_shows_the_schedule_and_ways_to_subscribe(client, session, accounts):
    token = _student_link(session)
    response = client.get(f"/calendar/feed/{token}")
    html = response.text
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert f'href="webcal://localhost/calendar/feed/{token}.ics"' in html or "webcal://" in html
    assert "calendar.google.com/calendar/render?cid=webcal" in html
    assert f"/calendar/feed/{token}.ics" in html and "<svg" in html  # the link, and its QR code
    assert "Химия" in html and re.search(r"\d\d\.\d\d, (пн|вт|ср|чт|пт)", html)
    assert "Иванов" not in html  # no one's name on the page
    assert client.get("/calendar/feed/" + "x" * 43).status_code == 404


def test_catalogue_is_public_and_names_no_one(client, session, accounts):
    html = client.get("/catalogue").text
    assert "Химия" in html and "Программирование" in html and "/calendar/course/NC-CHEM-11.ics" in html
    assert "Кузнецова" not in html and "Иванов" not in html
    school = session.scalar(select(School).where(School.external_id == "SCH14"))
    assert school.short_name in html


def test_coordinator_never_sees_another_schools_student_on_pages(client, accounts):
    _login(client, "coordinator")  # of SCH29
    assert client.get("/students/SCH01-S1").status_code == 404
    assert client.get("/students/SCH29-S1").status_code == 200
    listing = client.get("/students").text
    assert "SCH29-S1" in listing and "SCH01-S1" not in listing
    course = client.get("/courses/NC-CHEM-11").text
    assert course.count("Иванов Пётр") == 3  # the three of SCH29, not the three of SCH01
    assert "СОШ № 1 — 3" in course  # the other school only as a count


def test_viewer_sees_counts_not_names(client, accounts):
    _login(client, "viewer")
    course = client.get("/courses/NC-CHEM-11").text
    assert "СОШ № 29 — 3" in course and "Иванов" not in course and "Кузнецова" not in course


def test_student_page_shows_the_individual_study_plan(client, session, accounts):
    from bridge.models import CurriculumLoad

    school = session.scalar(select(School).where(School.external_id == "SCH01"))
    session.add(CurriculumLoad(school_id=school.id, grade=11, hours_per_week=32))
    session.commit()
    _login(client, "admin")
    html = client.get("/students/SCH01-S1").text  # chemistry 2 h + programming 1 h
    assert re.search(r'id="load" class="error">35 / 34<', html)
    assert "Нагрузка превышает допустимую." in html
    html = client.get("/students/SCH01-S2").text  # chemistry only
    assert re.search(r'id="load" class="">34 / 34<', html)


def test_sync_runs_api_and_audit_page(client, accounts, runner):
    from tests.web.conftest import bearer

    assert runner.invoke(["sync", "--dry-run"]).exit_code == 0
    runs = client.get("/api/v1/sync/runs", headers=bearer(accounts, "admin")).json
    assert runs["total"] == 1 and runs["items"][0]["dry_run"] is True
    run = client.get(f"/api/v1/sync/runs/{runs['items'][0]['id']}", headers=bearer(accounts, "admin")).json
    assert {"kind": "course", "key": "NC-CHEM-11", "action": "create", "drift": False, "outcome": "planned",
            "detail": ""} in run["changes"]
    client.get("/api/v1/students", headers=bearer(accounts, "coordinator"))
    _login(client, "admin")
    page = client.get(f"/sync/runs/{runs['items'][0]['id']}").text
    # grouped by kind with a count, each change by the name people know it by and its key
    assert re.search(r"<summary>Курсы: 2\s*\(запланировано 2\)</summary>", page)
    assert re.search(r"<td>Химия[^<]*</td><td><code>NC-CHEM-11</code></td>\s*<td>создать</td><td>запланировано</td>", page)
    assert client.get("/sync/runs/99999999999").status_code == 404
    audit_page = client.get("/audit").text
    assert '<td>coordinator</td><td title="read students">просмотр списка обучающихся</td>' in audit_page
    # Changes made from the command line name the operating-system user, in words.
    assert runner.invoke(["user", "disable", "viewer"]).exit_code == 0
    audit_page = client.get("/audit").text
    assert re.search(r'<td>командная строка \([^)]+\)</td><td title="disable account">отключение учётной записи</td>',
                     audit_page)
    _login(client, "coordinator")
    assert client.get(f"/sync/runs/{runs['items'][0]['id']}").status_code == 403


def test_dashboard_warns_of_clashes_and_overloads(client, session, accounts):
    from bridge.models import CurriculumLoad

    school = session.scalar(select(School).where(School.external_id == "SCH29"))
    session.add(CurriculumLoad(school_id=school.id, grade=11, hours_per_week=33))
    session.commit()
    _login(client, "coordinator")
    html = client.get("/").text
    # All three of SCH29 go over 34 h (33 at school + 2 or 3 in the network); SCH01 has no curriculum.
    assert re.search(r'превышением недельной нагрузки по СанПиН:\s*<a href="/load" id="load-link"><strong>3</strong>', html)
    assert "netcourses check" not in html  # a coordinator has no command line: the figure links to its page
    load = client.get("/load").text
    assert "Найдено: 3" in load and load.count("<td>СОШ № 29</td>") == 3
    conflicts = client.get("/conflicts?school=SCH01").text  # a coordinator sees their own school whatever is asked
    assert "СОШ № 1<" not in conflicts


def test_reports_page_shows_and_downloads_within_the_role(client, accounts, worker):
    import csv
    import io

    import openpyxl

    _login(client, "coordinator")  # of SCH29
    html = client.get("/reports?report=attendance").text
    table = html.split('id="report-table"')[1]
    # Their school's rows only; on screen the names, not the codes (the file has both).
    assert "<td>СОШ № 29</td>" in table and "<td>СОШ № 1</td>" not in table
    assert "SCH29-S1" not in table and "<th>ФИО</th>" in table and "<th>Код обучающегося</th>" not in table
    download = download_report(client, worker, "report=attendance", "csv")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    students = {cell for row in rows for cell in row if cell.startswith("SCH")}
    assert students and all(s.startswith("SCH29") for s in students)
    xlsx = download_report(client, worker, "report=marks", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row >= 1


def test_student_calendar_link_is_issued_once_and_replaces_the_old(client, session, accounts):
    _login(client, "coordinator")
    page = client.get("/students/SCH29-S1")
    assert "Ссылка ещё не выдана." in page.text
    first = client.post("/students/SCH29-S1", data={"csrf_token": _csrf(page.text)}).text
    assert first.count('id="link"') == 1 and "<title>" in first and "feed/" not in first.split("</title>")[0]
    link = re.search(r'id="link" value="([^"]+)"', first).group(1)
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/calendar/feed/{token}").status_code == 200
    again = client.get("/students/SCH29-S1").text
    assert "Ссылка выдана." in again and token not in again  # shown once only
    client.post("/students/SCH29-S1", data={"csrf_token": _csrf(again)})
    assert client.get(f"/calendar/feed/{token}").status_code == 404  # the old one no longer opens


def test_dashboard_shows_the_sync_state_its_last_run_recorded(client, session, accounts, runner, worker):
    """The dashboard reads the last run (it does not plan on every load); a button plans anew."""
    from bridge.models import SyncRun

    _login(client, "admin")
    html = client.get("/").text
    assert "Синхронизаций ещё не было." in html and 'id="dashboard-preview"' in html
    assert session.scalars(select(SyncRun)).all() == []  # looking plans nothing

    assert runner.invoke(["sync", "--dry-run"]).exit_code == 0
    html = client.get("/").text
    assert re.search(r"По плану <a href=\"/sync/runs/1\">запуска № 1</a>", html)
    assert re.search(r"<li>Курсы: создать 2</li>", html) and re.search(r"<li>Пользователи: создать 8</li>", html)

    # The registry changes: the dashboard still says what run 1 planned, until a new plan is made.
    school = session.scalar(select(School).where(School.external_id == "SCH29"))
    session.add(Student(external_id="SCH29-S9", last_name="Петрова", first_name="Анна", school_id=school.id,
                        grade=11, class_letter="Б"))
    session.commit()
    assert re.search(r"<li>Пользователи: создать 8</li>", client.get("/").text)
    again = client.post("/sync", data={"action": "preview", "csrf_token": _csrf(html)})
    assert again.status_code == 303 and worker.drain() == 1
    html = client.get("/").text
    assert "запуска № 2" in html and re.search(r"<li>Пользователи: создать 9</li>", html)


def test_course_page_shows_lessons_attendance_grid_and_marks(client, session, accounts, runtime):
    from bridge.models import AttendanceKind, AttendanceMark, Grade, GradeItem, Lesson, NetworkCourse

    _student_link(session)  # a term and the lessons of the small district
    chem = session.scalar(select(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11"))
    first = session.scalars(select(Lesson).where(Lesson.course_id == chem.id).order_by(Lesson.date)).first()
    pupils = {s.external_id: s for s in session.scalars(select(Student))}
    session.add_all([
        AttendanceMark(lesson_id=first.id, student_id=pupils["SCH29-S1"].id, status="P", kind=AttendanceKind.PRESENT),
        AttendanceMark(lesson_id=first.id, student_id=pupils["SCH01-S1"].id, status="A", kind=AttendanceKind.ABSENT),
    ])
    total = GradeItem(course_id=chem.id, moodle_id=1, item_type="course", name="Итог курса")
    session.add(total)
    session.flush()
    session.add(Grade(item_id=total.id, student_id=pupils["SCH29-S1"].id, raw=87, grade_max=100, percentage=87.0))
    session.commit()

    _login(client, "coordinator")  # of SCH29: their students only
    html = client.get("/courses/NC-CHEM-11").text
    grid = html.split('id="attendance"')[1].split("</section>")[0]
    assert first.date.strftime("%d.%m") in grid
    assert re.search(r"<td>Иванов Пётр</td><td>P</td>\s*<td>87</td><td>5</td>", grid)  # 87% → 5 by default thresholds
    assert "<td>A</td>" not in grid  # SCH01's absence is not theirs to see
    # The site's acronyms are explained under the grid, only those the grid shows.
    assert "<strong>P</strong> — присутствовал</p>" in grid and "<strong>A</strong>" not in grid
    assert 'id="lessons"' in html and first.date.strftime("%d.%m.%Y") in html
    # The year's lessons fold away under the next ones (none are ahead once the term is over).
    lessons = html.split('id="lessons"')[1].split("</section>")[0]
    count = session.scalar(select(func.count()).select_from(Lesson).where(Lesson.course_id == chem.id))
    ahead = session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.course_id == chem.id, Lesson.date >= dt.datetime.now(ZoneInfo(runtime.settings.district.timezone)).date()))
    assert f"прошло {count - ahead},\n    впереди {ahead}</summary>" in lessons
    assert ("<h3>Ближайшие</h3>" in lessons) == (ahead > 0)

    _login(client, "viewer")
    assert 'id="attendance"' not in client.get("/courses/NC-CHEM-11").text

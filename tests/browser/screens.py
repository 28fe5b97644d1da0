"""Screenshots of every console page for every role, at a phone's width (390 px) and a laptop's (1280 px):
``./scripts/screens [FOLDER]`` (default ``screens/``, not committed). To look at what a person sees.

It loads the demo into a scratch SQLite database, makes one account per role and a parent's calendar link,
serves the app on loopback and walks the pages in headless chromium, each as a full-page PNG named
``<role>-<page>-<width>.png``.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import sys
import tempfile
import threading
from pathlib import Path

from click.testing import CliRunner
from selenium.webdriver.common.by import By
from sqlalchemy import select
from werkzeug.serving import make_server

from bridge.accounts import create_account
from bridge.app import create_app
from bridge.calendar.face_to_face import cancel_session
from bridge.calendar.tokens import FeedKind, find_owner, issue_link
from bridge.cli.root import main
from bridge.models import (Account, AccountRole, Agreement, ChoiceCampaign, CourseTeacher, FaceToFaceSession,
                           MonthlyReport, NetworkCourse, School, Student, Teacher)
from bridge.reports.data import Scope
from bridge.reports.monthly import queue_monthly
from bridge.reports.queued import queue_export
from bridge.runtime import Runtime
from bridge.choices.links import issue_choice_link
from config import Settings
from config.settings import MoodleSettings, Secret
from sync_jobs.worker import Worker
from tests.browser.chromium import chromium

PASSWORD = "screens password"
WIDTHS = (390, 1280)


def _setup(rt: Runtime) -> dict[str, list[tuple[str, str]]]:
    """The demo, an account per role, and the pages each role is shown: role -> [(name, path)]."""
    result = CliRunner().invoke(main, ["demo", "--admin-password", PASSWORD], obj=rt)
    assert result.exit_code == 0, result.output
    # A sync that cannot reach Moodle (nothing listens on port 9): the run page as a failed run shows it.
    result = CliRunner().invoke(main, ["sync", "--full", "--dry-run"], obj=rt)
    assert result.exit_code != 0, result.output
    # The demo campaign's groups formed once: the result page (run 1) with its chart and reasons.
    result = CliRunner().invoke(main, ["allocate", "--time-limit", "10"], obj=rt)
    assert result.exit_code == 0, result.output
    with rt.sessions() as session:
        school = session.scalar(select(School).where(School.external_id == "VLZ-06"))
        student = session.scalar(select(Student).where(Student.school_id == school.id).order_by(Student.id))
        teacher = session.scalar(select(Teacher).order_by(Teacher.id))
        course = session.scalar(select(NetworkCourse).join(CourseTeacher).where(CourseTeacher.teacher_id == teacher.id))
        first, second = session.scalars(select(FaceToFaceSession).order_by(FaceToFaceSession.date).limit(2)).all()
        session_id = first.id
        cancel_session(session, second, "перенесена на весну")  # a cancelled row, as the list shows one
        create_account(session, "coordinator", PASSWORD, AccountRole.COORDINATOR, school="VLZ-06")
        create_account(session, "teacher", PASSWORD, AccountRole.TEACHER, teacher=teacher.external_id)
        create_account(session, "viewer", PASSWORD, AccountRole.VIEWER)
        parent = issue_link(session, find_owner(session, FeedKind.STUDENT, student.external_id), "http://x").page
        session.commit()
        token = parent.rsplit("/", 1)[1]
        sid, code = student.external_id, course.code
        campaign_row = session.scalar(select(ChoiceCampaign).order_by(ChoiceCampaign.id.desc()).limit(1))
        campaign = campaign_row.code
        chooser = session.scalar(select(Student).where(Student.school_id == school.id, Student.grade >= 8)
                                 .order_by(Student.id))
        choose_token = issue_choice_link(session, campaign_row, chooser)
        session.commit()
        month = f"{session.scalars(select(MonthlyReport.month)).first():%Y-%m}"  # the demo made it
        agreement = session.scalar(select(Agreement.id).where(Agreement.receiver_school_id == school.id))
        # A report file the coordinator asked for, and a monthly report made on demand: their follow pages, done.
        asker = session.scalar(select(Account).where(Account.login == "coordinator"))
        report_job = queue_export(session, rt.settings, "marks", "xlsx", Scope(own_school_id=school.id), rt.today(),
                                  asker, "/reports").id
        monthly_job = queue_monthly(session, rt.settings, dt.date.fromisoformat(f"{month}-01"), "admin").id
        session.commit()
    assert Worker(rt).drain() >= 2  # and any figure refresh the commits queued
    last_month = rt.today().replace(day=1) - dt.timedelta(days=1)
    agreements = [("agreements", "/agreements"),
                  ("agreement-statement", f"/agreements/{agreement}/statement?month={last_month:%Y-%m}"),
                  ("agreements-uncovered", "/agreements/uncovered"), ("teacher-hours", "/teacher-hours")]
    everyone = [("dashboard", "/"), ("schools", "/schools"), ("courses", "/courses"), ("course", f"/courses/{code}"),
                ("face-to-face", "/face-to-face"), ("teachers-monitoring", "/monitoring/teachers"),
                ("monitoring-last-month", f"/monitoring/teachers?month={last_month:%Y-%m}")]
    people = [("students", "/students"), ("student", f"/students/{sid}"), ("timeline", f"/students/{sid}/timeline"),
              ("reports", "/reports")]
    checks = [("conflicts", "/conflicts"), ("load", "/load")]
    monitoring = [("monitoring", "/monitoring")]
    return {
        "admin": everyone + people + checks + [
            ("sync", "/sync"), ("sync-run", "/sync/runs/1"), ("teachers", "/teachers"), ("imports", "/imports"),
            ("accounts", "/accounts"), ("audit", "/audit"), ("choices", "/choices"), ("choices-run", "/choices/runs/1"),
            ("face-to-face-session", f"/face-to-face/{session_id}"), ("monthly-job", f"/monitoring/monthly/jobs/{monthly_job}"),
            ("not-found", "/courses/NOPE"), ("monthly-report", f"/monitoring/monthly/{month}.html")]
                 + agreements + [("agreement-new", "/agreements/new")] + monitoring,
        "coordinator": everyone + people + checks + agreements + monitoring + [
            ("choices", "/choices"), ("choices-run", "/choices/runs/1"), ("choices-class", f"/choices/{campaign}/class"),
            ("report-job", f"/reports/jobs/{report_job}"), ("forbidden", "/sync")],
        "teacher": everyone + people[:3] + agreements[-1:],
        "viewer": everyone + agreements + monitoring + [("choices", "/choices"), ("choices-run", "/choices/runs/1")],
        "parent": [("subscribe", f"/calendar/feed/{token}"), ("catalogue", "/catalogue")],
        "pupil": [("choose", f"/choose/{choose_token}")],
        "anonymous": [("login", "/login")],
    }


def _full_page(driver, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return document.documentElement.clientWidth")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def _sign_in(driver, base: str, login: str) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button, form input[type=submit]").click()


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request says nothing here
    with tempfile.TemporaryDirectory() as scratch:
        rt = Runtime(Settings(database_url=f"sqlite:///{scratch}/screens.db",
                              moodle=MoodleSettings(url="http://127.0.0.1:9", token=Secret("screens"), max_retries=0)))
        pages = _setup(rt)
        server = make_server("127.0.0.1", 0, create_app(rt), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base, shots = f"http://127.0.0.1:{server.server_port}", []
        try:
            with chromium() as driver:
                for role, paths in pages.items():
                    if role not in ("parent", "pupil", "anonymous"):
                        _sign_in(driver, base, role)
                    else:
                        driver.delete_all_cookies()
                    for width in WIDTHS:
                        driver.set_window_size(width, 900)
                        for name, path in paths:
                            driver.get(base + path)
                            shots.append(out / f"{role}-{name}-{width}.png")
                            _full_page(driver, shots[-1])
                            overflow = driver.execute_script(
                                "return document.documentElement.scrollWidth > document.documentElement.clientWidth")
                            if overflow:
                                print(f"wider than the screen: {role} {name} at {width} px", file=sys.stderr)
        finally:
            server.shutdown()
    return shots


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "screens")
    taken = take(folder)
    print(f"{len(taken)} screenshots in {folder}/")
    assert all(re.match(r".+-\d+\.png$", p.name) for p in taken)

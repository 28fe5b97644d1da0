"""A network teacher lands on their own courses and next lessons, not on the network's overview."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import func, select

from bridge.app import create_app
from bridge.calendar.lessons import expand_lessons
from bridge.models import CourseTeacher, Lesson, Teacher
from bridge.runtime import Runtime
from config.settings import MoodleSettings, Secret
from tests.web.test_access import _login


def test_a_teacher_lands_on_their_courses_and_next_lessons(runtime, accounts, session):
    expand_lessons(session)
    session.commit()
    settings = dataclasses.replace(runtime.settings, moodle=MoodleSettings(url="https://moodle.example.org/",
                                                                           token=Secret("t" * 32)))
    app = create_app(Runtime(settings, engine=runtime.engine))
    app.config["TESTING"] = True
    client = app.test_client()
    _login(client, "teacher")
    home = client.get("/").text
    courses = home.split('id="my-courses"')[1].split("</section>")[0]
    titles = re.findall(r'<a href="/courses/([^"]+)">', courses)
    assert titles and "Посещаемость по школам" not in home  # their courses, not the overview
    assert "https://moodle.example.org/course/view.php?idnumber=" in courses
    assert re.search(r"СОШ № \d+: \d+", courses)  # students by home school
    lessons = home.split('id="my-lessons"')[1].split("</section>")[0]
    dates = [dt.datetime.strptime(d, "%d.%m.%Y").date() for d in re.findall(r"<td>(\d\d\.\d\d\.\d{4})</td>", lessons)]
    assert all(0 <= (d - dt.date.today()).days < 14 for d in dates)
    theirs = select(func.count()).select_from(Lesson).join(CourseTeacher, CourseTeacher.course_id == Lesson.course_id)\
        .join(Teacher).where(Teacher.external_id == "T-2", Lesson.date >= dt.date.today(),
                             Lesson.date < dt.date.today() + dt.timedelta(days=14))
    assert len(dates) == session.scalar(theirs)
    assert 'href="/?view=network"' in home
    assert "Посещаемость по школам" in client.get("/?view=network").text

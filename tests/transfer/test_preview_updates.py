"""An import's preview says which records change and how, not only how many."""

from __future__ import annotations

import datetime as dt

from bridge.demo import demo_tables, load_demo
from bridge.transfer import import_tables

TODAY = dt.date(2026, 11, 23)


def test_the_preview_names_each_update_with_its_old_and_new_values(session):
    load_demo(session, TODAY)
    session.commit()
    tables = demo_tables(TODAY)
    old_name = tables["students"][0]["last_name"]
    tables["students"][0]["last_name"] = "Новикова"
    tables["courses"][0]["hours_per_week"] = "3"
    report = import_tables(session, {"students": tables["students"], "courses": tables["courses"]}, dry_run=True)
    assert report.updates["students"] == (f"S-0001: last_name «{old_name}» → «Новикова»",)
    assert report.updates["courses"] == (f"{tables['courses'][0]['course_code']}: hours_per_week «2» → «3»",)
    assert f"    ~ S-0001: last_name «{old_name}» → «Новикова»" in report.describe()
    assert report.to_dict()["updates"]["students"] == [f"S-0001: last_name «{old_name}» → «Новикова»"]
    unchanged = import_tables(session, {"students": demo_tables(TODAY)["students"]}, dry_run=True)
    assert unchanged.updates == {}


def test_the_console_preview_lists_the_updates(client, session, accounts):
    from bridge.models import Student
    from tests.web.test_access import _login
    from tests.web.test_pages import _upload

    s1 = session.query(Student).filter_by(external_id="SCH01-S1").one()
    body = ("student_id,last_name,first_name,middle_name,email,school_id,grade,class_letter\n"
            f"SCH01-S1,Новикова,{s1.first_name},{s1.middle_name},,SCH01,{s1.grade},{s1.class_letter}\n").encode()
    _login(client, "admin")
    html = _upload(client, body).text
    assert "что изменится (1)" in html
    assert f"<code>SCH01-S1: last_name «{s1.last_name}» → «Новикова»</code>" in html

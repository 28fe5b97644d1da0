"""Survey answers imported, groups formed from the registry and approved into enrolments, as a
user runs ``netcourses choices`` and ``netcourses allocate``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from bridge.choices.allocation import run_allocation
from bridge.choices.instance import read_campaign
from bridge.choices.survey import import_answers
from bridge.models import AuditEntry, ChoiceOffer, ClassLesson, Enrolment, EnrolmentStatus, NetworkCourse, Student, StudentChoice
from choices.district import TODAY, build, write_answers
from config import Settings


@pytest.fixture
def district(session):
    return build(session)


ON = ["--on", TODAY.isoformat()]


def _choices(session) -> list[tuple[str, int, str]]:
    return sorted(session.execute(
        select(Student.external_id, StudentChoice.rank, NetworkCourse.code)
        .join(Student, Student.id == StudentChoice.student_id)
        .join(ChoiceOffer, ChoiceOffer.id == StudentChoice.offer_id)
        .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)).all())


def test_students_are_matched_by_next_years_grade_against_real_instants_and_their_load(session, district):
    """9А today is 10А next year: ROBO (Tuesday 15:00 in Samara) is 14:00 in Moscow, over 10А's 7th
    period (13:55-14:35); CHEM and PHYS overlap; 3 spare hours (SanPiN 34 for grade 10 - 31 at home)."""
    import_answers(session, district["campaign"], "a.csv", b"student,choice_1,choice_2\nS1,ROBO,CHEM\n", today=TODAY)
    data = read_campaign(session, district["campaign"], TODAY)
    assert "grade each student moves into" in data.basis
    ids = {code: offer for offer, code in data.codes.items()}
    assert data.instance.overlaps == {tuple(sorted((ids["CHEM"], ids["PHYS"])))}
    (pupil,) = data.instance.pupils
    assert (pupil.min_courses, pupil.max_courses, pupil.spare_hours) == (1, 2, 3)
    assert pupil.home_clashes == {ids["ROBO"]: "7 урок: Алгебра"}
    # Once the year has started the same student is in grade 9: no rule admits them to two courses.
    autumn = read_campaign(session, district["campaign"], dt.date(2027, 9, 2))
    assert (autumn.instance.pupils[0].max_courses, autumn.basis) == (1, "the current timetables and curricula")


def test_import_allocate_approve_and_rerun(runner, session, district, tmp_path):
    answers = write_answers(tmp_path / "answers.csv", [
        "student,choice_1,choice_2,choice_3",
        "S1,ROBO,CHEM,PHYS",
        "S2,CHEM,PHYS,",
        "S3,PHYS,CHEM,",
    ])
    imported = runner.invoke(["choices", "import", str(answers), *ON])
    assert imported.exit_code == 0, imported.output
    assert "imported the choices of 3 students (7 choices)" in imported.output

    first = runner.invoke(["allocate", "--json", "--time-limit", "10", *ON])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["status"] == "OPTIMAL"
    served = {u["student"]: u for u in report["unserved"]}
    # S1: ROBO clashes with their class's Algebra; CHEM (2 h) fits the 3 spare hours, PHYS overlaps CHEM.
    assert served["S1"]["granted"] == ["CHEM"]
    assert served["S1"]["reasons"] == ["ROBO: пересекается с уроком своего класса (7 урок: Алгебра)",
                                       "PHYS: пересекается с курсом CHEM"]
    # S2 and S3 may take two, but CHEM and PHYS overlap: each gets their first choice.
    assert served["S2"]["granted"] == ["CHEM"] and served["S3"]["granted"] == ["PHYS"]
    assert {o["course"]: (o["size"], o["open"]) for o in report["offers"]} == {
        "ROBO": (0, False), "CHEM": (2, True), "PHYS": (1, True), "ART": (0, False)}
    assert report["ranks"] == [{"school": "SCH1", "grade": 10, "counts": [2, 1, 0, 0]}]
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 0  # a run changes no enrolment

    approved = runner.invoke(["allocate", "approve"])
    assert approved.exit_code == 0, approved.output
    assert "3 enrolments created, 0 reactivated, 0 withdrawn, 0 unchanged" in approved.output
    session.expire_all()
    enrolments = session.execute(select(Enrolment.starts_on, Enrolment.status)).all()
    assert enrolments == [(dt.date(2027, 9, 1), EnrolmentStatus.ACTIVE)] * 3
    audits = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert audits[-3:] == ["import choices", "run allocation", "approve allocation"]

    again = runner.invoke(["allocate", "approve"])
    assert again.exit_code == 0
    assert "0 enrolments created, 0 reactivated, 0 withdrawn, 3 unchanged" in again.output
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "approve allocation")) == 1

    # S2 changes their mind to PHYS only; a new run shows the difference and changes nothing.
    runner.invoke(["choices", "import", str(write_answers(tmp_path / "s2.csv", ["student,choice_1", "S2,PHYS"])), *ON])
    rerun = runner.invoke(["allocate", *ON])
    assert rerun.exit_code == 0, rerun.output
    assert "against approved run 1: 1 added, 1 dropped (nothing changes until approved)" in rerun.output
    assert "  + S2 PHYS" in rerun.output and "  - S2 CHEM" in rerun.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 3

    refused = runner.invoke(["allocate", "approve"])
    assert refused.exit_code == 1
    assert "drops 1 approved enrolment(s): S2 CHEM" in refused.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 3

    withdrawn = runner.invoke(["allocate", "approve", "--withdraw"])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "1 enrolments created, 0 reactivated, 1 withdrawn, 2 unchanged" in withdrawn.output


def test_the_load_cap_is_read_from_the_curriculum(runner, session, district, tmp_path):
    runner.invoke(["choices", "import", str(write_answers(tmp_path / "a.csv", ["student,choice_1,choice_2",
                                                                               "S1,CHEM,ROBO"])), *ON])
    # Tuesday's clash aside, make ROBO harmless to S1's class so only the load stops it.
    session.execute(ClassLesson.__table__.delete())
    session.commit()
    run = run_allocation(session, Settings(), district["campaign"], today=TODAY, time_limit=10)
    (unserved,) = run.report["unserved"]
    assert unserved["granted"] == ["CHEM"]
    assert unserved["reasons"] == ["ROBO: превышение недельной нагрузки на 1 ч"]


def test_export_imports_back_unchanged(runner, session, district, tmp_path):
    runner.invoke(["choices", "import", str(write_answers(tmp_path / "a.csv", [
        "student,choice_1,choice_2", "S1,ROBO,CHEM", "S2,PHYS,"])), *ON])
    out = tmp_path / "out.csv"
    exported = runner.invoke(["choices", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    before = _choices(session)
    assert runner.invoke(["choices", "import", str(out), *ON]).exit_code == 0
    session.expire_all()
    assert _choices(session) == before == [("S1", 1, "ROBO"), ("S1", 2, "CHEM"), ("S2", 1, "PHYS")]


@pytest.mark.parametrize(("line", "where", "reason"), [
    ("S1,NOPE,,", "answers.csv:3:choice_1", "unknown course NOPE"),
    ("S1,ART,,", "answers.csv:3:choice_1", "student S1 is in grade 10 but course ART is for grades 8-9"),
    ("S1,CHEM,CHEM,", "answers.csv:3:choice_2", "course CHEM is chosen twice (also in choice_1)"),
    ("S1,CHEM,PHYS,ROBO,ART", "answers.csv:3:choice_4", "more choices than the campaign allows (3)"),
    ("X1,CHEM,,", "answers.csv:3:student", "student X1 is of another school"),
    ("NOBODY,CHEM,,", "answers.csv:3:student", "unknown student NOBODY"),
])
def test_each_defect_is_rejected_with_its_place_and_nothing_is_written(runner, session, district, tmp_path,
                                                                      line, where, reason):
    header = "student,choice_1,choice_2,choice_3" + (",choice_4" if line.count(",") == 4 else "")
    answers = write_answers(tmp_path / "answers.csv", [header, "S2,CHEM,,", line])
    result = runner.invoke(["choices", "import", str(answers), "--school", "SCH1", *ON])
    assert result.exit_code == 1
    assert f"{where}: {reason}" in result.output
    assert "nothing was changed" in result.output
    session.expire_all()
    assert _choices(session) == []


def test_pins_forbids_and_forced_groups_are_kept_by_the_next_run(runner, session, district, tmp_path):
    runner.invoke(["choices", "import", str(write_answers(tmp_path / "a.csv", [
        "student,choice_1,choice_2", "S1,CHEM,PHYS", "S2,CHEM,", "S3,PHYS,CHEM"])), *ON])
    unknown = runner.invoke(["allocate", "decide", "pin", "NOBODY", "CHEM"])
    assert unknown.exit_code == 1 and "unknown student NOBODY" in unknown.output
    assert runner.invoke(["allocate", "decide", "forbid", "S2", "CHEM"]).exit_code == 0
    assert runner.invoke(["allocate", "decide", "pin", "S3", "CHEM"]).exit_code == 0
    assert runner.invoke(["allocate", "force", "PHYS", "closed"]).exit_code == 0
    report = json.loads(runner.invoke(["allocate", "--json", "--time-limit", "10", *ON]).output)
    granted = {u["student"]: u["granted"] for u in report["unserved"]}
    assert granted["S2"] == [] and "CHEM: запрещено координатором" in report["unserved"][1]["reasons"]
    assert {o["course"]: o["open"] for o in report["offers"]}["PHYS"] is False
    # S3 is pinned to CHEM, their 2nd choice, as PHYS is forced closed anyway; S1 takes CHEM too.
    assert granted["S3"] == ["CHEM"] and granted["S1"] == ["CHEM"]
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == ["forbid allocation", "pin allocation", "force offer", "run allocation"]
    logins = session.scalars(select(AuditEntry.login).order_by(AuditEntry.id)).all()
    assert all(login.startswith("os:") for login in logins[-4:])  # the command line names the OS user
    # The terminal words the same reasons in English, as the rest of the CLI speaks.
    shown = runner.invoke(["allocate", "--time-limit", "10", *ON])
    assert "S2 (10): got nothing; CHEM: forbidden by the coordinator" in shown.output, shown.output


def test_links_are_issued_to_a_new_private_sheet_and_revoked(runner, session, district, tmp_path, app):
    """`choices links issue` writes the class's sheet (mode 0600, a new file only); each link opens the
    student's page; issuing again keeps the links (only hashes exist); revoking closes them."""
    import csv
    import stat

    sheet = tmp_path / "9a.csv"
    issued = runner.invoke(["choices", "links", "issue", "--school", "SCH1", "--class", "9А", "--out", str(sheet)])
    assert issued.exit_code == 0, issued.output
    assert "4 link(s) issued, 0 kept" in issued.output and "web.public_url is not set" in issued.output
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert [r["student"] for r in rows] == ["S1", "S2", "S3", "S4"] and rows[0]["class"] == "9А"
    token = rows[0]["link"].rsplit("/", 1)[1]
    assert app.test_client().get(f"/choose/{token}").status_code == 200
    assert token not in " ".join(session.scalars(select(AuditEntry.target)))

    exists = runner.invoke(["choices", "links", "issue", "--school", "SCH1", "--out", str(sheet)])
    assert exists.exit_code == 1 and "exists" in exists.output
    again = runner.invoke(["choices", "links", "issue", "--school", "SCH1", "--out", str(tmp_path / "all.csv")])
    assert "0 link(s) issued, 4 kept" in again.output
    assert app.test_client().get(f"/choose/{token}").status_code == 200

    assert runner.invoke(["choices", "links", "revoke", "--school", "SCH1"]).exit_code == 1  # names what
    revoked = runner.invoke(["choices", "links", "revoke", "--school", "SCH1", "--student", "S1"])
    assert revoked.exit_code == 0 and "1 link(s) revoked" in revoked.output
    assert app.test_client().get(f"/choose/{token}").status_code == 404
    unknown = runner.invoke(["choices", "links", "issue", "--school", "SCH1", "--class", "5Я",
                             "--out", str(tmp_path / "none.csv")])
    assert unknown.exit_code == 1 and "no class 5Я" in unknown.output and not (tmp_path / "none.csv").exists()

"""The roster sync against the fake Moodle: the district arrives whole, a second run writes nothing,
hand-made things are adopted, withdrawals suspend, one bad record stays alone, drift is repaired,
and two runs never interleave."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from bridge.job_lock import LockBusy
from bridge.models import MoodleLink, SyncChange, SyncRun, Teacher
from bridge.runtime import Runtime
from bridge.sync.run import run_sync
from tests.builders import withdraw


def snapshot(fake) -> dict:
    """What the district looks like in Moodle, by registry keys (ids left out)."""
    site = fake.site
    users = {u.id: u.idnumber for u in site.users if u.idnumber}
    courses = {c.id: c.idnumber for c in site.courses if c.idnumber}
    return {
        "categories": sorted(c.idnumber for c in site.categories if c.idnumber),
        "courses": sorted((c.idnumber, c.shortname, c.fullname, c.visible) for c in site.courses if c.idnumber),
        "users": sorted((u.idnumber, u.username, u.email, u.institution, u.department, u.suspended)
                        for u in site.users if u.idnumber),
        "cohorts": sorted((c.idnumber, tuple(sorted(users[m] for m in c.members))) for c in site.cohorts),
        "groups": sorted((courses[g.courseid], g.idnumber, g.name, tuple(sorted(users[m] for m in g.members)))
                         for g in site.groups if g.courseid in courses),
        "enrolments": sorted((courses[e.courseid], users[e.userid], e.status, tuple(sorted(e.roles)))
                             for e in site.enrolments if e.courseid in courses and e.userid in users),
    }


EXPECTED_ENROLMENTS = {
    # course: teacher + students (every student in chemistry, every second one in programming)
    "NC-CHEM-11": {"T-1", "SCH01-S1", "SCH01-S2", "SCH01-S3", "SCH29-S1", "SCH29-S2", "SCH29-S3"},
    "NC-PY-11": {"T-2", "SCH01-S1", "SCH01-S3", "SCH29-S2"},
}


def sync(runtime, moodle, **kwargs):
    return run_sync(runtime, client=moodle, show_progress=False, **kwargs)


def test_first_full_sync_brings_the_district(runtime, district, fake_moodle, moodle):
    report = sync(runtime, moodle)
    assert report.status == "ok", report.errors
    state = snapshot(fake_moodle)
    assert state["categories"] == ["netcourses-2026-2027"]
    assert [c[0] for c in state["courses"]] == ["NC-CHEM-11", "NC-PY-11"]
    assert len(state["users"]) == 8
    enrolled = {}
    for course, user, status, roles in state["enrolments"]:
        enrolled.setdefault(course, set()).add(user)
        assert status == 0
        assert roles == ((3,) if user.startswith("T-") else (5,))
    assert enrolled == EXPECTED_ENROLMENTS
    # A group per home school in every course, holding that school's students only.
    assert state["groups"] == [
        ("NC-CHEM-11", "NC-CHEM-11:SCH01", "СОШ № 1", ("SCH01-S1", "SCH01-S2", "SCH01-S3")),
        ("NC-CHEM-11", "NC-CHEM-11:SCH29", "СОШ № 29", ("SCH29-S1", "SCH29-S2", "SCH29-S3")),
        ("NC-PY-11", "NC-PY-11:SCH01", "СОШ № 1", ("SCH01-S1", "SCH01-S3")),
        ("NC-PY-11", "NC-PY-11:SCH29", "СОШ № 29", ("SCH29-S2",)),
    ]
    assert ("netcourses-school-SCH14", ("T-1", "T-2")) in state["cohorts"]
    # Students without e-mail get a placeholder that can never receive mail.
    student = next(u for u in state["users"] if u[0] == "SCH29-S1")
    assert student[2].endswith("@students.invalid") and student[3] == "СОШ № 29" and student[4] == "11А"
    assert report.write_calls == fake_moodle.writes > 0


def test_second_run_and_dry_run_make_zero_writes(runtime, district, fake_moodle, moodle):
    sync(runtime, moodle)
    before = snapshot(fake_moodle)
    fake_moodle.reset_counts()
    again = sync(runtime, moodle)
    assert again.planned == {} and fake_moodle.count() == 0  # delta: not even a read
    full = sync(runtime, moodle, mode="full")
    assert full.planned == {} and full.drift == [] and fake_moodle.writes == 0
    dry = sync(runtime, moodle, mode="full", dry_run=True)
    assert dry.status == "ok" and fake_moodle.writes == 0
    assert snapshot(fake_moodle) == before


def test_dry_run_of_a_fresh_district_writes_nothing(runtime, district, fake_moodle, moodle, session):
    report = sync(runtime, moodle, dry_run=True)
    assert report.planned["enrolment"] == {"create": 11}
    assert fake_moodle.writes == 0 and session.scalars(select(MoodleLink)).all() == []


def test_hand_made_course_and_user_are_adopted_not_duplicated(runtime, district, fake_moodle, moodle):
    cat = fake_moodle.add_category("Сетевые курсы 2026-2027", "netcourses-2026-2027")
    course_id = fake_moodle.add_course("chem-by-hand", "Химия (создан вручную)", category=cat, idnumber="NC-CHEM-11")
    user_id = fake_moodle.add_user("kuznetsova", "Ирина", "Кузнецова", idnumber="T-1",
                                   email="kuznetsova@school14.example")
    report = sync(runtime, moodle)
    assert report.status == "ok", report.errors
    assert report.planned["course"] == {"create": 2}  # planned as creates: the apply finds and adopts
    assert report.applied["course"] == {"adopt": 1, "create": 1}
    assert [c.id for c in fake_moodle.site.courses.by("idnumber", "NC-CHEM-11")] == [course_id]
    assert fake_moodle.course_by_idnumber("NC-CHEM-11").fullname == "Химия, 11 класс"  # brought in line
    assert fake_moodle.user_by_idnumber("T-1").id == user_id
    assert fake_moodle.enrolment(course_id, user_id) is not None
    assert len(snapshot(fake_moodle)["users"]) == 8


def test_withdrawn_student_is_suspended_not_unenrolled(runtime, district, session, fake_moodle, moodle):
    sync(runtime, moodle)
    withdraw(session, "SCH29-S2", "NC-PY-11")
    report = sync(runtime, moodle)
    assert report.planned["enrolment"] == {"suspend": 1}
    assert report.planned["group_member"] == {"remove": 1}
    py = fake_moodle.course_by_idnumber("NC-PY-11")
    student = fake_moodle.user_by_idnumber("SCH29-S2")
    assert fake_moodle.enrolment(py.id, student.id).status == 1  # suspended: grades and attendance stay
    assert sync(runtime, moodle).planned == {}


def test_withdrawn_student_is_unenrolled_when_configured(runtime, district, session, fake_moodle, moodle):
    rt = Runtime(replace(runtime.settings, sync=replace(runtime.settings.sync, withdrawn="unenrol")),
                 engine=runtime.engine)
    sync(rt, moodle)
    withdraw(session, "SCH29-S2", "NC-PY-11")
    assert sync(rt, moodle).planned["enrolment"] == {"remove": 1}
    py = fake_moodle.course_by_idnumber("NC-PY-11")
    assert fake_moodle.enrolment(py.id, fake_moodle.user_by_idnumber("SCH29-S2").id) is None


def test_guard_refuses_mass_suspension_unless_forced(runtime, district, session, fake_moodle, moodle):
    rt = Runtime(replace(runtime.settings, sync=replace(runtime.settings.sync, guard_min=3)), engine=runtime.engine)
    sync(rt, moodle)
    for ext in ("SCH01-S1", "SCH01-S2", "SCH01-S3", "SCH29-S1"):
        withdraw(session, ext, "NC-CHEM-11")
    fake_moodle.reset_counts()
    refused = sync(rt, moodle)
    assert refused.status == "refused" and "would suspend or remove 4 of 11 managed enrolment items" in refused.message
    assert "4 of 9 managed group_member items" in refused.message
    assert fake_moodle.writes == 0
    forced = sync(rt, moodle, force=True)
    assert forced.status == "ok" and forced.applied["enrolment"] == {"suspend": 4}


def test_one_bad_record_is_isolated_and_retried(runtime, district, session, fake_moodle, moodle):
    fake_moodle.add_user("someone.else", email="kuznetsova@school14.example")  # the teacher's e-mail is taken
    report = sync(runtime, moodle)
    assert report.status == "failed"
    failed = {(e["kind"], e["key"]) for e in report.errors}
    assert ("user", "T-1") in failed
    assert ("enrolment", "NC-CHEM-11/T-1") in failed  # depends on the teacher: skipped
    assert any("mail" in e["reason"].lower() for e in report.errors if e["key"] == "T-1")
    assert len(snapshot(fake_moodle)["users"]) == 7  # everyone else is there
    run = session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    outcomes = {c.key: c.outcome for c in session.scalars(select(SyncChange).where(SyncChange.run_id == run.id))}
    assert outcomes["T-1"] == "failed" and outcomes["NC-CHEM-11/T-1"] == "skipped" and outcomes["T-2"] == "applied"
    # The administrator fixes the e-mail; the next run finishes the job.
    session.scalar(select(Teacher).where(Teacher.external_id == "T-1")).email = "irina.k@school14.example"
    session.commit()
    assert sync(runtime, moodle).status == "ok"
    assert {u for c, u, *_ in snapshot(fake_moodle)["enrolments"] if c == "NC-CHEM-11"} == EXPECTED_ENROLMENTS["NC-CHEM-11"]


def test_drift_is_reported_and_repaired_by_a_full_run(runtime, district, fake_moodle, moodle):
    sync(runtime, moodle)
    want = snapshot(fake_moodle)
    site = fake_moodle.site
    chem = fake_moodle.course_by_idnumber("NC-CHEM-11")
    site.courses.update(chem, fullname="Химия (переименовано вручную)")
    student = fake_moodle.user_by_idnumber("SCH01-S1")
    group = next(g for g in fake_moodle.groups_of(chem.id) if g.idnumber == "NC-CHEM-11:SCH01")
    group.members.discard(student.id)
    site.enrolments.update(fake_moodle.enrolment(chem.id, student.id), status=1)
    assert sync(runtime, moodle).planned == {}  # a delta run cannot see Moodle-side edits
    report = sync(runtime, moodle, mode="full")
    assert report.status == "ok"
    assert sorted(report.drift) == sorted([
        "update course NC-CHEM-11 (fullname) [drift]",
        "create group_member NC-CHEM-11/SCH01/SCH01-S1 [drift]",
        "reactivate enrolment NC-CHEM-11/SCH01-S1 (suspended) [drift]",
    ])
    assert snapshot(fake_moodle) == want
    assert sync(runtime, moodle, mode="full").planned == {}


def test_two_syncs_never_interleave(runtime, district, fake_moodle, moodle, monkeypatch):
    """The first run is held in the middle of applying; a second run meanwhile is refused by the
    lock and never reaches Moodle."""
    from bridge.sync.apply import Applier

    inside, release = threading.Event(), threading.Event()
    apply_kind = Applier._apply_kind

    def held(self, kind, changes):
        if kind == "user" and not inside.is_set():
            inside.set()
            release.wait(10)
        return apply_kind(self, kind, changes)

    monkeypatch.setattr(Applier, "_apply_kind", held)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", sync(runtime, moodle)))
    first.start()
    assert inside.wait(10)
    calls_before = len(fake_moodle.calls)
    with pytest.raises(LockBusy, match="sync is already running"):
        sync(runtime, moodle)
    assert len(fake_moodle.calls) == calls_before
    release.set()
    first.join(10)
    assert results["first"].status == "ok"


def test_adoption_by_shortname_and_username_when_configured(runtime, district, fake_moodle, moodle):
    cfg = replace(runtime.settings.sync, adopt_by_shortname=True, adopt_by_username=True)
    rt = Runtime(replace(runtime.settings, sync=cfg), engine=runtime.engine)
    course_id = fake_moodle.add_course("NC-PY-11", "Программирование (вручную)")  # no idnumber
    user_id = fake_moodle.add_user("orlov.d.t-2", "Дмитрий", "Орлов", email="orlov@school14.example")
    report = sync(rt, moodle)
    assert report.status == "ok", report.errors
    assert fake_moodle.course_by_idnumber("NC-PY-11").id == course_id  # linked, and given its idnumber
    assert fake_moodle.user_by_idnumber("T-2").id == user_id
    assert len(fake_moodle.site.courses.by("shortname", "NC-PY-11")) == 1


def test_without_username_adoption_a_taken_username_is_one_bad_record(runtime, district, fake_moodle, moodle):
    fake_moodle.add_user("orlov.d.t-2", "Дмитрий", "Орлов", email="someone@school14.example")
    report = sync(runtime, moodle)
    assert report.status == "failed"
    assert [e["key"] for e in report.errors if e["kind"] == "user"] == ["T-2"]
    assert fake_moodle.user_by_idnumber("T-1") is not None

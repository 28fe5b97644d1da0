"""The figure cache (bridge.figures) behind the dashboard: the same figures cached and uncached, never
stale after an import, a lesson expansion, a pull's marks or a console edit, shared across sessions,
and untouched by writes to areas a figure does not read."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from bridge.calendar.conflicts import find_conflicts
from bridge.calendar.figures import conflict_counts, load_counts
from bridge.calendar.lessons import expand_lessons
from bridge.calendar.load import check_load
from bridge.figures import cached, versions
from bridge.models import (
    AttendanceKind,
    AttendanceMark,
    CurriculumLoad,
    DataVersion,
    FigureCache,
    Holiday,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
    Term,
)
from bridge.pull.attendance import note_taken, put_mark
from bridge.pull.history import Tally
from bridge.reports.dynamics import network_dynamics
from bridge.reports.figures import dynamics_figure, stats_figure
from bridge.reports.stats import network_stats
from bridge.transfer import import_tables
from tests.web.test_access import _csrf, _login
from tests.web.test_dynamics import plant


def _calendar(session) -> None:
    """A term for the year and a holiday of SCH01 alone on a Tuesday (chemistry's day): once the lessons are
    expanded, SCH01's chemistry students have a lesson on their school's holiday."""
    year = session.scalar(select(Term.academic_year_id).limit(1)) or session.scalar(
        select(NetworkCourse.academic_year_id).limit(1))
    base = session.scalar(select(School).where(School.external_id == "SCH01"))
    session.add(Term(academic_year_id=year, number=1, name="1 четверть", starts_on=dt.date(2026, 9, 1),
                     ends_on=dt.date(2026, 10, 24)))
    session.add(Holiday(academic_year_id=year, school_id=base.id, name="День школы", starts_on=dt.date(2026, 9, 15),
                        ends_on=dt.date(2026, 9, 15)))
    session.add(CurriculumLoad(school_id=base.id, grade=11, hours_per_week=33))
    session.commit()


def _import_a_student(session) -> None:
    """SCH29-S9 enrolled in NC-CHEM-11 through the importer: a seventh student in the network."""
    import_tables(session, {"students": [{"student_id": "SCH29-S9", "last_name": "Петрова", "first_name": "Анна",
                                          "middle_name": "", "email": "", "school_id": "SCH29", "grade": "11",
                                          "class_letter": "Б"}],
                            "enrolments": [{"student_id": "SCH29-S9", "course_code": "NC-CHEM-11",
                                            "status": "active", "starts_on": "2026-09-01", "ends_on": ""}]},
                  source="test")


def _counted(fn):
    calls = []

    def compute():
        calls.append(1)
        return fn()
    return compute, calls


def test_the_figures_are_the_same_cached_and_uncached(session, runtime, accounts):
    plant(session)
    _calendar(session)
    expand_lessons(session)
    session.commit()
    settings = runtime.settings
    for _ in range(2):  # computed and stored, then read from the cache
        assert stats_figure(session, settings) == network_stats(session, settings)
        assert dynamics_figure(session, settings) == network_dynamics(session, settings)
        assert dynamics_figure(session, settings).as_json() == network_dynamics(session, settings).as_json()
        found = find_conflicts(session)
        assert conflict_counts(session) == {"conflicts": len(found), "by_kind": {"home_holiday": len(found)},
                                            "people": len({c.person for c in found})}
        assert found and conflict_counts(session)["conflicts"] > 0
        assert load_counts(session)["overloads"] == len(check_load(session).overloads) == 2
        school = session.scalar(select(School.id).where(School.external_id == "SCH29"))
        assert conflict_counts(session, school) == {"conflicts": 0, "by_kind": {}, "people": 0}
        assert load_counts(session, school) == {"overloads": 0, "unchecked": 2}
    scopes = set(session.execute(select(FigureCache.name, FigureCache.scope)).all())
    assert {("conflicts", "network"), ("conflicts", f"school:{school}"), ("load", "network")} <= scopes


def test_a_figure_is_computed_once_and_shared_across_sessions(runtime, session, accounts):
    plant(session)
    compute, calls = _counted(lambda: {"students": session.scalar(select(func.count()).select_from(Student))})
    assert cached(session, "test", "network", compute, reads=(Student,)) == {"students": 6}
    session.commit()
    with runtime.sessions() as other:  # another request, another worker
        assert cached(other, "test", "network", compute, reads=(Student,)) == {"students": 6}
    assert calls == [1]


def test_a_write_to_an_area_the_figure_does_not_read_keeps_it_and_a_rollback_bumps_nothing(session, accounts):
    plant(session)
    compute, calls = _counted(lambda: len(find_conflicts(session)))
    cached(session, "test", "network", compute, reads=(Lesson, Student))
    before = versions(session, ["registry", "calendar", "marks"])
    lesson = session.scalar(select(Lesson.id).limit(1))
    student = session.scalar(select(Student.id).where(Student.external_id == "SCH29-S3"))
    session.add(AttendanceMark(lesson_id=lesson, student_id=student, status="P", kind=AttendanceKind.PRESENT))
    session.commit()  # marks only
    cached(session, "test", "network", compute, reads=(Lesson, Student))
    assert calls == [1]
    session.scalar(select(Student).where(Student.id == student)).grade = 9
    session.rollback()
    after = versions(session, ["registry", "calendar", "marks"])
    assert after == before | {"marks": before["marks"] + 1}


def test_uncommitted_writes_are_computed_afresh_and_not_stored(session, runtime, accounts):
    plant(session)
    session.add(Student(external_id="NEW-1", last_name="Новиков", first_name="Олег",
                        school_id=session.scalar(select(School.id).limit(1)), grade=11, class_letter="А"))
    session.flush()
    assert stats_figure(session, runtime.settings).students == 6
    assert session.scalar(select(func.count()).select_from(FigureCache)) == 0
    session.rollback()


def test_never_stale_after_an_import(session, runtime, accounts):
    plant(session)
    before = stats_figure(session, runtime.settings)
    _import_a_student(session)
    session.commit()
    after = stats_figure(session, runtime.settings)
    assert (before.students, after.students) == (6, 7)
    assert after == network_stats(session, runtime.settings)


def test_never_stale_after_a_lesson_expansion(session, accounts):
    plant(session)
    _calendar(session)
    assert conflict_counts(session)["conflicts"] == 0  # no lessons of the slots yet: cached
    expand_lessons(session)
    session.commit()
    assert conflict_counts(session)["conflicts"] == len(find_conflicts(session)) > 0


def test_never_stale_after_a_pull_writes_marks(session, runtime, accounts):
    plant(session)
    before = dynamics_figure(session, runtime.settings)
    lesson = session.scalar(select(Lesson).where(Lesson.date == dt.date(2026, 10, 20)))
    student = session.scalar(select(Student).where(Student.external_id == "SCH29-S3"))
    put_mark(session, None, Tally(), student_id=student.id, status="A", kind=AttendanceKind.ABSENT, remarks="",
             by="moodle:5", at=dt.datetime(2026, 10, 20, 13, tzinfo=dt.UTC), lesson_id=lesson.id)  # the pull's writer
    session.commit()
    after = dynamics_figure(session, runtime.settings)
    october = dt.date(2026, 10, 1)
    assert before.attendance_by_school["SCH29"][october].marked == 3
    assert after.attendance_by_school["SCH29"][october].marked == 4
    assert after == network_dynamics(session, runtime.settings)


def test_never_stale_after_a_lesson_is_cancelled(client, session, runtime, accounts):
    """Cancelling a lesson (the calendar service the console and CLI call) moves the calendar's version; the
    conflicts (which read it) are computed again and the dashboard shows what the data gives."""
    plant(session)
    _calendar(session)
    expand_lessons(session)
    session.commit()
    _login(client, "admin")
    assert client.get("/").status_code == 200
    calendar = versions(session, ["calendar"])["calendar"]
    lesson = session.scalar(select(Lesson).where(Lesson.date == dt.date(2026, 9, 15),
                                                 Lesson.status != ScheduleStatus.CANCELLED))
    session.commit()
    from bridge.calendar.schedule import cancel_entry  # the lesson on SCH01's holiday: its clashes go

    before = conflict_counts(session)["conflicts"]
    cancel_entry(session, session.get(Lesson, lesson.id), note="праздник")
    session.commit()
    assert versions(session, ["calendar"])["calendar"] == calendar + 1
    assert conflict_counts(session)["conflicts"] == len(find_conflicts(session)) < before
    html = client.get("/").text
    assert re.search(rf'id="conflicts-link"><strong>{len(find_conflicts(session))}</strong>', html)


def test_the_dashboard_api_serves_each_figure(client, session, runtime, accounts):
    from tests.web.conftest import bearer

    plant(session)
    _calendar(session)
    expand_lessons(session)
    session.commit()
    admin = client.get("/api/v1/stats/checks", headers=bearer(accounts, "admin")).json
    assert admin == {"scope": "network", "conflicts": conflict_counts(session), "load": load_counts(session)}
    coordinator = client.get("/api/v1/stats/checks", headers=bearer(accounts, "coordinator")).json
    assert coordinator["scope"] == "SCH29" and coordinator["conflicts"]["conflicts"] == 0
    assert client.get("/api/v1/stats", headers=bearer(accounts, "viewer")).json == \
        network_stats(session, runtime.settings).as_json()
    assert client.get("/api/v1/stats/dynamics", headers=bearer(accounts, "viewer")).json == \
        network_dynamics(session, runtime.settings).as_json()
    assert session.scalar(select(func.count()).select_from(DataVersion)) >= 2


def test_never_stale_after_a_console_edit(client, session, runtime, accounts, worker):
    """An import through the console's form (check, then confirm) withdraws a student: the dashboard, already
    cached, shows one student fewer in the network at once."""
    from tests.web.test_pages import _confirm, _upload

    plant(session)
    _login(client, "admin")
    assert "Обучающихся в сети: <strong>6</strong>" in client.get("/").text
    assert "Обучающихся в сети: <strong>6</strong>" in client.get("/").text  # from the cache
    body = ("student_id,course_code,status,starts_on,ends_on\n"
            "SCH29-S3,NC-CHEM-11,withdrawn,2026-09-01,2026-12-01\n").encode()
    assert "Будет изменено" in _upload(client, body, name="enrolments.csv").text
    assert "Загружено" in _confirm(client, worker).text
    assert "Обучающихся в сети: <strong>5</strong>" in client.get("/").text
    assert stats_figure(session, runtime.settings) == network_stats(session, runtime.settings)


def test_every_table_has_its_area_and_a_delete_dirties_what_cascades_from_it(session, accounts):
    from bridge.models import Base
    from bridge.models.figures import UNTRACKED, area_of

    for table in Base.metadata.tables:  # a new table is tracked by its module, with nothing to register
        assert (area_of(table) is None) == (table in UNTRACKED), table
    assert (area_of("student"), area_of("lesson"), area_of("attendance_mark"), area_of("job")) == \
        ("registry", "calendar", "marks", None)
    plant(session)
    before = versions(session, ["registry", "calendar", "marks"])
    session.delete(session.scalar(select(Lesson).where(Lesson.date == dt.date(2026, 9, 1))))  # its marks go with it
    session.commit()
    after = versions(session, ["registry", "calendar", "marks"])
    assert after == {"registry": before["registry"], "calendar": before["calendar"] + 1, "marks": before["marks"] + 1}


def test_the_worker_refreshes_the_figures_a_pull_made_stale(session, runtime, accounts):
    from sync_jobs.worker import refresh_figures

    plant(session)
    dynamics_figure(session, runtime.settings)
    lesson = session.scalar(select(Lesson).where(Lesson.date == dt.date(2026, 10, 20)))
    student = session.scalar(select(Student).where(Student.external_id == "SCH29-S3"))
    put_mark(session, None, Tally(), student_id=student.id, status="P", kind=AttendanceKind.PRESENT, remarks="",
             by="moodle:5", at=None, lesson_id=lesson.id)
    session.commit()
    refresh_figures(runtime)  # what the pull job does after the pull
    stored = session.scalar(select(FigureCache.versions).where(FigureCache.name == "dynamics"))
    now = versions(session, ["calendar", "marks", "registry"])
    assert stored == ",".join(f"{area}={v}" for area, v in now.items())


def test_the_dashboards_figures_read_only_the_areas_whose_writes_queue_their_refresh():
    from bridge.calendar.figures import CONFLICT_READS, LOAD_READS
    from bridge.models import areas_of
    from bridge.models.figures import OBSERVED, REFRESHED
    from bridge.reports.figures import DYNAMICS_READS, STATS_READS
    from bridge.reports.schools import READS as MONITORING_READS

    # The schools' monitoring also reads the pull's observations (a student's last visit: inactivity).
    assert areas_of(*CONFLICT_READS, *LOAD_READS, *STATS_READS, *DYNAMICS_READS, *MONITORING_READS) | {OBSERVED} \
        == REFRESHED


def test_after_an_import_the_worker_refreshes_the_figures_once_and_the_next_load_computes_nothing(
        client, engine, settings, accounts, monkeypatch):
    """An import commits: one refresh job is queued (however many commits follow before it runs), the worker
    fills the cache, and the admin's dashboard then computes none of its figures."""
    import bridge.calendar.figures
    import bridge.figures
    import bridge.reports.figures
    import bridge.reports.schools
    from bridge.models import Job
    from bridge.runtime import Runtime
    from sync_jobs.worker import Worker

    runtime = Runtime(settings, engine=engine)  # as in production: its commits queue the refresh
    assert settings.jobs.refresh_figures
    session = runtime.sessions()

    def queued() -> list[str]:
        return session.scalars(select(Job.kind).where(Job.status == "queued")).all()

    plant(session)
    _calendar(session)
    expand_lessons(session)
    session.commit()
    assert queued() == ["refresh_figures"]  # several commits, one job
    assert Worker(runtime).drain() == 1
    assert queued() == []
    session.add(Job(kind="sync", params={}, status="done", enqueued_at=dt.datetime.now(dt.UTC),
                    run_after=dt.datetime.now(dt.UTC)))
    session.commit()
    assert queued() == []  # a write no figure reads queues nothing

    _import_a_student(session)
    session.commit()
    session.add(CurriculumLoad(school_id=session.scalar(select(School.id).where(School.external_id == "SCH29")),
                               grade=10, hours_per_week=33))
    session.commit()
    assert queued() == ["refresh_figures"]

    computed: list[str] = []

    def counting(module, name):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, **k: computed.append(name) or real(*a, **k))

    for module, name in ((bridge.reports.figures, "network_stats"), (bridge.reports.figures, "network_dynamics"),
                         (bridge.calendar.figures, "find_conflicts"), (bridge.calendar.figures, "check_load"),
                         (bridge.reports.schools, "_counts"), (bridge.figures, "_store")):
        counting(module, name)
    assert Worker(runtime).drain() == 1
    assert sorted(set(computed)) == ["_counts", "_store", "check_load", "find_conflicts", "network_dynamics",
                                     "network_stats"]
    computed.clear()
    _login(client, "admin")
    page = client.get("/")
    assert "Обучающихся в сети: <strong>7</strong>" in page.text
    assert client.get("/monitoring").status_code == 200  # «Мониторинг школ» opens on the year so far
    assert computed == []  # every figure and chart from the cache the worker filled
    session.close()


def test_a_pulls_notes_keep_the_checks_and_recount_the_monitoring(session, runtime, accounts):
    """When attendance was last taken and when a student last opened a course (the pull's notes) are read
    by the monitoring alone: writing only them leaves the conflicts, the load, the statistics and the
    dynamics cached, and counts the schools' monitoring again (its inactivity changes); a write that also
    changes another column of the row moves the row's area as before."""
    import bridge.calendar.figures
    import bridge.reports.figures
    from bridge.models import Enrolment
    from bridge.reports import schools
    from bridge.reports.schools import Period, monitoring
    from bridge.years import current_year

    plant(session)
    session.commit()
    computed: list[str] = []

    def watch(module, name):
        real = getattr(module, name)
        setattr(module, name, lambda *a, **k: computed.append(name) or real(*a, **k))
        return module, name, real

    patched = [watch(bridge.calendar.figures, "find_conflicts"), watch(bridge.calendar.figures, "check_load"),
               watch(bridge.reports.figures, "network_stats"), watch(bridge.reports.figures, "network_dynamics"),
               watch(schools, "_counts")]
    try:
        today = dt.date(2026, 12, 4)
        year = current_year(session, today)

        def everything():
            conflict_counts(session), load_counts(session), stats_figure(session, runtime.settings)
            dynamics_figure(session, runtime.settings, today=today)
            return monitoring(session, runtime.settings, Period.whole_year(year), today=today)

        before = everything()
        assert sorted(set(computed)) == ["_counts", "check_load", "find_conflicts", "network_dynamics",
                                         "network_stats"]
        computed.clear()
        enrolments = session.scalars(select(Enrolment)).all()
        for enrolment in enrolments:  # as the pull notes them: nobody opened the course since September
            enrolment.last_course_access, enrolment.course_access_read = dt.datetime(2026, 9, 2, tzinfo=dt.UTC), True

        note_taken(session.scalar(select(Lesson).limit(1)), dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC))
        session.commit()
        after = everything()
        assert computed == ["_counts"]  # only the monitoring is counted again
        assert after.district.at_risk > before.district.at_risk  # and it sees the inactivity: never stale

        computed.clear()
        enrolments[0].last_course_access = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        enrolments[0].starts_on = dt.date(2026, 9, 2)  # another column too: the registry area moves
        session.commit()
        everything()
        assert {"find_conflicts", "check_load", "network_stats", "_counts"} <= set(computed)
    finally:
        for module, name, real in patched:
            setattr(module, name, real)

"""Management monitoring on the planted district of conftest.py: the school below threshold is
found and nothing else; shares and area counts as counted by hand."""

from __future__ import annotations

import datetime as dt

from bridge.reports.schools import Period, monitoring
from bridge.years import current_year


def _november(session, runtime):
    year = current_year(session, dt.date(2026, 11, 1))
    return monitoring(session, runtime.settings, Period.month(year, dt.date(2026, 11, 1)))


def test_the_school_below_threshold_is_found_and_nothing_else(session, runtime, planted):
    found = _november(session, runtime)
    assert [s.external_id for s in found.low_schools] == ["SCH29"]
    assert found.school(found.low_schools[0].id).low == ("посещаемость 60% ниже 80%",)
    small = next(s for s in found.schools if s.external_id == "SCH40")
    assert small.figures.attendance == 0.0 and not small.judged and small.low == ()  # 2 students: not judged


def test_shares_areas_attendance_results_and_at_risk_by_hand(session, runtime, planted):
    found = _november(session, runtime)
    by = {s.external_id: s.figures for s in found.schools}
    assert (by["SCH01"].students, by["SCH01"].total, by["SCH01"].share) == (5, 100, 0.05)
    assert by["SCH29"].total is None and by["SCH29"].share is None  # its count is unknown: no share
    assert by["SCH14"].students == 0
    assert by["SCH01"].areas == {"Естественные науки": 1, "Математика и информатика": 1}
    assert by["SCH40"].areas == {"Естественные науки": 1}
    assert [(a.name, a.courses, a.students, a.schools) for a in found.areas] == [
        ("Естественные науки", 1, 12, 3), ("Математика и информатика", 1, 5, 2)]
    assert (by["SCH29"].marked, by["SCH29"].attended) == (25, 15)
    d = found.district
    assert (d.students, d.marked, d.attended, d.attendance) == (12, 60, 40, 0.667)
    assert (d.grades, d.mean_percent, d.pass_share) == (12, 80.0, 1.0)
    assert d.total == 100 and d.share == 0.12  # [district] total_students unset: the schools' counts
    assert (by["SCH01"].at_risk, by["SCH29"].at_risk, by["SCH40"].at_risk, d.at_risk) == (0, 5, 2, 7)


def test_a_failing_grade_lowers_the_pass_share(session, runtime, planted):
    from sqlalchemy import select

    from bridge.models import Grade, Student

    for g in session.scalars(select(Grade).join(Student).where(Student.external_id.like("SCH01-%"))):
        g.percentage = 30.0  # below the 3 of the five-point scale (45)
    session.commit()
    found = _november(session, runtime)
    assert [s.external_id for s in found.low_schools] == ["SCH01", "SCH29"]
    assert found.low_schools[0].low == ("доля положительных результатов 0% ниже 70%",)

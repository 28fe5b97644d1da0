"""Marks for the home school, table-driven: each assessment form at and around its thresholds, with
the district's defaults and with other settings; the term and year percentages they start from."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.models import AssessmentForm
from bridge.reports.marks import GradePoint, Mark, form_of, home_mark, term_percentage, year_percentage
from config.settings import MarksSettings, SettingsError

DEFAULTS = MarksSettings()
STRICT = MarksSettings(five_point_thresholds=(90.0, 75.0, 60.0), pass_threshold=60.0)
F5, PF, PTS = AssessmentForm.FIVE_POINT, AssessmentForm.PASS_FAIL, AssessmentForm.POINTS


@pytest.mark.parametrize(("percent", "form", "cfg", "expected"), [
    (100.0, F5, DEFAULTS, Mark("5", False)),
    (85.0, F5, DEFAULTS, Mark("5", False)),
    (84.99, F5, DEFAULTS, Mark("4", False)),
    (65.0, F5, DEFAULTS, Mark("4", False)),
    (64.99, F5, DEFAULTS, Mark("3", False)),
    (45.0, F5, DEFAULTS, Mark("3", False)),
    (44.99, F5, DEFAULTS, Mark("2", True)),
    (0.0, F5, DEFAULTS, Mark("2", True)),
    (85.0, F5, STRICT, Mark("4", False)),
    (59.0, F5, STRICT, Mark("2", True)),
    (50.0, PF, DEFAULTS, Mark("зачёт", False)),
    (49.99, PF, DEFAULTS, Mark("незачёт", True)),
    (55.0, PF, STRICT, Mark("незачёт", True)),
    (87.5, PTS, DEFAULTS, Mark("88", False)),
    (49.5, PTS, DEFAULTS, Mark("50", True)),  # rounded half up, but the result itself is below the pass line
    (50.0, PTS, DEFAULTS, Mark("50", False)),
    (None, F5, DEFAULTS, None),
    (None, PF, DEFAULTS, None),
])
def test_home_mark_follows_the_assessment_form(percent, form, cfg, expected):
    assert home_mark(percent, form, cfg) == expected


@pytest.mark.parametrize(("course_form", "cfg", "expected"), [
    (None, DEFAULTS, F5),
    (None, MarksSettings(default_form="pass_fail"), PF),
    (PTS, DEFAULTS, PTS),
    (PF, MarksSettings(default_form="points"), PF),
])
def test_a_course_form_overrides_the_district_default(course_form, cfg, expected):
    assert form_of(course_form, cfg) == expected


D = dt.date
GRADES = [
    GradePoint(90.0, D(2026, 9, 10)),
    GradePoint(70.0, D(2026, 10, 25)),   # the last day of term 1
    GradePoint(40.0, D(2026, 11, 5)),    # term 2
    GradePoint(None, None),              # not graded yet
    GradePoint(66.67, D(2026, 11, 5), total=True),
]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2026, 9, 1), D(2026, 10, 25), 80.0),
    (D(2026, 11, 5), D(2026, 12, 28), 40.0),
    (D(2027, 1, 9), D(2027, 3, 21), None),
])
def test_term_percentage_is_the_mean_of_items_graded_in_the_term(start, end, expected):
    assert term_percentage(GRADES, start, end) == expected


def test_year_percentage_is_the_course_total():
    assert year_percentage(GRADES) == 66.67
    assert year_percentage(GRADES[:3]) is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"default_form": "ten_point"}, "marks.default_form"),
    ({"five_point_thresholds": (65.0, 85.0, 45.0)}, "marks.five_point_thresholds"),
    ({"five_point_thresholds": (85.0, 65.0)}, "marks.five_point_thresholds"),
    ({"pass_threshold": 120.0}, "marks.pass_threshold"),
    ({"at_risk_attendance": 75.0}, "marks.at_risk_attendance"),
])
def test_bad_marks_settings_are_refused_by_name(fields, message):
    with pytest.raises(SettingsError, match=message):
        MarksSettings(**fields)


def test_marks_section_is_read_from_the_file(tmp_path):
    from config.settings import load_settings

    path = tmp_path / "netcourses.toml"
    path.write_text('[marks]\nfive_point_thresholds = [90, 70, 50]\npass_threshold = 60\ndefault_form = "pass_fail"\n')
    marks = load_settings({"NETCOURSES_CONFIG": str(path)}).marks
    assert marks.five_point_thresholds == (90.0, 70.0, 50.0) and marks.pass_threshold == 60.0
    assert home_mark(69.0, AssessmentForm.FIVE_POINT, marks) == Mark("3", False)

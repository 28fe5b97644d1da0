"""Marks the home school writes in its own journal, from the grades pulled from Moodle.

Each course states its assessment form (``NetworkCourse.assessment_form``; empty: the district's
``[marks] default_form``). A result is a percentage, turned into a mark by the form:

- ``five_point``: 5, 4 or 3 from ``[marks] five_point_thresholds`` (85, 65, 45 by default), else 2;
- ``pass_fail``: «зачёт» from ``[marks] pass_threshold`` (50), else «незачёт»;
- ``points``: points out of 100 (the percentage rounded half up), failing below ``pass_threshold``.

Which percentage: the **year** mark takes Moodle's course total (the gradebook's own weighting
over the whole course); a **term** mark takes the mean of the percentages of the items graded
within the term's dates (the home school's own terms), because the course total is cumulative and
cannot be split by term. No grade in the span: no mark.

Pure functions: no database, no settings file, so the tables in the tests say it all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from bridge.models import AssessmentForm
from config.settings import MarksSettings

PASS, FAIL = "зачёт", "незачёт"


@dataclass(frozen=True)
class Mark:
    value: str  # "5" ... "2", "зачёт"/"незачёт", or points "0" ... "100"
    failing: bool


@dataclass(frozen=True)
class GradePoint:
    """One pulled grade as the marks need it: its percentage, the day graded, whether it is the course total."""

    percentage: float | None
    graded_on: dt.date | None
    total: bool = False


def form_of(course_form: AssessmentForm | None, cfg: MarksSettings) -> AssessmentForm:
    return course_form or AssessmentForm(cfg.default_form)


def home_mark(percent: float | None, form: AssessmentForm, cfg: MarksSettings) -> Mark | None:
    if percent is None:
        return None
    if form == AssessmentForm.FIVE_POINT:
        for value, threshold in zip(("5", "4", "3"), cfg.five_point_thresholds, strict=True):
            if percent >= threshold:
                return Mark(value, False)
        return Mark("2", True)
    passed = percent >= cfg.pass_threshold
    if form == AssessmentForm.PASS_FAIL:
        return Mark(PASS if passed else FAIL, not passed)
    return Mark(str(math.floor(percent + 0.5)), not passed)


def pass_percentage(form: AssessmentForm, cfg: MarksSettings) -> float:
    """The lowest percentage that is not failing in ``form`` (what :func:`home_mark` implies): the
    threshold of a 3 on the five-point scale, else ``pass_threshold``."""
    return cfg.five_point_thresholds[2] if form == AssessmentForm.FIVE_POINT else cfg.pass_threshold


def term_percentage(grades: Iterable[GradePoint], starts_on: dt.date, ends_on: dt.date) -> float | None:
    """The mean percentage of the items (not the total) graded within [starts_on, ends_on]."""
    inside = [g.percentage for g in grades if not g.total and g.percentage is not None
              and g.graded_on is not None and starts_on <= g.graded_on <= ends_on]
    return round(sum(inside) / len(inside), 2) if inside else None


def year_percentage(grades: Iterable[GradePoint]) -> float | None:
    """The course total's percentage."""
    return next((g.percentage for g in grades if g.total), None)

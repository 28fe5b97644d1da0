"""Whether a student is getting worse or better in a course over the last four weeks.

The rule: the last 14 days up to today (inclusive) are compared with the 14 days before them, on two
figures — the share of lessons attended (of the lessons with a mark, as the attendance report counts)
and the mean percentage of the grades given (without the course total, which is cumulative). Each
figure whose both halves have data gives a change in percentage points; the trend is the sum of those
changes: −10 points or lower is *worse*, +10 or higher *better*, anything between *steady*. Without
any figure present in both halves there is no trend (None).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from bridge.reports.data import Attendance
from bridge.reports.marks import GradePoint

HALF = dt.timedelta(days=14)
STEP = 10.0  # percentage points


class Trend(enum.StrEnum):
    WORSE = "worse"
    BETTER = "better"
    STEADY = "steady"

    @property
    def ru(self) -> str:
        return {"worse": "ухудшение", "better": "улучшение", "steady": "без изменений"}[self.value]


def _attended(marks: Iterable[Attendance], start: dt.date, end: dt.date) -> float | None:
    inside = [a.kind.attended for a in marks if start <= a.day <= end]
    return 100 * sum(inside) / len(inside) if inside else None


def _graded(grades: Iterable[GradePoint], start: dt.date, end: dt.date) -> float | None:
    inside = [g.percentage for g in grades if not g.total and g.percentage is not None
              and g.graded_on is not None and start <= g.graded_on <= end]
    return sum(inside) / len(inside) if inside else None


def trend(marks: list[Attendance], grades: list[GradePoint], today: dt.date) -> Trend | None:
    recent = (today - HALF + dt.timedelta(days=1), today)
    before = (recent[0] - HALF, recent[0] - dt.timedelta(days=1))
    changes = [now - then for figure in (lambda a, b: _attended(marks, a, b), lambda a, b: _graded(grades, a, b))
               if (now := figure(*recent)) is not None and (then := figure(*before)) is not None]
    if not changes:
        return None
    change = sum(changes)
    if change <= -STEP:
        return Trend.WORSE
    if change >= STEP:
        return Trend.BETTER
    return Trend.STEADY

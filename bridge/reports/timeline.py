"""One student's timeline: attendance and marks week by week, over all their network courses (the
student page's chart). Counted as the attendance report counts (lessons not cancelled with a mark;
present and late attended) and as the dynamics count results (mean percentage of the grades given
that week, without the course total); a week without either is left out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import AttendanceMark, Grade, GradeItem, Lesson, ScheduleStatus


@dataclass
class Week:
    start: dt.date  # Monday
    marked: int = 0
    attended: int = 0
    grades: int = 0
    grade_total: float = 0.0

    @property
    def attendance_percent(self) -> float | None:
        return round(100 * self.attended / self.marked, 1) if self.marked else None

    @property
    def grade_percent(self) -> float | None:
        return round(self.grade_total / self.grades, 1) if self.grades else None

    def as_json(self) -> dict:
        return {"week": self.start.isoformat(), "marked": self.marked, "attended": self.attended,
                "attendance_percent": self.attendance_percent, "grades": self.grades,
                "grade_percent": self.grade_percent}


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def student_timeline(session: Session, student_id: int, timezone: str) -> list[Week]:
    zone = ZoneInfo(timezone)
    weeks: dict[dt.date, Week] = defaultdict(lambda: Week(dt.date.min))
    marks = session.execute(select(Lesson.date, AttendanceMark.kind).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
                            .where(AttendanceMark.student_id == student_id, Lesson.status != ScheduleStatus.CANCELLED))
    for day, kind in marks:
        week = weeks[_monday(day)]
        week.marked += 1
        week.attended += kind.attended
    grades = session.execute(select(Grade.graded_at, Grade.percentage).join(GradeItem, GradeItem.id == Grade.item_id)
                             .where(Grade.student_id == student_id, GradeItem.item_type != "course",
                                    Grade.percentage.is_not(None), Grade.graded_at.is_not(None)))
    for graded_at, pct in grades:
        week = weeks[_monday(utc(graded_at).astimezone(zone).date())]
        week.grades += 1
        week.grade_total += pct
    for start, week in weeks.items():
        week.start = start
    return [weeks[k] for k in sorted(weeks)]

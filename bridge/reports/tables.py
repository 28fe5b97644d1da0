"""The reports as tables: one set of facts per enrolled student and course, read from the registry
once, and each report a view of those facts.

Attendance counts the lessons (not cancelled) the student has a mark for: a lesson where the
teacher took no attendance is not counted either way. Present and late are attended; absent and
excused are missed (listed with their dates). With a term, only lessons in the home school's term
count and the mark is the term's; without, the whole year and the year mark (see :mod:`bridge.reports.marks`).
Who is at risk is :mod:`bridge.reports.risk`'s rule (attendance, mark, inactivity; the management
count per school is the same rule in SQL), judged today; the at-risk list names each reason and the
trend of the last four weeks (:mod:`bridge.reports.trend`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bridge.models import AssessmentForm
from bridge.reports.data import Attendance, Enrolled, HomeTerms, Scope, attendance_of, enrolled, grades_of
from bridge.reports.marks import Mark, form_of, home_mark, term_percentage, year_percentage
from bridge.reports.risk import Rule
from bridge.reports.trend import Trend, trend
from config import Settings
from config.settings import MarksSettings

FORMS_RU = {AssessmentForm.FIVE_POINT: "пятибалльная", AssessmentForm.PASS_FAIL: "зачёт/незачёт",
            AssessmentForm.POINTS: "баллы"}


@dataclass(frozen=True)
class Facts:
    who: Enrolled
    form: AssessmentForm
    marked: int
    attended: int
    missed: tuple[Attendance, ...]
    percent: float | None
    mark: Mark | None
    inactive_days: int | None = None  # days without opening the course, when over the setting
    trend: Trend | None = None
    risks: tuple[str, ...] = ()  # why the student is at risk (bridge.reports.risk); empty: not

    @property
    def share(self) -> float | None:
        return round(self.attended / self.marked, 3) if self.marked else None


def facts(session: Session, settings: Settings, scope: Scope, today: dt.date | None = None) -> list[Facts]:
    today = today or settings.district.today()
    rule = Rule.of(settings)
    terms = HomeTerms(session)
    marks = attendance_of(session, scope)
    grades = grades_of(session, scope, settings.district.timezone)
    out = []
    for e in enrolled(session, scope, today):
        records = marks.get((e.student_id, e.course_id), [])
        points = grades.get((e.student_id, e.course_id), [])
        direction = trend(records, points, today)
        idle = rule.inactive(e.access_read, e.last_access, e.starts_on, today)
        if scope.term is None:
            percent = year_percentage(points)
        else:
            span = terms.span(e.year_id, e.school_id, scope.term)
            records = [a for a in records if span and span[0] <= a.day <= span[1]]
            percent = term_percentage(points, *span) if span else None
        form = form_of(e.form, settings.marks)
        attended = sum(1 for a in records if a.kind.attended)
        mark = home_mark(percent, form, settings.marks)
        risks = rule.reasons(marked=len(records), attended=attended, percent=percent, form=form,
                             mark=mark.value if mark else None, course_title=e.course_title,
                             inactive_days=idle) if e.in_force else ()
        out.append(Facts(e, form, len(records), attended, tuple(a for a in records if not a.kind.attended), percent,
                         mark, idle, direction, risks))
    return out


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (key, header in Russian)
    rows: tuple[tuple[Any, ...], ...]
    student_level: bool = True

    @property
    def headers(self) -> list[str]:
        return [h for _, h in self.columns]

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [k for k, _ in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


WHO = (("school", "Школа"), ("student", "Код обучающегося"), ("name", "ФИО"), ("class", "Класс"),
       ("course", "Код курса"), ("course_title", "Курс"))


def _who(f: Facts) -> tuple:
    e = f.who
    return e.school_name, e.student, e.name, e.class_name, e.course, e.course_title


def _period(scope: Scope) -> str:
    return f"{scope.term} четверть" if scope.term else "год"


def attendance_table(items: list[Facts], scope: Scope, cfg: MarksSettings) -> Table:
    rows = tuple(_who(f) + (f.marked, f.attended, f.share,
                            "; ".join(f"{a.day:%d.%m.%Y} {a.status}" for a in f.missed)) for f in items)
    return Table("attendance", f"Посещаемость сетевых курсов ({_period(scope)})",
                 WHO + (("marked", "Занятий с отметкой"), ("attended", "Посещено"), ("share", "Доля посещённых"),
                        ("missed", "Пропуски (дата, отметка)")), rows)


def marks_table(items: list[Facts], scope: Scope, cfg: MarksSettings) -> Table:
    rows = tuple(_who(f) + (FORMS_RU[f.form], _period(scope), f.percent, f.mark.value if f.mark else None)
                 for f in items)
    return Table("marks", f"Отметки для журнала школы ({_period(scope)})",
                 WHO + (("form", "Форма аттестации"), ("period", "Период"), ("percent", "Результат, %"),
                        ("mark", "Отметка")), rows)


def at_risk_table(items: list[Facts], scope: Scope, cfg: MarksSettings) -> Table:
    rows = tuple(_who(f) + (f.share, f.mark.value if f.mark else None, f.inactive_days, "; ".join(reasons),
                            f.trend.value if f.trend else None, f.trend.ru if f.trend else "нет данных")
                 for f in items if (reasons := f.risks))
    return Table("at-risk", f"Обучающиеся в зоне риска ({_period(scope)})",
                 WHO + (("share", "Доля посещённых"), ("mark", "Отметка"), ("inactive_days", "Не заходит в курс, дн."),
                        ("reasons", "Причины"), ("trend", "Тренд (код)"), ("trend_ru", "Тренд за 4 недели")), rows)


def summary_table(items: list[Facts], scope: Scope, cfg: MarksSettings) -> Table:
    """Aggregates per home school and course: no names, for every role."""
    groups: dict[tuple[str, str], list[Facts]] = defaultdict(list)
    for f in items:
        groups[(f.who.school_name, f.who.course)].append(f)
    rows = []
    for (school, course), group in groups.items():
        marked = sum(f.marked for f in group)
        attended = sum(f.attended for f in group)
        failing = sum(1 for f in group if f.mark is not None and f.mark.failing)
        rows.append((school, course, len(group), round(attended / marked, 3) if marked else None, failing,
                     sum(1 for f in group if f.risks)))
    return Table("summary", f"Сводка по школам и курсам ({_period(scope)})",
                 (("school", "Школа"), ("course", "Код курса"), ("students", "Обучающихся"),
                  ("share", "Доля посещённых"), ("failing", "С неудовлетворительной отметкой"),
                  ("at_risk", "В зоне риска")), tuple(rows), student_level=False)


REPORTS: dict[str, Callable[[list[Facts], Scope, MarksSettings], Table]] = {
    "attendance": attendance_table, "marks": marks_table, "at-risk": at_risk_table, "summary": summary_table}


def build_report(name: str, session: Session, settings: Settings, scope: Scope, today: dt.date | None = None) -> Table:
    return REPORTS[name](facts(session, settings, scope, today), scope, settings.marks)

"""The monthly report for the district's education department: the management monitoring
(:mod:`bridge.reports.schools`) of one month, as an XLSX workbook (one sheet per section) and a
printable HTML page (A4, its charts drawn as inline SVG on the server, :mod:`bridge.charts`).

A report is a list of sections, each a :class:`bridge.reports.tables.Table` (title, columns, rows)
with an optional chart, made by one function of :data:`SECTIONS` from the month's facts. A new
section (the teachers' figures, the agreements' hours) is one more function in that list. The
report is district-level: schools and counts, never a student's name.

It is made by ``netcourses report monthly``, and by a ``monthly_report`` job (:data:`JOB_KIND`) that the
console and the API queue on demand and the scheduler on the 1st for the previous month; it is kept in the
database (:class:`bridge.models.MonthlyReport`): what was sent stays as it was sent. The job keeps it and
records that on the job in one transaction (:func:`make_for_job`), so a job taken over after that makes it
no second time. The PDF is made from the HTML with them (:func:`pdf_bytes`) and kept too: a download only
sends kept bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge import jobs
from bridge.charts import bar_chart
from bridge.models import Job, MonthlyReport
from bridge.reports.export import workbook_bytes
from bridge.reports.schools import ROLES_RU, Monitoring, Period, SchoolRow, monitoring
from bridge.reports.tables import Table
from bridge.reports.teachers import COLUMNS, teacher_rows
from bridge.years import current_year
from config import Settings

# A chart of schools shows at most this many (the lowest first): a region has a thousand.
CHART_SCHOOLS = 25
JOB_KIND = "monthly_report"  # the queue's kind that sync_jobs.worker runs with make_for_job


@dataclass(frozen=True)
class Section:
    table: Table
    chart: Markup | None = None
    caption: str = ""  # the chart's


@dataclass(frozen=True)
class Month:
    """What a section is made from."""

    session: Session
    settings: Settings
    period: Period
    monitoring: Monitoring


@dataclass(frozen=True)
class Report:
    district: str
    period: Period
    generated_at: dt.datetime
    sections: tuple[Section, ...]


def parse_month(text: str) -> dt.date:
    """``"2026-11"`` → 1 November 2026; ValueError naming the expected form."""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"month: expected YYYY-MM (e.g. 2026-11), got {text!r}") from None


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _points(value: float | None, district: float | None) -> float | None:
    """The school's share against the district's, in percentage points."""
    return None if value is None or district is None else round(100 * (value - district), 1)


def summary_section(m: Month) -> Section:
    d, mon = m.monitoring.district, m.monitoring
    in_network = [s for s in mon.schools if s.figures.students]
    rows = (("Период", m.period.label),
            ("Школ, чьи обучающиеся учатся в сети", len(in_network)),
            ("Обучающихся в сети", d.students),
            ("Обучающихся в округе", d.total),
            ("Доля обучающихся округа в сети, %", _pct(d.share)),
            ("Сетевых курсов", d.courses),
            ("Предметных областей", len(mon.areas)),
            ("Посещаемость за месяц, %", _pct(d.attendance)),
            ("Средний результат за месяц, %", d.mean_percent),
            ("Доля положительных результатов, %", _pct(d.pass_share)),
            ("Школ с низкими результатами", len(mon.low_schools)),
            ("Обучающихся в зоне риска", d.at_risk))
    return Section(Table("Сводка", f"Сетевой округ: сводка за {m.period.label}",
                         (("figure", "Показатель"), ("value", "Значение")), rows, student_level=False))


def _judgement(s: SchoolRow, m: Month) -> str:
    if not s.judged:
        return f"не оценивается: в сети меньше {m.settings.monitoring.min_students} обучающихся"
    return "; ".join(s.low)


def schools_section(m: Month) -> Section:
    d = m.monitoring.district
    schools = [s for s in m.monitoring.schools if s.figures.students]
    rows = tuple((s.short_name, s.external_id, ROLES_RU.get(s.role, s.role), s.figures.students, s.figures.total,
                  _pct(s.figures.share), s.figures.courses, _pct(s.figures.attendance),
                  _points(s.figures.attendance, d.attendance), s.figures.mean_percent, _pct(s.figures.pass_share),
                  _points(s.figures.pass_share, d.pass_share), _judgement(s, m)) for s in schools)
    lowest = sorted((s for s in schools if s.figures.attendance is not None),
                    key=lambda s: s.figures.attendance)[:CHART_SCHOOLS]
    chart = bar_chart({s.short_name: round(100 * s.figures.attendance) for s in lowest}) if lowest else None
    return Section(Table("Школы", f"Школы: охват, посещаемость и результаты за {m.period.label}", (
        ("school", "Школа"), ("code", "Код"), ("role", "Роль"), ("students", "В сети"),
        ("total", "Всего в школе"), ("share", "Доля в сети, %"), ("courses", "Курсов"),
        ("attendance", "Посещаемость, %"), ("attendance_vs", "К округу, п.п."), ("mean", "Средний балл, %"),
        ("pass_share", "Положительных, %"), ("pass_vs", "К округу, п.п."), ("low", "Низкие результаты")),
        rows, student_level=False), chart, f"Посещаемость, %: {len(lowest)} школ с самой низкой")


def areas_section(m: Month) -> Section:
    areas = m.monitoring.areas
    return Section(Table("Предметные области", "Сетевые курсы по предметным областям",
                         (("area", "Предметная область"), ("courses", "Курсов"), ("students", "Обучающихся"),
                          ("schools", "Школ")),
                         tuple((a.name, a.courses, a.students, a.schools) for a in areas), student_level=False),
                   bar_chart({a.name: a.courses for a in areas}) if areas else None, "Курсов в предметной области")


def low_section(m: Month) -> Section:
    t = m.monitoring.thresholds
    return Section(Table(
        "Низкие результаты",
        f"Школы с низкими результатами (посещаемость ниже {t['low_attendance']:.0%} или положительных "
        f"результатов меньше {t['low_pass_share']:.0%}; не менее {t['min_students']} обучающихся в сети)",
        (("school", "Школа"), ("code", "Код"), ("students", "Обучающихся в сети"), ("attendance", "Посещаемость, %"),
         ("pass_share", "Положительных, %"), ("reasons", "Причины")),
        tuple((s.short_name, s.external_id, s.figures.students, _pct(s.figures.attendance),
               _pct(s.figures.pass_share), "; ".join(s.low)) for s in m.monitoring.low_schools),
        student_level=False))


def at_risk_section(m: Month) -> Section:
    schools = [s for s in m.monitoring.schools if s.figures.at_risk]
    rows = tuple((s.short_name, s.external_id, s.figures.students, s.figures.at_risk,
                  round(100 * s.figures.at_risk / s.figures.students, 1) if s.figures.students else None)
                 for s in schools)
    most = sorted(schools, key=lambda s: -s.figures.at_risk)[:CHART_SCHOOLS]
    return Section(Table("Группа риска", "Обучающиеся в зоне риска по школам (число, без имён)",
                         (("school", "Школа"), ("code", "Код"), ("students", "Обучающихся в сети"),
                          ("at_risk", "В зоне риска"), ("share", "Доля, %")), rows, student_level=False),
                   bar_chart({s.short_name: s.figures.at_risk for s in most}) if most else None,
                   "Обучающихся в зоне риска")


def teachers_section(m: Month) -> Section:
    """How the teaching went: lessons held and taken late per teacher and course, grading, inactive students
    counted (teachers are named: the education department plans their workload; students are not)."""
    _, rows = teacher_rows(m.session, m.period.starts_on, cfg=m.settings.monitoring,
                           now=dt.datetime.combine(m.period.ends_on, dt.time(), dt.UTC),
                           timezone=m.settings.district.timezone)
    return Section(Table("Преподаватели", "Проведение занятий и проверка работ по педагогам", COLUMNS, tuple(rows),
                         student_level=False))


SECTIONS: list[Callable[[Month], Section]] = [summary_section, schools_section, areas_section, low_section,
                                              at_risk_section, teachers_section]


def build(session: Session, settings: Settings, first: dt.date, now: dt.datetime | None = None) -> Report:
    """The report of the month starting ``first``; LookupError when the registry has no academic year."""
    year = current_year(session, first)
    if year is None:
        raise LookupError("no academic year in the registry: nothing to report")
    period = Period.month(year, first)
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo(settings.district.timezone)).date()
    month = Month(session, settings, period, monitoring(session, settings, period, today))
    return Report(settings.district.name, period, now, tuple(section(month) for section in SECTIONS))


def xlsx_bytes(report: Report) -> bytes:
    return workbook_bytes([s.table for s in report.sections])


def _number(value: float) -> str:
    """A figure as a Russian reader writes it: 1 234, 87,5."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\u00a0").replace(".", ",")


_TEMPLATES = Environment(loader=PackageLoader("bridge", "templates"), autoescape=select_autoescape(["html"]))
_TEMPLATES.filters["number"] = _number


def html_text(report: Report, settings: Settings) -> str:
    generated = report.generated_at.astimezone(ZoneInfo(settings.district.timezone))
    return _TEMPLATES.get_template("reports/monthly.html").render(report=report, generated=generated)


def pdf_bytes(html: str) -> bytes:
    """The printable HTML as PDF (WeasyPrint: it lays out the same print CSS and the inline SVG)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def generate(session: Session, settings: Settings, first: dt.date, by: str) -> MonthlyReport:
    """Make the month's report and keep it (replacing one made before for that month); the caller commits."""
    report = build(session, settings, first)
    kept = session.scalar(select(MonthlyReport).where(MonthlyReport.month == first))
    if kept is None:
        kept = MonthlyReport(month=first)
        session.add(kept)
    kept.generated_at, kept.generated_by = report.generated_at, by
    kept.xlsx, kept.html = xlsx_bytes(report), html_text(report, settings)
    kept.pdf = pdf_bytes(kept.html)
    session.flush()
    return kept


def queue_monthly(session: Session, settings: Settings, first: dt.date, by: str) -> Job:
    """Queue the making of the month's report for a worker, on behalf of ``by`` (a login). The caller commits."""
    return jobs.enqueue(session, JOB_KIND, {"month": f"{first:%Y-%m}", "by": by},
                        max_attempts=settings.jobs.max_attempts)


def make_for_job(session: Session, settings: Settings, job: Job, worker: str) -> dict[str, str]:
    """Make and keep the job's month (:func:`generate`) and commit it with the job's outcome (``{"month":
    "YYYY-MM"}``). Raises ValueError (a bad month), LookupError (no academic year), or
    :class:`bridge.jobs.NotHolder` when the job is no longer ``worker``'s (nothing is committed)."""
    first = parse_month(job.params.get("month", ""))
    generate(session, settings, first, by=job.params.get("by", "scheduler"))
    outcome = {"month": f"{first:%Y-%m}"}
    return jobs.commit_outcome(session, job, worker, outcome)


def kept_reports(session: Session) -> list[MonthlyReport]:
    """The kept reports, newest month first (without loading their files)."""
    from sqlalchemy.orm import defer

    return list(session.scalars(select(MonthlyReport).options(defer(MonthlyReport.xlsx), defer(MonthlyReport.html),
                                                              defer(MonthlyReport.pdf))
                                .order_by(MonthlyReport.month.desc())))

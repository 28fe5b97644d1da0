"""The console (Russian UI): dashboard and sync pages for the network administrator and others."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from bridge.audit import audit
from bridge.calendar.figures import conflict_counts, load_counts
from bridge.models import (
    AccountRole,
    AuditEntry,
    NetworkCourse,
    School,
    Student,
    SyncChange,
    SyncRun,
    Teacher,
)
from bridge.reports.figures import dashboard_charts, stats_figure
from bridge.web import db_session, get_or_404, runtime
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key

bp = Blueprint("console", __name__)

RUN_STATUS = {"queued": "в очереди", "ok": "успешно", "failed": "с ошибками", "refused": "отклонён", "running": "выполняется",
              "interrupted": "прерван"}
KIND_NAMES = {"category": "Категории", "course": "Курсы", "attendance": "Модули посещаемости",
              "user": "Пользователи", "cohort": "Глобальные группы (школы)", "cohort_member": "Состав глобальных групп",
              "group": "Группы в курсах", "enrolment": "Записи на курсы", "group_member": "Состав групп",
              "attendance_session": "Занятия в журнале посещаемости", "event": "События календаря"}
ACTION_NAMES = {"create": "создать", "adopt": "связать", "update": "изменить", "reactivate": "восстановить",
                "suspend": "приостановить", "remove": "удалить"}
OUTCOME_NAMES = {"planned": "запланировано", "applied": "применено", "failed": "ошибка", "skipped": "пропущено"}
# What a stopped run's message means, in words; the message itself (often the library's English) is folded away.
_MOODLE_HINT = ("Если Moodle недоступен, проверьте NETCOURSES_MOODLE_URL, токен и службу веб-сервисов "
                "(netcourses moodle check).")
OUTCOME_TEXT = {
    "failed": "Запуск остановлен с ошибкой: что успели сделать, сохранено, следующий запуск продолжит. " + _MOODLE_HINT,
    # a dry run writes nothing, so there is nothing to go on from
    "failed dry run": "Проверка остановлена с ошибкой; в Moodle ничего не записано. " + _MOODLE_HINT,
    "refused": "Запуск отклонён защитой: план приостановил бы слишком много. Проверьте реестр; если так и "
               "задумано, запустите с «Разрешить массовую приостановку».",
}


@bp.get("/")
@require()
def dashboard():
    """The network's figures and, by month of the academic year, attendance and results per home
    school and per grade, for every role: they are aggregates (no names), which a viewer may see.
    A coordinator gets every school's line too, not only their own: the point of the chart is to
    read their school against the rest of the network. Administrators also get the sync's state, as
    its last run recorded it: planning afresh on every load costs seconds at region scale
    (benchmarks/bench_dashboard.py); a button makes a new plan in the background. The costly figures
    (statistics, dynamics, the checks' counts) come from the cache of bridge.figures, computed again
    only after their inputs change."""
    from bridge.sync.run import run_progress

    if current_account().role == AccountRole.TEACHER and request.args.get("view") != "network":
        return _teacher_home()
    session = db_session()
    stats = stats_figure(session, runtime().settings)
    runs, problems, last, known, known_run = [], [], None, None, None
    if current_account().role == AccountRole.ADMIN:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(10)).all()
        if runs:
            last = run_progress(session, runs[0])
            if not last.plan_known:  # keep showing the last plan that was really made, with its time
                known_run, known = next(((r, p) for r in runs[1:] if (p := run_progress(session, r)).plan_known),
                                        (None, None))
            problems = session.scalars(select(SyncChange).where(
                SyncChange.run_id == runs[0].id, SyncChange.outcome.in_(("failed", "skipped")))
                .order_by(SyncChange.id).limit(50)).all()
    warnings = None
    account = current_account()
    if account.role in (AccountRole.ADMIN, AccountRole.COORDINATOR):
        school_id = account.school_id if account.role == AccountRole.COORDINATOR else None
        warnings = {"conflicts": conflict_counts(session, school_id)["conflicts"],
                    "overloads": load_counts(session, school_id)["overloads"]}
    charts, year = _charts(session)
    return render_template("console/dashboard.html", stats=stats, charts=charts, runs=runs, problems=problems,
                           run_status=RUN_STATUS, statuses=_statuses(runs), errors=_errors(runs), warnings=warnings,
                           last=last, known=known, known_run=known_run, kind_names=KIND_NAMES,
                           action_names=ACTION_NAMES, dynamics_year=year)


def _charts(session) -> tuple[dict[str, Markup], str | None]:
    """The dashboard's charts and the year they show, as the figure cache keeps them drawn
    (:func:`bridge.reports.figures.dashboard_charts`; the worker draws them after a change)."""
    drawn = dashboard_charts(session, runtime().settings)
    return {k: Markup(v) for k, v in drawn["charts"].items()}, drawn["year"]  # our own SVG, as drawn


@bp.get("/sync/runs/<int:run_id>")
@require(AccountRole.ADMIN)
def sync_run_page(run_id: int):
    """One run: its plan by kind, its progress while it applies (the page follows it), then every
    change and what became of it (failures and skips first)."""
    from bridge.sync.run import run_progress

    run = get_or_404(SyncRun, run_id, "sync run")
    changes = db_session().scalars(select(SyncChange).where(SyncChange.run_id == run_id).order_by(
        SyncChange.outcome.in_(("failed", "skipped")).desc(), SyncChange.id).limit(5000)).all()
    progress = run_progress(db_session(), run)
    by_kind: dict[str, list[SyncChange]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    groups = [(kind, by_kind[kind], Counter(c.outcome for c in by_kind[kind]))
              for kind in sorted(by_kind, key=lambda k: list(KIND_NAMES).index(k) if k in KIND_NAMES else 99)]
    return render_template("console/sync_run.html", run=run, changes=changes, groups=groups,
                           name_of=_registry_names(db_session()) if changes else {}, run_status=RUN_STATUS,
                           outcome_text=OUTCOME_TEXT, errors=_errors([run]),
                           progress=progress, going=progress.status in ("queued", "running"),
                           kind_names=KIND_NAMES, action_names=ACTION_NAMES, outcome_names=OUTCOME_NAMES)


# The audit log keeps its actions in English (the API and the logs read them); the console words them.
AUDIT_ACTIONS = {
    "read student": "просмотр обучающегося", "read students": "просмотр списка обучающихся",
    "read course students": "просмотр обучающихся курса", "read conflicts": "просмотр пересечений",
    "read load": "просмотр нагрузки", "read face-to-face attendance": "просмотр посещаемости очной сессии",
    "read allocation run": "просмотр распределения", "import": "загрузка списков",
    "import choices": "загрузка выбора курсов", "export choices": "выгрузка выбора курсов",
    "save choice campaign": "сохранение кампании выбора", "run allocation": "распределение по группам",
    "approve allocation": "утверждение распределения", "pin allocation": "закрепление за курсом",
    "forbid allocation": "запрет курса", "free allocation": "снятие решения по курсу",
    "force offer": "открытие или закрытие группы", "start sync": "запуск синхронизации",
    "add face-to-face session": "добавление очной сессии", "edit face-to-face session": "изменение очной сессии",
    "cancel face-to-face session": "отмена очной сессии",
    "enter face-to-face attendance": "ввод посещаемости очной сессии",
    "create account": "создание учётной записи", "enable account": "включение учётной записи",
    "disable account": "отключение учётной записи", "set password": "смена пароля", "set role": "смена роли",
    "issue API token": "выдача токена API", "revoke API token": "отзыв токена API",
    "revoke API tokens": "отзыв всех токенов API", "sign-in failed": "неудачный вход",
    "issue calendar link": "выдача ссылки на календарь", "revoke calendar link": "отзыв ссылки на календарь",
    "create agreement": "создание договора", "change agreement": "изменение договора",
    "delete agreement": "удаление договора", "import agreements": "загрузка договоров",
    "read calendar link": "просмотр ссылки на календарь",
    "read teachers' monitoring": "просмотр мониторинга преподавателей",
    "read student timeline": "просмотр посещаемости и результатов по неделям", "read choices": "просмотр выбора курсов", "rotate calendar link": "замена ссылки на календарь",
}
REPORT_NAMES = {"attendance": "посещаемости", "marks": "отметок", "at-risk": "группы риска", "summary": "сводки"}


def audit_action(action: str) -> str:
    """The Russian words for an audit action; an action without them shows as it is stored."""
    verb, _, rest = action.partition(" ")
    if rest.endswith(" report") and verb in ("read", "export"):
        report = REPORT_NAMES.get(rest.removesuffix(" report"), rest.removesuffix(" report"))
        return ("просмотр" if verb == "read" else "выгрузка") + f" отчёта {report}"
    return AUDIT_ACTIONS.get(action, action)


def audit_actor(login: str) -> str:
    """An account's login; from the command line the operating-system user; the demo's own loading."""
    if login.startswith("os:"):
        return f"командная строка ({login[3:]})"
    if login.startswith("link:student "):
        return f"личная ссылка обучающегося {login.removeprefix('link:student ')}"
    return {"demo": "демо-данные", "-": "система"}.get(login, login)


@bp.get("/audit")
@require(AccountRole.ADMIN)
def audit_log():
    """Who read or exported student-level data, and when (the last 500 entries)."""
    entries = db_session().scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).all()
    return render_template("console/audit.html", entries=entries, action=audit_action, actor=audit_actor)


@bp.route("/sync", methods=["GET", "POST"])
@require(AccountRole.ADMIN)
def sync_page():
    """Start a preview (a dry run) or an apply, and follow it on the run's page; the history below.

    The run goes on in the background: a sync may take minutes, a request must not."""
    from bridge.job_lock import LockBusy
    from bridge.sync.run import start_sync
    from moodle_client.errors import MoodleNotConfigured

    error = None
    if request.method == "POST":
        try:
            run_id = start_sync(runtime(), mode="full" if request.form.get("full") else "delta",
                                dry_run=request.form.get("action") != "apply", force=bool(request.form.get("force")))
        except MoodleNotConfigured as exc:
            error = ("Moodle не настроен: задайте адрес и токен (NETCOURSES_MOODLE_URL и NETCOURSES_MOODLE_TOKEN). "
                     "План по реестру («Показать план» без полной сверки) строится и без них.", str(exc))
        except LockBusy as exc:
            error = ("Синхронизация уже идёт: дождитесь её конца на странице запуска или в истории ниже.", str(exc))
        else:
            audit(db_session(), current_account(), "start sync", f"run {run_id}")
            db_session().commit()
            return redirect(url_for("console.sync_run_page", run_id=run_id), 303)
    runs = db_session().scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(20)).all()
    return render_template("console/sync.html", error=error, runs=runs, statuses=_statuses(runs),
                           errors=_errors(runs)), 409 if error else 200


TEACHER_DAYS = 14


def _teacher_home():
    """A network teacher's start page: their courses (with the Moodle link and how many students come from
    which home school) and their lessons of the next two weeks. Not the network's overview: they teach."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy import func

    from bridge.calendar.feeds import moodle_course_link
    from bridge.models import CourseTeacher, Enrolment, EnrolmentStatus, Lesson, ScheduleStatus

    session, settings = db_session(), runtime().settings
    courses = session.scalars(select(NetworkCourse).join(CourseTeacher, CourseTeacher.course_id == NetworkCourse.id)
                              .where(CourseTeacher.teacher_id == current_account().teacher_id)
                              .order_by(NetworkCourse.title)).all()
    ids = [c.id for c in courses]
    schools: dict[int, list[tuple[str, int]]] = {}
    for course_id, school, count in session.execute(
            select(Enrolment.course_id, School.short_name, func.count()).join(Student, Enrolment.student_id == Student.id)
            .join(School, Student.school_id == School.id)
            .where(Enrolment.course_id.in_(ids), Enrolment.status == EnrolmentStatus.ACTIVE)
            .group_by(Enrolment.course_id, School.short_name)):
        schools.setdefault(course_id, []).append((school, count))
    today = dt.datetime.now(ZoneInfo(settings.district.timezone)).date()
    lessons = session.scalars(select(Lesson).where(
        Lesson.course_id.in_(ids), Lesson.date >= today, Lesson.date < today + dt.timedelta(days=TEACHER_DAYS),
        Lesson.status != ScheduleStatus.CANCELLED).order_by(Lesson.date, Lesson.starts_at)).all()
    moodle = {c.id: moodle_course_link(settings.moodle.url.rstrip("/"), c) for c in courses}
    return render_template("console/teacher_home.html", courses=courses, lessons=lessons, moodle=moodle,
                           schools={k: sorted(v, key=lambda sc: natural_key(sc[0])) for k, v in schools.items()},
                           titles={c.id: c.title for c in courses}, days=TEACHER_DAYS)


def _registry_names(session) -> dict[str, str]:
    """Registry keys (people's and schools' external ids, course codes) with the names a person knows them by:
    a change's key such as ``NC-2026-BIO-11/S-0040`` reads «Биология… / Козлова Мария…»."""
    names = {code: title for code, title in session.execute(select(NetworkCourse.code, NetworkCourse.title))}
    names |= {ext: short for ext, short in session.execute(select(School.external_id, School.short_name))}
    for model in (Student, Teacher):
        names |= {ext: f"{last} {first}" for ext, last, first in session.execute(
            select(model.external_id, model.last_name, model.first_name))}
    return names


def _errors(runs) -> dict[int, int]:
    """Errors of each run as the history shows them: a run that failed as a whole (Moodle unreachable
    before any change) is one error, not none."""
    return {run.id: run.failed or int(run.status == "failed") for run in runs}


def _statuses(runs) -> dict[int, str]:
    """Each run's status in Russian, as every view derives it (an abandoned run is interrupted)."""
    from bridge.sync.run import run_status

    statuses = {run.id: run_status(db_session(), run) for run in runs}
    return {run_id: RUN_STATUS.get(status, status) for run_id, status in statuses.items()}

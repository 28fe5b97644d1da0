"""The administrator's import page: upload a file, see every problem (or every change) before
anything is saved, then confirm; a worker applies it, and the job's page shows how it went.

The upload is kept in the database (:mod:`bridge.uploads`), named by its id in the administrator's
session, from its check until its import job ends (nothing on disk: a worker on another machine reads
it from there). The check stays in the request: it is a dry run that writes nothing (the import is
rolled back) and reads one file within the ``[imports]`` limits, so the administrator sees its problems
at once; the apply, which writes and may take long for a region's lists, is an ``import`` job
(:mod:`bridge.transfer.queued`), which the web process never runs itself."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from werkzeug.utils import secure_filename

from bridge import uploads
from bridge.models import AccountRole, Job, Upload
from bridge.transfer import ImportRejected, ImportReport, import_bytes
from bridge.transfer.queued import JOB_KIND, queue_import, shown
from bridge.web import db_session, get_or_404, runtime
from bridge.web.auth import current_account, require

bp = Blueprint("imports_page", __name__)

ALLOWED = (".csv", ".xlsx", ".zip")
TEMPLATE_NAMES = {
    "schools": "Школы", "academic_years": "Учебные годы", "terms": "Четверти", "holidays": "Каникулы",
    "bell_schedules": "Расписание звонков", "teachers": "Педагоги", "students": "Обучающиеся",
    "courses": "Сетевые курсы", "lesson_slots": "Слоты занятий", "enrolments": "Зачисления",
    "class_timetable": "Расписание классов", "curriculum_load": "Учебная нагрузка",
    "course_teachers": "Педагоги курсов",
}


def _sweep() -> None:
    """Uploads nobody will import any more go (:func:`bridge.uploads.sweep`) on every visit of the import
    pages."""
    db = db_session()
    uploads.sweep(db, dt.timedelta(minutes=runtime().settings.imports.upload_ttl_minutes))
    db.commit()


def _pending() -> Upload | None:
    """This administrator's upload waiting for confirmation, if it is still there."""
    upload = db_session().get(Upload, session.get("pending_import", 0))
    if upload is None or upload.job_id is not None or upload.account_id != current_account().id:
        return None
    return upload


def _check(name: str, data: bytes) -> tuple[ImportReport | None, ImportRejected | None]:
    """(report, rejection) of a dry run: the import is rolled back whatever it found."""
    db = db_session()
    try:
        return import_bytes(db, name, data, dry_run=True, limits=runtime().settings.imports), None
    except ImportRejected as rejected:
        return None, rejected
    finally:
        db.rollback()


def _upload() -> tuple[ImportReport | None, ImportRejected | None, str | None]:
    """Check the file posted; a good one is kept for confirmation. (report, rejection, error)."""
    upload = request.files.get("file")
    name = secure_filename(upload.filename or "") if upload else ""
    if not name or not name.lower().endswith(ALLOWED):
        return None, None, "Выберите файл CSV, XLSX или ZIP (OneRoster)."
    limit = runtime().settings.imports.max_file_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return None, None, f"Файл больше {limit / 2**20:g} MB (imports.max_file_bytes): его не загрузить."
    db = db_session()
    if (previous := _pending()) is not None:  # replaced by this one
        db.delete(previous)
        db.commit()
    session.pop("pending_import", None)
    report, rejected = _check(name, data)
    if report is not None:
        session["pending_import"] = uploads.store(db, name, data, current_account()).id
        db.commit()
    return report, rejected, None


@bp.route("/imports", methods=["GET", "POST"])
@require(AccountRole.ADMIN)
def imports():
    report, rejected, error = None, None, None
    _sweep()
    if request.method == "POST" and request.form.get("action") == "confirm":
        upload = _pending()
        session.pop("pending_import", None)
        if upload is None:
            minutes = runtime().settings.imports.upload_ttl_minutes
            error = f"Нет загруженного файла (неподтверждённый файл хранится {minutes} мин): загрузите его ещё раз."
        else:
            db = db_session()
            job = queue_import(db, runtime().settings, upload, current_account())
            db.commit()
            return redirect(url_for("imports_page.import_job", job_id=job.id), 303)
    elif request.method == "POST":
        report, rejected, error = _upload()
    return render_template("console/imports.html", report=report, rejected=rejected, applied=False,
                           error=error, names=TEMPLATE_NAMES)


@bp.route("/imports/jobs/<int:job_id>")
@require(AccountRole.ADMIN)
def import_job(job_id: int):
    """An import job's state; once it ended, what it imported or why the file was not accepted."""
    _sweep()
    job = get_or_404(Job, job_id, "import job")
    if job.kind != JOB_KIND:
        abort(404, f"no import job {job_id}")
    report, rejected = shown(job.outcome)
    return render_template("console/import_job.html", job=job, report=report, rejected=rejected,
                           applied=report is not None, names=TEMPLATE_NAMES)

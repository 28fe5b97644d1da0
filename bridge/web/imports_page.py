"""The administrator's import page: upload a file, see every problem (or every change) before
anything is saved, then confirm. The upload waits, named by a random id kept in the administrator's
session, until it is confirmed or replaced, in a folder of the app's own (``imports.upload_dir``, else the
instance folder) that only the app's user can read: lists of pupils do not belong in the shared /tmp. An
upload left unconfirmed is deleted after ``imports.upload_ttl_minutes``."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, session
from werkzeug.utils import secure_filename

from bridge.audit import audit
from bridge.models import AccountRole
from bridge.transfer import ImportRejected, ImportReport, import_path
from bridge.web import db_session, runtime
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


def _uploads() -> Path:
    """The folder of pending uploads, owner-only; uploads older than the time to live are deleted first."""
    settings = runtime().settings.imports
    root = Path(settings.upload_dir or Path(current_app.instance_path) / "uploads")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    root.chmod(0o700)
    stale = time.time() - settings.upload_ttl_minutes * 60
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < stale:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:  # another worker deleted it first
            pass
    return root


def _pending(uploads: Path) -> Path | None:
    upload_id = session.get("pending_import")
    if not upload_id:
        return None
    folder = uploads / upload_id
    files = list(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def _discard(uploads: Path) -> None:
    upload_id = session.pop("pending_import", None)
    if upload_id:
        shutil.rmtree(uploads / upload_id, ignore_errors=True)


def _save(uploads: Path, upload, name: str) -> tuple[str, Path]:
    """(upload id, path): the upload written readable by the app's user only."""
    upload_id = secrets.token_urlsafe(16)
    folder = uploads / upload_id
    folder.mkdir(mode=0o700)
    path = folder / name
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        upload.save(fh)
    return upload_id, path


def _check(path: Path, *, apply: bool) -> tuple[ImportReport | None, ImportRejected | None]:
    """(report, rejection): the import's outcome as a dry run, or applied."""
    db = db_session()
    try:
        report = import_path(db, path, dry_run=not apply, limits=runtime().settings.imports)
    except ImportRejected as rejected:
        db.rollback()
        return None, rejected
    if apply:
        audit(db, current_account(), "import", path.name)
        db.commit()
    else:
        db.rollback()
    return report, None


@bp.route("/imports", methods=["GET", "POST"])
@require(AccountRole.ADMIN)
def imports():
    report, rejected, applied, error = None, None, False, None
    uploads = _uploads()
    if request.method == "POST" and request.form.get("action") == "confirm":
        path = _pending(uploads)
        if path is None:
            minutes = runtime().settings.imports.upload_ttl_minutes
            error = f"Нет загруженного файла (неподтверждённый файл хранится {minutes} мин): загрузите его ещё раз."
        else:
            report, rejected = _check(path, apply=True)
            applied = report is not None
            _discard(uploads)
    elif request.method == "POST":
        upload = request.files.get("file")
        name = secure_filename(upload.filename or "") if upload else ""
        if not name or not name.lower().endswith(ALLOWED):
            error = "Выберите файл CSV, XLSX или ZIP (OneRoster)."
        else:
            _discard(uploads)
            upload_id, path = _save(uploads, upload, name)
            report, rejected = _check(path, apply=False)
            if report is not None:
                session["pending_import"] = upload_id
            else:
                shutil.rmtree(path.parent, ignore_errors=True)
    return render_template("console/imports.html", report=report, rejected=rejected, applied=applied,
                           error=error, names=TEMPLATE_NAMES)

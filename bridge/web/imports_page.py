"""The administrator's import page: upload a file, see every problem (or every change) before
anything is saved, then confirm. The upload waits in a private folder, named by a random id kept
in the administrator's session, until it is confirmed or replaced."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request, session
from werkzeug.utils import secure_filename

from bridge.audit import audit
from bridge.models import AccountRole
from bridge.transfer import ImportRejected, import_path
from bridge.web import db_session
from bridge.web.auth import current_account, require

bp = Blueprint("imports_page", __name__)

UPLOADS = Path(tempfile.gettempdir()) / "netcourses-uploads"
ALLOWED = (".csv", ".xlsx", ".zip")
TEMPLATE_NAMES = {
    "schools": "Школы", "academic_years": "Учебные годы", "terms": "Четверти", "holidays": "Каникулы",
    "bell_schedules": "Расписание звонков", "teachers": "Педагоги", "students": "Обучающиеся",
    "courses": "Сетевые курсы", "lesson_slots": "Слоты занятий", "enrolments": "Зачисления",
    "class_timetable": "Расписание классов", "curriculum_load": "Учебная нагрузка",
    "course_teachers": "Педагоги курсов",
}


def _pending() -> Path | None:
    upload_id = session.get("pending_import")
    if not upload_id:
        return None
    folder = UPLOADS / upload_id
    files = list(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def _discard() -> None:
    upload_id = session.pop("pending_import", None)
    if upload_id:
        shutil.rmtree(UPLOADS / upload_id, ignore_errors=True)


def _check(path: Path, *, apply: bool):
    """(report, problems): the import's outcome as a dry run, or applied."""
    db = db_session()
    try:
        report = import_path(db, path, dry_run=not apply)
    except ImportRejected as rejected:
        db.rollback()
        return None, rejected.problems
    if apply:
        audit(db, current_account(), "import", path.name)
        db.commit()
    else:
        db.rollback()
    return report, []


@bp.route("/imports", methods=["GET", "POST"])
@require(AccountRole.ADMIN)
def imports():
    report, problems, applied, error = None, [], False, None
    if request.method == "POST" and request.form.get("action") == "confirm":
        path = _pending()
        if path is None:
            error = "Нет загруженного файла: загрузите его ещё раз."
        else:
            report, problems = _check(path, apply=True)
            applied = report is not None
            _discard()
    elif request.method == "POST":
        upload = request.files.get("file")
        name = secure_filename(upload.filename or "") if upload else ""
        if not name or not name.lower().endswith(ALLOWED):
            error = "Выберите файл CSV, XLSX или ZIP (OneRoster)."
        else:
            _discard()
            upload_id = secrets.token_urlsafe(16)
            folder = UPLOADS / upload_id
            folder.mkdir(parents=True, mode=0o700)
            path = folder / name
            upload.save(path)
            report, problems = _check(path, apply=False)
            if report is not None:
                session["pending_import"] = upload_id
            else:
                shutil.rmtree(folder, ignore_errors=True)
    return render_template("console/imports.html", report=report, problems=problems, applied=applied,
                           error=error, names=TEMPLATE_NAMES)

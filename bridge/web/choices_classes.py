"""The coordinator's table of choices, one class at a time (``/choices/<code>/class``): each
student's ranked choices, editable, saved all-or-nothing.

The table is sent as the rows of a survey file (``student, choice_1 … choice_N``) to
:func:`bridge.choices.survey.import_answers`, so the checks (offered, admitted for the grade, the
same course not twice, not more than allowed, the coordinator's own school) and the audit are the
import's, not a second copy; a problem names «класс 9А:row:choice_2», row 2 being the first student.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.audit import audit
from bridge.choices.campaigns import find_campaign, window_open
from bridge.choices.instance import grade_shift
from bridge.choices.survey import import_answers
from bridge.models import (
    Account,
    AccountRole,
    ChoiceCampaign,
    ChoiceOffer,
    NetworkCourse,
    School,
    Student,
    StudentChoice,
)
from bridge.sheets.problems import ImportRejected
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key

bp = Blueprint("choices_classes", __name__)


def campaign_and_school(session: Session, account: Account, code: str) -> tuple[ChoiceCampaign, School]:
    """The campaign, and the school whose classes are asked for: a coordinator's own, the one an
    administrator names (``?school=``); else the 404 page."""
    campaign = find_campaign(session, code)
    if campaign is None:
        abort(404, f"Нет кампании {code}")
    if account.role == AccountRole.COORDINATOR:
        return campaign, account.school
    school = session.scalar(select(School).where(School.external_id == request.args.get("school", "")))
    if school is None:
        abort(404, "Укажите школу: ?school=<код школы>")
    return campaign, school


@bp.route("/choices/<code>/class", methods=["GET", "POST"])
@require(AccountRole.ADMIN, AccountRole.COORDINATOR)
def class_table(code: str):
    session, account = db_session(), current_account()
    campaign, school = campaign_and_school(session, account, code)
    pupils = session.scalars(select(Student).where(Student.school_id == school.id)).all()
    classes = sorted({p.class_name for p in pupils}, key=natural_key)
    asked = request.args.get("class", "")
    chosen_class = asked if asked in classes else (classes[0] if classes else "")  # only the school's own
    students = sorted((p for p in pupils if p.class_name == chosen_class), key=lambda p: natural_key(p.last_name))
    today = runtime().settings.district.today()
    shift = grade_shift(campaign, today)
    offers = session.execute(select(NetworkCourse).join(ChoiceOffer, ChoiceOffer.course_id == NetworkCourse.id)
                             .where(ChoiceOffer.campaign_id == campaign.id).order_by(NetworkCourse.code)).scalars()
    offers = list(offers)
    name = f"класс {chosen_class}"
    problems = None
    editable = account.role == AccountRole.ADMIN or window_open(campaign)
    if request.method == "POST" and not editable:
        abort(409, "Приём выбора закрыт: изменить ответы может администратор сети")
    if request.method == "POST":
        ranks = range(1, campaign.max_choices + 1)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student", *(f"choice_{r}" for r in ranks)])
        for student in students:
            writer.writerow([student.external_id,
                             *(request.form.get(f"{student.external_id}:{r}", "").strip() for r in ranks)])
        try:
            import_answers(session, campaign, name, out.getvalue().encode(), today=today, by=account,
                           school_id=school.id)
        except ImportRejected as rejected:
            session.rollback()
            problems = [f"{p.location}: {p.reason_in('ru')}" for p in rejected.problems]
        else:
            session.commit()
            return redirect(url_for("choices_classes.class_table", code=code, school=school.external_id,
                                    **{"class": chosen_class, "done": "1"}), 303)
        current = {(s.external_id, r): request.form.get(f"{s.external_id}:{r}", "") for s in students
                   for r in range(1, campaign.max_choices + 1)}
    else:
        current = {(ext, rank): course for ext, rank, course in session.execute(
            select(Student.external_id, StudentChoice.rank, NetworkCourse.code)
            .join(Student, Student.id == StudentChoice.student_id)
            .join(ChoiceOffer, ChoiceOffer.id == StudentChoice.offer_id)
            .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
            .where(StudentChoice.campaign_id == campaign.id, Student.id.in_([s.id for s in students])))}
        audit(session, account, "read choices", f"{code}: {school.external_id} {chosen_class}")
        session.commit()
    admitted = {s.external_id: [o.code for o in offers if o.admits_grade(s.grade + shift)] for s in students}
    return render_template("console/choices_class.html", campaign=campaign, school=school, classes=classes,
                           chosen_class=chosen_class, students=students, admitted=admitted, current=current,
                           problems=problems, shift=shift, saved=request.args.get("done") == "1",
                           editable=editable), \
        400 if problems else 200

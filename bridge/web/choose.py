"""A student's private course-choice page, ``/choose/<token>`` (issue 16, point 2), and the links to it.

Students have no accounts: the school coordinator (or the administrator) prints a sheet per class with
each student's private link and its QR code. A link is a :class:`~bridge.models.CalendarToken` bound to
the campaign (``campaign_id``): the calendar links' hashing and revocation, never a calendar feed.
Issuing the sheet issues a link to each student without one; re-issuing one revokes the old.

The page shows the offers admitted for the student's grade in the campaign's year, each marked when it
clashes with the student's home timetable or alone exceeds their spare weekly hours — both read from
:func:`bridge.choices.instance.read_campaign`, as the solver sees them. A save goes through the survey
import (:func:`bridge.choices.survey.import_answers`), so the checks and the audit are the import's;
the actor is ``link:student <external id>``, never the token. Saving is refused once the window has
closed. The token is redacted from request logs as the calendar feeds' are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import logging

from flask import Blueprint, abort, redirect, render_template, request, session as cookie, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.audit import audit
from bridge.calendar.tokens import TOKEN_RE, token_hash
from bridge.choices.advice import Mark, offer_marks
from bridge.choices.campaigns import window_open
from bridge.choices.instance import grade_shift, read_campaign
from bridge.choices.links import CHOOSE_PATH, NoStudents, class_students, issue_links
from bridge.choices.survey import import_answers
from bridge.models import (
    AccountRole,
    CalendarToken,
    ChoiceCampaign,
    ChoiceOffer,
    NetworkCourse,
    Student,
    StudentChoice,
)
from bridge.sheets.problems import ImportRejected
from bridge.web import db_session, public_url, runtime
from bridge.web.auth import csrf_token, current_account, require
from bridge.web.calendar_feeds import LOGGERS, RedactTokens
from bridge.web.choices_classes import campaign_and_school
from bridge.web.subscribe import qr_svg

bp = Blueprint("choose", __name__)

REDACT = RedactTokens(CHOOSE_PATH)


@bp.record_once
def _redact_logs(state) -> None:
    for name in (*LOGGERS, state.app.logger.name):
        logging.getLogger(name).addFilter(REDACT)


def _resolve(session: Session, token: str) -> tuple[ChoiceCampaign, Student]:
    """The campaign and student of a working choice link, else the 404 page."""
    row = None
    if TOKEN_RE.fullmatch(token):
        row = session.scalar(select(CalendarToken).where(
            CalendarToken.token_hash == token_hash(token), CalendarToken.revoked_at.is_(None),
            CalendarToken.campaign_id.is_not(None)))
    if row is None:
        abort(404, "Ссылка не найдена или отозвана")
    return session.get(ChoiceCampaign, row.campaign_id), session.get(Student, row.student_id)


def _save(session: Session, campaign: ChoiceCampaign, student: Student, actor: str, today: dt.date) -> list[str]:
    """The form as a one-row survey file through the import: its checks, its audit; the problems, or
    none when saved."""
    ranks = range(1, campaign.max_choices + 1)
    out = io.StringIO()
    csv.writer(out).writerows([["student", *(f"choice_{r}" for r in ranks)],
                               [student.external_id, *(request.form.get(f"choice_{r}", "").strip() for r in ranks)]])
    try:
        import_answers(session, campaign, "выбор", out.getvalue().encode(), today=today, by=actor,
                       school_id=student.school_id)
    except ImportRejected as rejected:
        session.rollback()
        return [p.reason_in("ru") + f" ({p.location})" for p in rejected.problems]
    session.commit()
    return []


def mark_text(mark: Mark, codes: dict[int, str]) -> str:
    """A mark of :func:`bridge.choices.advice.offer_marks` in the student's words."""
    others = ", ".join(codes[o] for o in mark.others)
    if mark.kind == "home_clash":
        return f"совпадает с уроком: {mark.detail}"
    if mark.kind == "overlap":
        return f"идёт в одно время с курсом из вашего выбора ({others}): оба получить нельзя"
    together = f"вместе с {others} " if others else ""
    return f"{together}превысит недельную нагрузку на {mark.hours_over} ч (свободно {mark.spare_hours} ч)"


@bp.route(CHOOSE_PATH + "<token>", methods=["GET", "POST"])
def page(token: str):
    session = db_session()
    campaign, student = _resolve(session, token)
    actor = f"link:student {student.external_id}"
    today = runtime().settings.district.today()
    grade = student.grade + grade_shift(campaign, today)
    is_open = window_open(campaign)
    offers = [(offer, course) for offer, course in session.execute(
        select(ChoiceOffer, NetworkCourse).join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
        .where(ChoiceOffer.campaign_id == campaign.id).order_by(NetworkCourse.title))
        if course.admits_grade(grade)]
    data = read_campaign(session, campaign, today, extra={student.id: [o.id for o, _ in offers]})
    pupil = next((p for p in data.instance.pupils if p.id == student.id), None)
    found = offer_marks(data.instance, pupil, [o.id for o, _ in offers]) if pupil else {}
    marks = {o.id: [mark_text(m, data.codes) for m in found.get(o.id, ())] for o, _ in offers}
    ranks = range(1, campaign.max_choices + 1)
    problems = None
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent.encode(), cookie.get("csrf", "").encode()):
            abort(400, "CSRF token missing or wrong")
        problems = _save(session, campaign, student, actor, today) if is_open else ["приём выбора закрыт"]
        if not problems:
            return redirect(url_for("choose.page", token=token, done="1"), 303)
    if problems and is_open:  # the answer as sent, to be corrected
        current = {r: request.form.get(f"choice_{r}", "") for r in ranks}
    else:
        current = {rank: code for rank, code in session.execute(
            select(StudentChoice.rank, NetworkCourse.code)
            .join(ChoiceOffer, ChoiceOffer.id == StudentChoice.offer_id)
            .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
            .where(StudentChoice.campaign_id == campaign.id, StudentChoice.student_id == student.id))}
        audit(session, actor, "read choices", f"{campaign.code}: {student.external_id}")
        session.commit()
    response = render_template("choose/page.html", campaign=campaign, student=student, grade=grade, offers=offers,
                               marks=marks, ranks=ranks, current=current, is_open=is_open, problems=problems,
                               saved=request.args.get("done") == "1", csrf=csrf_token())
    return response, (400 if is_open else 409) if problems else 200


@bp.post("/choices/<code>/class/links")
@require(AccountRole.ADMIN, AccountRole.COORDINATOR)
def class_links(code: str):
    """The class's sheet: a link and QR code for each student who has none (or, with ``reissue``, for
    all of them); links already issued are listed without one, as only their hash is kept."""
    session, account = db_session(), current_account()
    campaign, school = campaign_and_school(session, account, code)
    chosen_class = request.args.get("class", "")
    try:
        students = class_students(session, school, chosen_class)
    except NoStudents:
        abort(404, "В классе нет обучающихся")
    links = issue_links(session, campaign, students, public_url(), reissue=request.form.get("reissue") == "1",
                        by=account, scope=f"{school.external_id} {chosen_class}")
    session.commit()
    sheet = [(link.student, link.url, qr_svg(link.url) if link.url else None) for link in links]
    return render_template("choose/sheet.html", campaign=campaign, school=school, chosen_class=chosen_class,
                           sheet=sheet)

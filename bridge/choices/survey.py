"""Students' ranked choices: survey answers imported from a file, and exported back.

A survey file (CSV or XLSX, read as the registry's imports are: bridge.sheets) has a ``student``
column (the student's external id) and ``choice_1`` … ``choice_N`` (course codes, 1st choice
first; empty cells are skipped). The import is all-or-nothing: every defect is named by
file:row:column (an unknown course or one not offered, a grade the course does not admit, the same
course twice, more choices than the campaign allows, a student of another school for a
coordinator) and then nothing is written. Otherwise each student in the file gets exactly the
choices of their row, and the import is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.choices.instance import grade_shift
from bridge.models import ChoiceCampaign, ChoiceOffer, NetworkCourse, Student, StudentChoice
from bridge.sheets.problems import ImportRejected, Problem
from bridge.sheets.reading import first_table

TEMPLATE = "choices"
_CHOICE = re.compile(r"choice_(\d+)$")


@dataclass(frozen=True)
class SurveySummary:
    students: int
    choices: int


def import_answers(
    session: Session, campaign: ChoiceCampaign, name: str, data: bytes, *, today: dt.date,
    by: Actor | None = None, school_id: int | None = None,
) -> SurveySummary:
    """Replace the choices of every student in the file; ``school_id`` limits a coordinator to their
    school's students. Raises :class:`ImportRejected` with every problem, having written nothing."""
    where, header, rows, problems = first_table(name, data)
    columns: dict[int, int] = {}  # column index → rank column number
    student_at = None
    seen_columns: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title:
            continue
        if title in seen_columns:
            problems.append(Problem(where, 1, title, "duplicate_column"))
        seen_columns[title] = index
        match = _CHOICE.match(title)
        if title == "student":
            student_at = index
        elif match and int(match.group(1)) >= 1:
            columns[index] = int(match.group(1))
        else:
            problems.append(Problem(where, 1, title, "unknown_column", {"template": TEMPLATE}))
    if header and student_at is None:
        problems.append(Problem(where, 1, "student", "missing_column"))
    if student_at is None:
        raise ImportRejected(problems or [Problem(where, 0, "", "no_files")])
    rows = list(rows)  # problems of reading fill in as the rows are read
    offers = {code: (offer, course) for offer, course, code in session.execute(
        select(ChoiceOffer, NetworkCourse, NetworkCourse.code)
        .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
        .where(ChoiceOffer.campaign_id == campaign.id))}
    ids = {cells[student_at].strip() for _, cells, _ in rows if student_at < len(cells)}
    students = {s.external_id: s for s in session.scalars(select(Student).where(Student.external_id.in_(ids)))}
    known_courses = set(session.scalars(select(NetworkCourse.code).where(NetworkCourse.code.in_(
        {cells[i].strip() for _, cells, _ in rows for i in columns if i < len(cells)}))))
    shift = grade_shift(campaign, today)
    answers: dict[int, list[int]] = {}
    first_row: dict[str, int] = {}
    for number, cells, _ in rows:
        ext = cells[student_at].strip() if student_at < len(cells) else ""
        student = students.get(ext)
        if not ext:
            problems.append(Problem(where, number, "student", "required"))
        elif student is None:
            problems.append(Problem(where, number, "student", "unknown_student", {"value": ext}))
        elif school_id is not None and student.school_id != school_id:
            problems.append(Problem(where, number, "student", "other_school", {"value": ext}))
        elif ext in first_row:
            problems.append(Problem(where, number, "student", "duplicate", {"row": first_row[ext]}))
        first_row.setdefault(ext, number)
        chosen: list[int] = []
        column_of: dict[str, str] = {}
        for index, rank in sorted(columns.items(), key=lambda c: c[1]):
            code = cells[index].strip() if index < len(cells) else ""
            if not code:
                continue
            column = header[index]
            if rank > campaign.max_choices:
                problems.append(Problem(where, number, column, "too_many_choices", {"max": campaign.max_choices}))
                continue
            if code not in offers:
                problems.append(Problem(where, number, column, "not_offered" if code in known_courses
                                        else "unknown_course", {"value": code, "campaign": campaign.code}))
                continue
            offer, course = offers[code]
            if code in column_of:
                problems.append(Problem(where, number, column, "choice_twice", {"value": code,
                                                                               "other": column_of[code]}))
                continue
            column_of[code] = column
            if student is not None and not course.admits_grade(student.grade + shift):
                problems.append(Problem(where, number, column, "grade_mismatch", {
                    "student": ext, "grade": student.grade + shift, "course": code,
                    "lo": course.grade_from, "hi": course.grade_to}))
            chosen.append(offer.id)
        if student is not None:
            answers[student.id] = chosen
    if problems:
        raise ImportRejected(problems)
    if answers:
        session.execute(delete(StudentChoice).where(StudentChoice.campaign_id == campaign.id,
                                                    StudentChoice.student_id.in_(answers)))
    session.add_all(StudentChoice(campaign_id=campaign.id, student_id=student_id, offer_id=offer_id, rank=rank)
                    for student_id, chosen in answers.items() for rank, offer_id in enumerate(chosen, start=1))
    session.flush()
    total = sum(len(c) for c in answers.values())
    audit(session, by, "import choices", f"{campaign.code}: {len(answers)} students, {total} choices from {name}")
    return SurveySummary(len(answers), total)


def export_answers(session: Session, campaign: ChoiceCampaign, *, school_id: int | None = None,
                   by: Actor | None = None) -> str:
    """The campaign's choices as a survey CSV (UTF-8 with BOM, so Excel shows Cyrillic), which
    imports back unchanged; audited (it is student-level data)."""
    query = (select(Student.external_id, StudentChoice.rank, NetworkCourse.code)
             .join(Student, Student.id == StudentChoice.student_id)
             .join(ChoiceOffer, ChoiceOffer.id == StudentChoice.offer_id)
             .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
             .where(StudentChoice.campaign_id == campaign.id)
             .order_by(Student.external_id, StudentChoice.rank))
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    rows: dict[str, list[str]] = {}
    for student, _, code in session.execute(query):
        rows.setdefault(student, []).append(code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", *(f"choice_{n}" for n in range(1, campaign.max_choices + 1))])
    for student, codes in rows.items():
        writer.writerow([student, *codes, *[""] * (campaign.max_choices - len(codes))])
    audit(session, by, "export choices", f"{campaign.code}: {len(rows)} students")
    return "\ufeff" + out.getvalue()

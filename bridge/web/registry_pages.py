"""Console pages of the registry: schools, courses (students grouped by home school), students
(their individual study plan) and teachers. Each narrows student data to what the role may see
(a coordinator: their school; a teacher: their courses; a viewer: counts only) and audits reads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bridge.audit import audit
from bridge.calendar.conflicts import find_conflicts
from bridge.timetable import max_weekly_hours
from bridge.calendar.tokens import FeedKind, FeedOwner, issue_link, link_status
from bridge.models import (
    AccountRole,
    AttendanceKind,
    AttendanceMark,
    CourseTeacher,
    CurriculumLoad,
    Enrolment,
    EnrolmentStatus,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    School,
    Student,
    Teacher,
)
from bridge.reports.marks import form_of, home_mark
from bridge.web import db_session, public_url, runtime
from bridge.web.auth import current_account, require, visible_students
from bridge.web.lists import natural_key, paginate

bp = Blueprint("registry_pages", __name__)

ADMIN, COORDINATOR, TEACHER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER
STATUS = {"active": "обучается", "withdrawn": "отчислен", "completed": "завершил"}
LESSON_STATUS = {"scheduled": "", "moved": "перенесено", "cancelled": "отменено"}
# What a mark means, for the legend under a grid of the site's own acronyms (P, Н, ...).
KIND_WORDS = {AttendanceKind.PRESENT: "присутствовал", AttendanceKind.LATE: "опоздал",
              AttendanceKind.EXCUSED: "отсутствовал по уважительной причине", AttendanceKind.ABSENT: "отсутствовал"}
UPCOMING = 10  # the course page lists the next lessons; the whole year folds away under them
GRID_LESSONS = 12  # the attendance grid shows the last lessons where attendance was taken
ROLE_NAMES = {"base": "базовая школа", "resource_centre": "ресурсный центр", "participant": "школа-участник"}


def may_see_student(student: Student) -> bool:
    query = visible_students(select(Student.id).where(Student.id == student.id), current_account())
    return db_session().scalar(query) is not None


@bp.get("/schools")
@require()
def schools():
    session = db_session()
    in_network = dict(session.execute(
        select(Student.school_id, func.count(func.distinct(Student.id))).join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE).group_by(Student.school_id)).all())
    rows = sorted(session.scalars(select(School)), key=lambda s: (s.role.value, natural_key(s.short_name)))
    return render_template("console/schools.html", schools=rows, in_network=in_network, roles=ROLE_NAMES)


@bp.get("/courses")
@require()
def courses():
    rows = db_session().scalars(select(NetworkCourse).options(
        selectinload(NetworkCourse.provider_school), selectinload(NetworkCourse.slots))
        .order_by(NetworkCourse.subject_area, NetworkCourse.title)).all()
    return render_template("console/courses.html", courses=rows)


@bp.get("/courses/<code>")
@require()
def course(code: str):
    session = db_session()
    c = session.scalar(select(NetworkCourse).where(NetworkCourse.code == code).options(
        selectinload(NetworkCourse.teachers), selectinload(NetworkCourse.slots)))
    if c is None:
        abort(404, "no such course")
    account = current_account()
    enrolments = session.scalars(select(Enrolment).where(Enrolment.course_id == c.id).options(
        selectinload(Enrolment.student).selectinload(Student.school))).all()
    by_school: dict[str, list[Enrolment]] = defaultdict(list)
    for e in sorted(enrolments, key=lambda e: (e.student.school.short_name, e.student.last_name)):
        by_school[e.student.school.short_name].append(e)
    named = account.role == ADMIN or (account.role == TEACHER and account.teacher_id in {t.id for t in c.teachers})
    own_school = account.school_id if account.role == COORDINATOR else None
    lessons = session.scalars(select(Lesson).where(Lesson.course_id == c.id).order_by(Lesson.date, Lesson.starts_at)).all()
    today = dt.datetime.now(ZoneInfo(runtime().settings.district.timezone)).date()
    visible = [e.student for e in enrolments if named or (own_school is not None and e.student.school_id == own_school)]
    grid, marks, legend = {}, {}, {}
    if visible:
        ids = [x.id for x in visible]
        marked = set(session.scalars(select(AttendanceMark.lesson_id).where(
            AttendanceMark.lesson_id.in_([x.id for x in lessons])).distinct()))
        taken = [x for x in lessons if x.id in marked]
        grid_lessons = taken[-GRID_LESSONS:]
        for mark in session.scalars(select(AttendanceMark).where(
                AttendanceMark.lesson_id.in_([x.id for x in grid_lessons]), AttendanceMark.student_id.in_(ids))):
            grid[(mark.student_id, mark.lesson_id)] = mark.status
            legend[mark.status] = KIND_WORDS[mark.kind]
        cfg = runtime().settings.marks
        form = form_of(c.assessment_form, cfg)
        for grade in session.scalars(select(Grade).join(GradeItem).where(
                GradeItem.course_id == c.id, GradeItem.item_type == "course", Grade.student_id.in_(ids))):
            marks[grade.student_id] = (grade.percentage, home_mark(grade.percentage, form, cfg))
        audit(session, account, "read course students", code)
        session.commit()
    else:
        grid_lessons = []
    return render_template("console/course.html", course=c, by_school=by_school, named=named,
                           own_school=own_school, status=STATUS, show_teachers=account.role != AccountRole.VIEWER,
                           lessons=lessons, visible=visible, grid_lessons=grid_lessons, grid=grid, marks=marks,
                           legend=sorted(legend.items()), lesson_status=LESSON_STATUS,
                           upcoming=[x for x in lessons if x.date >= today][:UPCOMING], today=today)


@bp.get("/students")
@require(ADMIN, COORDINATOR, TEACHER)
def students():
    """Students the role may see, found by name or id, narrowed by school, grade, course and enrolment
    status, a page at a time (a region has tens of thousands)."""
    session = db_session()
    account = current_account()
    args = {k: request.args.get(k, "").strip() for k in ("q", "school", "grade", "course", "status")}
    q = visible_students(select(Student).options(selectinload(Student.school)).join(School), account)
    if args["q"]:
        like = "%" + args["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(func.lower(Student.last_name + " " + Student.first_name + " " + Student.middle_name
                               + " " + Student.external_id).like(like, escape="\\"))
    if args["school"]:
        q = q.where(School.external_id == args["school"])
    if args["grade"]:
        if not (args["grade"].isascii() and args["grade"].isdigit()):
            abort(400, "grade: a class year is a whole number")
        q = q.where(Student.grade == int(args["grade"]))
    if args["course"] or args["status"]:
        enrolled = select(Enrolment.id).join(NetworkCourse).where(Enrolment.student_id == Student.id)
        if args["course"]:
            enrolled = enrolled.where(NetworkCourse.code == args["course"])
        if args["status"]:
            if args["status"] not in STATUS:
                abort(400, f"status: one of {', '.join(STATUS)}")
            enrolled = enrolled.where(Enrolment.status == EnrolmentStatus(args["status"]))
        q = q.where(enrolled.exists())
    page = paginate(session, q.order_by(Student.last_name, Student.first_name, Student.external_id))
    seen = visible_students(select(Student.school_id), account)
    schools = sorted(session.execute(select(School.external_id, School.short_name).where(School.id.in_(seen))).all(),
                     key=lambda row: natural_key(row.short_name))
    courses = session.scalars(select(NetworkCourse.code).order_by(NetworkCourse.code)).all()
    grades = session.scalars(select(Student.grade).distinct().order_by(Student.grade)).all()
    audit(session, account, "read students", request.full_path.rstrip("?"))
    session.commit()
    return render_template("console/students.html", page=page, args=args, schools=schools, courses=courses,
                           grades=grades, status=STATUS)


@bp.route("/students/<external_id>", methods=["GET", "POST"])
@require(ADMIN, COORDINATOR, TEACHER)
def student(external_id: str):
    session = db_session()
    s = session.scalar(select(Student).where(Student.external_id == external_id).options(selectinload(Student.school)))
    if s is None or not may_see_student(s):
        abort(404, "no such student")
    enrolments = session.scalars(select(Enrolment).where(Enrolment.student_id == s.id).options(
        selectinload(Enrolment.course).selectinload(NetworkCourse.slots))).all()
    home = session.scalar(select(CurriculumLoad.hours_per_week).where(
        CurriculumLoad.school_id == s.school_id, CurriculumLoad.grade == s.grade))
    network = sum(e.course.hours_per_week for e in enrolments if e.status == EnrolmentStatus.ACTIVE)
    limit = max_weekly_hours(s.grade, s.school.week_days)
    conflicts = find_conflicts(session, student_id=s.id)
    owner = FeedOwner(FeedKind.STUDENT, s.id)
    link = None
    if request.method == "POST" and current_account().role in (ADMIN, COORDINATOR):
        # A new link replaces the old one: only the hash is kept, so a link is shown once.
        link = issue_link(session, owner, public_url(), rotate=True).page
        audit(session, current_account(), "issue calendar link", external_id)
    audit(session, current_account(), "read student", external_id)
    session.commit()
    return render_template("console/student.html", student=s, enrolments=enrolments, home=home, network=network,
                           limit=limit, conflicts=conflicts, status=STATUS, link=link,
                           has_link=link_status(session, owner).active,
                           may_issue=current_account().role in (ADMIN, COORDINATOR))


@bp.get("/teachers")
@require(ADMIN, COORDINATOR, TEACHER)
def teachers():
    rows = db_session().scalars(select(Teacher).options(selectinload(Teacher.school))
                                .order_by(Teacher.last_name, Teacher.first_name)).all()
    taught = defaultdict(list)
    for teacher_id, title in db_session().execute(select(CourseTeacher.teacher_id, NetworkCourse.title).join(
            NetworkCourse, NetworkCourse.id == CourseTeacher.course_id)):
        taught[teacher_id].append(title)
    return render_template("console/teachers.html", teachers=rows, taught=taught)

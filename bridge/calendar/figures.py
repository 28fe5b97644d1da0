"""The timetable checks as the dashboard counts them, cached per version of their inputs (bridge.figures).

At region scale :func:`find_conflicts` over every lesson and enrolment takes about two seconds and
:func:`check_load` one; the dashboard shows only how many of each there are, for the network (the
administrator) or one school (its coordinator). Those counts are computed once per change of the
registry or the lessons and read from the cache on every other load; the lists themselves stay on
the checks pages, computed when asked for.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from bridge.calendar.conflicts import find_conflicts
from bridge.calendar.load import check_load
from bridge.figures import cached
from bridge.models import (
    BellPeriod,
    ClassLesson,
    CourseTeacher,
    CurriculumLoad,
    Enrolment,
    Holiday,
    Lesson,
    NetworkCourse,
    School,
    Student,
    Teacher,
    Term,
)

# What each check reads (their areas: the registry and, for conflicts, the calendar's lessons).
CONFLICT_READS = (Lesson, Enrolment, Student, School, Term, Holiday, BellPeriod, ClassLesson, NetworkCourse,
                  CourseTeacher, Teacher)
LOAD_READS = (Enrolment, Student, School, NetworkCourse, CurriculumLoad)


def _scope(school_id: int | None) -> str:
    return "network" if school_id is None else f"school:{school_id}"


def conflict_counts(session: Session, school_id: int | None = None) -> dict:
    """``{"conflicts": n, "by_kind": {kind: n}, "people": n}``: the clashes of the network or of one school
    (as :func:`find_conflicts` scopes them), by kind, and how many students and teachers have one."""
    def compute() -> dict:
        found = find_conflicts(session, school_id=school_id)
        return {"conflicts": len(found), "by_kind": dict(sorted(Counter(c.kind.value for c in found).items())),
                "people": len({(c.kind == "teacher_overlap", c.person) for c in found})}

    return cached(session, "conflicts", _scope(school_id), compute, reads=CONFLICT_READS, observations=False)


def load_counts(session: Session, school_id: int | None = None) -> dict:
    """``{"overloads": n, "unchecked": n}``: students over the SanPiN maximum, and (school, grade) pairs
    whose curriculum load is unknown, in the network or one school (as :func:`check_load` scopes them)."""
    def compute() -> dict:
        report = check_load(session, school_id=school_id)
        return {"overloads": len(report.overloads), "unchecked": len(report.unchecked)}

    return cached(session, "load", _scope(school_id), compute, reads=LOAD_READS, observations=False)

"""The registry read into the solver's data for one campaign.

A campaign is usually run in the spring for the next academic year, so a student is matched by the
grade they will be in: today's grade + 1 while the campaign's year has not started (those leaving
after grade 11 take no part). The registry keeps one class timetable and one curriculum per school
and grade, those of the current year; for a year not started a student is checked against the
timetable and curriculum of the grade they move into, and the result says so (``basis``).

A course's weekly slot is a wall-clock time in its provider school's zone; it is placed as a real
instant in the first full week of the campaign's year and compared, in the home school's zone, with
the class's periods by its bell schedule (bridge.timetable: the calendar's conflict check's rule),
and two offers overlap when their slots' instants do. The load is the SanPiN maximum for the grade
and the school's week less the home curriculum (unknown: not checked, and said so).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.choices.solver import Instance, Offer, Pupil
from bridge.models import (
    AllocationDecision,
    ChoiceCampaign,
    ChoiceOffer,
    CurriculumLoad,
    DecisionKind,
    LessonSlot,
    NetworkCourse,
    OfferState,
    School,
    Student,
    StudentChoice,
)
from bridge.timetable import class_periods, clashing_periods, max_weekly_hours

_MIDNIGHT = dt.time()


# What a run says it was based on (the console words them in Russian).
BASIS_NEXT_GRADE = ("timetables and curricula of the grade each student moves into (the current ones: the registry "
                    "keeps one per school and grade)")
BASIS_CURRENT = "the current timetables and curricula"


@dataclass(frozen=True)
class CampaignData:
    instance: Instance
    basis: str  # which timetables and loads were used, in words
    unchecked_load: tuple[tuple[str, int], ...]  # (school, grade) with no curriculum: load not checked
    codes: dict[int, str]  # offer id → course code
    students: dict[int, tuple[str, int, str]]  # student id → (external id, grade in the campaign's year, school)


def grade_shift(campaign: ChoiceCampaign, today: dt.date) -> int:
    """1 while the campaign's year has not started (students move up a grade), else 0."""
    return 1 if today < campaign.academic_year.starts_on else 0


def reference_week(year_starts: dt.date) -> dt.date:
    """The Monday of the first full week of the year: where weekly slots are placed in time."""
    return year_starts + dt.timedelta(days=(7 - year_starts.weekday()) % 7)


def read_campaign(session: Session, campaign: ChoiceCampaign, today: dt.date, *,
                  extra: Mapping[int, Iterable[int]] | None = None) -> CampaignData:
    """The solver's instance. ``extra`` (student id → offer ids) adds students and the offers whose home
    clashes are wanted even though not chosen: the student's choice page marks every offer it shows."""
    extra = extra or {}
    shift = grade_shift(campaign, today)
    rules = {r.grade: (r.min_courses, r.max_courses) for r in campaign.rules}
    offers = session.execute(
        select(ChoiceOffer, NetworkCourse.code, NetworkCourse.hours_per_week, School.timezone)
        .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
        .join(School, School.id == NetworkCourse.provider_school_id)
        .where(ChoiceOffer.campaign_id == campaign.id)
        .order_by(ChoiceOffer.id)
    ).all()
    monday = reference_week(campaign.academic_year.starts_on)
    instants: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    course_offer = {offer.course_id: offer.id for offer, *_ in offers}
    zones = {offer.id: zone for offer, _, _, zone in offers}
    for course_id, weekday, starts_at, minutes in session.execute(
        select(LessonSlot.course_id, LessonSlot.weekday, LessonSlot.starts_at, LessonSlot.duration_minutes)
        .where(LessonSlot.course_id.in_(course_offer))
    ):
        o = course_offer[course_id]
        start = dt.datetime.combine(monday + dt.timedelta(days=weekday - 1), starts_at, ZoneInfo(zones[o]))
        instants[o].append((start, start + dt.timedelta(minutes=minutes)))
    overlaps = frozenset(
        (a, b) for a in instants for b in instants
        if a < b and any(s1 < e2 and s2 < e1 for s1, e1 in instants[a] for s2, e2 in instants[b]))

    chosen: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for student_id, offer_id, rank in session.execute(
        select(StudentChoice.student_id, StudentChoice.offer_id, StudentChoice.rank)
        .where(StudentChoice.campaign_id == campaign.id)
    ):
        chosen[student_id].append((rank, offer_id))
    pins: dict[int, set[int]] = defaultdict(set)
    forbids: dict[int, set[int]] = defaultdict(set)
    for student_id, offer_id, kind in session.execute(
        select(AllocationDecision.student_id, AllocationDecision.offer_id, AllocationDecision.kind)
        .where(AllocationDecision.campaign_id == campaign.id)
    ):
        (pins if kind == DecisionKind.PIN else forbids)[student_id].add(offer_id)

    ids = sorted(set(chosen) | set(pins) | set(extra))
    students = session.execute(
        select(Student.id, Student.external_id, Student.school_id, Student.grade, Student.class_letter,
               School.external_id.label("school"), School.timezone, School.week_days)
        .join(School, School.id == Student.school_id)
        .where(Student.id.in_(ids))
        .order_by(Student.id)
    ).all() if ids else []
    loads = {(school, grade): hours for school, grade, hours in session.execute(
        select(CurriculumLoad.school_id, CurriculumLoad.grade, CurriculumLoad.hours_per_week))}
    periods = class_periods(session, None, None)
    placed: dict[tuple[int, str], list[tuple[int, dt.time, dt.timedelta]]] = {}
    pupils, unchecked, known = [], set(), {}
    for s in students:
        grade = s.grade + shift
        if grade > 11:
            continue
        known[s.id] = (s.external_id, grade, s.school)
        low, high = rules.get(grade, (0, 0))
        home = loads.get((s.school_id, grade))
        if home is None:
            unchecked.add((s.school, grade))
        timetable = periods.get((s.school_id, grade, s.class_letter), {})
        clashes = {}
        for o in {o for _, o in chosen.get(s.id, ())} | pins.get(s.id, set()) | set(extra.get(s.id, ())):
            places = placed.get((o, s.timezone))
            if places is None:  # as the conflict check places a lesson: the home zone's wall clock
                tz, places = ZoneInfo(s.timezone), []
                for start, end in instants[o]:
                    a, b = start.astimezone(tz).replace(tzinfo=None), end.astimezone(tz).replace(tzinfo=None)
                    places.append((a.isoweekday(), a.time(), b - dt.datetime.combine(a.date(), _MIDNIGHT)))
                placed[(o, s.timezone)] = places
            found = [d for weekday, starts, ends in places
                     for d in clashing_periods(timetable.get(weekday, []), starts, ends)]
            if found:
                clashes[o] = ", ".join(found)
        pupils.append(Pupil(
            id=s.id, choices=tuple(o for _, o in sorted(chosen.get(s.id, ()))), min_courses=low, max_courses=high,
            spare_hours=None if home is None else max_weekly_hours(grade, s.week_days) - home,
            home_clashes=clashes, pins=frozenset(pins.get(s.id, ())), forbids=frozenset(forbids.get(s.id, ()))))
    solver_offers = [
        Offer(offer.id, offer.min_size, offer.max_size, hours,
              always_open=offer.forced == OfferState.OPEN or not offer.may_close,
              forced_closed=offer.forced == OfferState.CLOSED)
        for offer, _, hours, _ in offers]
    basis = BASIS_NEXT_GRADE if shift else BASIS_CURRENT
    return CampaignData(Instance(solver_offers, pupils, campaign.weights, overlaps), basis,
                        tuple(sorted(unchecked)), {offer.id: code for offer, code, _, _ in offers}, known)

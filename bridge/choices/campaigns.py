"""A campaign, its offers and its rules, created or updated from a mapping (a TOML or JSON file, an
API body): all-or-nothing, every defect named by its key.

    code = "VYBOR-2027"                     # the campaign's key: loading the same code updates it
    title = "Выбор сетевых курсов на 2027-2028"
    year = "2027-2028"                      # the academic year the groups are formed for
    opens_at = 2027-03-01T00:00:00+03:00
    closes_at = 2027-04-15T23:59:00+03:00
    max_choices = 5                         # how many offers a student may rank
    rank_weights = [5, 4, 3, 2, 1]          # what a 1st, 2nd, ... choice is worth

    [[rules]]                               # per grade (in that year): courses required, allowed
    grade = 9
    min_courses = 1
    max_courses = 2

    [[offers]]                              # a course of that year; its slots, hours, grades are its own
    course = "NC-PY-11"
    min_size = 8
    max_size = 25
    may_close = true                        # false: it opens whatever its size
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.db import utc
from bridge.models import AcademicYear, ChoiceCampaign, ChoiceOffer, ChoiceRule, NetworkCourse


class CampaignError(ValueError):
    """The campaign had defects; nothing was written. ``problems`` names each by its key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def read_campaign_file(path: Path) -> dict[str, Any]:
    try:
        if path.suffix.lower() == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CampaignError([f"{path.name}: cannot read ({exc})"]) from None


def _moment(value: Any, key: str, problems: list[str]) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        problems.append(f"{key}: a date and time with its offset is required (2027-03-01T09:00:00+03:00)")
        return None
    return value.astimezone(dt.UTC)  # stored as UTC: SQLite keeps no offset


def _int(data: Mapping[str, Any], key: str, where: str, problems: list[str], lo: int, hi: int,
         default: int | None = None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        problems.append(f"{where}{key}: a whole number from {lo} to {hi} is required")
        return lo
    return value


def _tables(data: Mapping[str, Any], key: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{key}: a list of tables is required")
        return []
    return value


def save_campaign(session: Session, data: Mapping[str, Any], by: Actor | None = None) -> ChoiceCampaign:
    """Create the campaign ``data`` describes, or update the one with its code (offers and rules are
    replaced, offers already chosen by students kept). Raises :class:`CampaignError`."""
    problems: list[str] = []
    known = {"code", "title", "year", "opens_at", "closes_at", "max_choices", "rank_weights", "rules", "offers"}
    problems += [f"{key}: unknown key" for key in sorted(set(data) - known)]
    code, title = data.get("code"), data.get("title", "")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        problems.append("code: a text of 1 to 64 characters is required")
    if not isinstance(title, str) or len(title) > 255:
        problems.append("title: a text of at most 255 characters is required")
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == str(data.get("year"))))
    if year is None:
        problems.append(f"year: unknown academic year {data.get('year')!r}")
    opens = _moment(data.get("opens_at"), "opens_at", problems)
    closes = _moment(data.get("closes_at"), "closes_at", problems)
    if opens and closes and opens >= closes:
        problems.append("closes_at: must be after opens_at")
    max_choices = _int(data, "max_choices", "", problems, 1, 10, default=5)
    weights = data.get("rank_weights", [5, 4, 3, 2, 1])
    if (not isinstance(weights, list) or not weights or len(weights) > 10
            or not all(isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 1000 for w in weights)):
        problems.append("rank_weights: a list of 1 to 10 whole numbers from 0 to 1000 is required")
        weights = [0]
    rules: dict[int, tuple[int, int]] = {}
    for i, rule in enumerate(_tables(data, "rules", problems)):
        where = f"rules[{i + 1}]."
        if not isinstance(rule, Mapping):
            problems.append(f"rules[{i + 1}]: a table is required")
            continue
        grade = _int(rule, "grade", where, problems, 1, 11)
        low = _int(rule, "min_courses", where, problems, 0, 10)
        high = _int(rule, "max_courses", where, problems, 0, 10)
        if low > high:
            problems.append(f"{where}max_courses: below min_courses")
        if grade in rules:
            problems.append(f"{where}grade: grade {grade} has a rule already")
        rules[grade] = (low, high)
    offers: dict[int, tuple[int, int, bool]] = {}
    for i, offer in enumerate(_tables(data, "offers", problems)):
        where = f"offers[{i + 1}]."
        if not isinstance(offer, Mapping):
            problems.append(f"offers[{i + 1}]: a table is required")
            continue
        course = session.scalar(select(NetworkCourse).where(NetworkCourse.code == str(offer.get("course"))))
        if course is None:
            problems.append(f"{where}course: unknown course {offer.get('course')!r}")
        elif year is not None and course.academic_year_id != year.id:
            problems.append(f"{where}course: {course.code} is a course of another academic year")
        elif course.id in offers:
            problems.append(f"{where}course: {course.code} is offered twice")
        low = _int(offer, "min_size", where, problems, 0, 1000)
        high = _int(offer, "max_size", where, problems, 1, 1000)
        if low > high:
            problems.append(f"{where}max_size: below min_size")
        may_close = offer.get("may_close", True)
        if not isinstance(may_close, bool):
            problems.append(f"{where}may_close: true or false is required")
        if course is not None:
            offers[course.id] = (low, high, may_close is not False)
    if problems:
        raise CampaignError(problems)
    campaign = session.scalar(select(ChoiceCampaign).where(ChoiceCampaign.code == code))
    if campaign is None:
        campaign = ChoiceCampaign(code=code)
        session.add(campaign)
    campaign.title, campaign.academic_year_id = title, year.id
    campaign.opens_at, campaign.closes_at = opens, closes
    campaign.max_choices, campaign.rank_weights = max_choices, ",".join(str(w) for w in weights)
    # Rows kept by their key (grade, course): a delete and an insert of the same key in one flush
    # would meet the unique constraint, the insert being flushed first.
    had = {r.grade: r for r in campaign.rules}
    campaign.rules = [had.get(g) or ChoiceRule(grade=g) for g in sorted(rules)]
    for rule in campaign.rules:
        rule.min_courses, rule.max_courses = rules[rule.grade]
    kept = {o.course_id: o for o in campaign.offers}
    campaign.offers = [kept.get(course_id) or ChoiceOffer(course_id=course_id) for course_id in offers]
    for offer in campaign.offers:
        offer.min_size, offer.max_size, offer.may_close = offers[offer.course_id]
    session.flush()
    audit(session, by, "save choice campaign", f"{code}: {len(offers)} offers")
    return campaign


def find_campaign(session: Session, code: str | None) -> ChoiceCampaign | None:
    """The campaign with ``code``, or the latest one created when no code is given."""
    query = select(ChoiceCampaign)
    query = query.where(ChoiceCampaign.code == code) if code else query.order_by(ChoiceCampaign.id.desc())
    return session.scalars(query.limit(1)).first()


def window_open(campaign: ChoiceCampaign, now: dt.datetime | None = None) -> bool:
    """Whether students and coordinators may still change answers: from ``opens_at`` until
    ``closes_at``. After it the answers are the survey's result; only the administrator corrects them."""
    now = now or dt.datetime.now(dt.UTC)
    return utc(campaign.opens_at) <= now < utc(campaign.closes_at)

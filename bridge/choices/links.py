"""Students' private choice links (students have no accounts): issued, re-issued and revoked here for
the console's class sheet, the API and ``netcourses choices links``, one code path for all three.

A link is a :class:`CalendarToken` with a ``campaign_id``: only its hash is kept, so the token exists
once, in what the issuer prints or hands out; one working link per student and campaign; revoking or
re-issuing is audited with counts, never a token.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.models.calendar import token_hash
from bridge.models import CalendarToken, ChoiceCampaign, School, Student

CHOOSE_PATH = "/choose/"


class NoStudents(LookupError):
    """The school has no such class, or no such student."""


@dataclass(frozen=True)
class IssuedLink:
    student: Student
    url: str | None  # None: the student's working link was kept (only its hash exists)


def choice_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{CHOOSE_PATH}{token}"


def issue_choice_link(session: Session, campaign: ChoiceCampaign, student: Student) -> str:
    """A new link of ``student`` for ``campaign``, revoking the one they had; the only copy of the token."""
    _revoke(session, campaign, [student.id])
    token = secrets.token_urlsafe(32)
    session.add(CalendarToken(token_hash=token_hash(token), student_id=student.id, campaign_id=campaign.id))
    session.flush()
    return token


def _revoke(session: Session, campaign: ChoiceCampaign, student_ids: list[int]) -> int:
    done = session.execute(update(CalendarToken).where(
        CalendarToken.campaign_id == campaign.id, CalendarToken.student_id.in_(student_ids),
        CalendarToken.revoked_at.is_(None)).values(revoked_at=dt.datetime.now(dt.UTC)))
    session.flush()
    return done.rowcount


def class_students(session: Session, school: School, class_name: str | None = None,
                   student: str | None = None) -> list[Student]:
    """The school's students of ``class_name`` (e.g. «9А»), or the one with external id ``student``, or
    all of them; in the order of a class list. Raises :class:`NoStudents` when none match."""
    query = select(Student).where(Student.school_id == school.id)
    if student is not None:
        query = query.where(Student.external_id == student)
    found = [s for s in session.scalars(query) if class_name is None or s.class_name == class_name]
    if not found:
        what = f"student {student}" if student else f"class {class_name}" if class_name else "students"
        raise NoStudents(f"school {school.external_id} has no {what}")
    return sorted(found, key=lambda s: (s.class_name, s.last_name.casefold(), s.first_name.casefold(),
                                        s.external_id))


def issue_links(session: Session, campaign: ChoiceCampaign, students: list[Student], base: str, *,
                reissue: bool, by: Actor | None, scope: str) -> list[IssuedLink]:
    """A link for each of ``students`` who has no working one, or for all with ``reissue`` (their old
    links stop working). ``scope`` names the school and class for the audit."""
    have = set(session.scalars(select(CalendarToken.student_id).where(
        CalendarToken.campaign_id == campaign.id, CalendarToken.revoked_at.is_(None),
        CalendarToken.student_id.in_([s.id for s in students]))))
    out = [IssuedLink(s, choice_url(base, issue_choice_link(session, campaign, s))
                      if reissue or s.id not in have else None) for s in students]
    issued = sum(1 for link in out if link.url)
    audit(session, by, "issue choice links",
          f"{campaign.code}: {scope}, {issued} issued{' (re-issued)' if reissue else ''}")
    return out


def revoke_links(session: Session, campaign: ChoiceCampaign, students: list[Student], *, by: Actor | None,
                 scope: str) -> int:
    """Revoke the working links of ``students`` (a lost sheet): their pages answer 404 at once."""
    revoked = _revoke(session, campaign, [s.id for s in students])
    audit(session, by, "revoke choice links", f"{campaign.code}: {scope}, {revoked} revoked")
    return revoked

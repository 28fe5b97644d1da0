"""The only place that turns sync items into Moodle calls and Moodle records back into items.

Writes take resolved changes and answer per key: a new Moodle id, ``None`` (done) or the
exception Moodle gave for that item. A fault that is not about one item (the site is down, the
token was revoked, a write's outcome is unknown) stops the run: what was confirmed before it is
still reported, so its links are kept, and the next run re-reads by idnumber and goes on.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import MoodleLink
from bridge.sync.apply import Resolved
from bridge.sync.gateway_schedule import SCHEDULE_KINDS, ScheduleGateway
from bridge.sync.items import DesiredState, Item, Ref
from bridge.sync.plan import Action, Plan
from bridge.sync.reconcile import Actual, Found
from config import Settings
from moodle_client import MoodleClient
from moodle_client.cohorts import CohortMemberRemoval, NewCohort, NewCohortMember
from moodle_client.cohorts import Ref as CohortRef
from moodle_client.courses import Course, CourseUpdate, NewCategory, NewCourse
from moodle_client.enrolments import Enrolment, Unenrolment
from moodle_client.errors import MoodleError
from moodle_client.groups import GroupMember, NewGroup
from moodle_client.users import NewUser, User, UserUpdate

Result = dict[str, object]

# core_cohort_add_cohort_members' warning for "record already exists": the member is there, as wanted
# (a re-run after an interrupted one sends such members again).
ALREADY_A_MEMBER = "3"

# Above this many new courses one "all courses" read is cheaper than one read per course.
ALL_COURSES_THRESHOLD = 10


LANGUAGE_PACKS_PATH = "Site administration > Language > Language packs"


def missing_language(client: MoodleClient, lang: str) -> str | None:
    """Why no user sent with ``lang`` can be made (its pack is not installed), or None.

    Moodle rejects such users with a bare ``invalidparameter``, naming the field only with developer
    debugging on; one read-only probe says it before anything is written."""
    if not lang or client.language_name(lang) is not None:
        return None
    return (f"the language pack {lang!r} (sync.lang) is not installed in Moodle, which rejects every user sent "
            f"with it: install it in {LANGUAGE_PACKS_PATH}, or set sync.lang to an installed language "
            "(or leave it empty for the site's default)")


def _when(epoch: object) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else None  # type: ignore[arg-type]


def _epoch(value: dt.datetime | None) -> int:
    return int(value.timestamp()) if value else 0


def new_password() -> str:
    """A random password that meets Moodle's default policy (8+, digit, upper, lower, symbol)."""
    return secrets.token_urlsafe(12) + "Aa1!"


class Gateway(ScheduleGateway):
    def __init__(self, client: MoodleClient, settings: Settings) -> None:
        self.client = client
        self.cfg = settings.sync
        self.fatal: MoodleError | None = None
        # Warnings Moodle gave without naming an item (cohort members): reported with the run.
        self.warnings: list[str] = []

    def calls(self) -> tuple[int, int]:
        return self.client.stats.reads, self.client.stats.writes

    def preflight(self, plan: Plan) -> str | None:
        """What would make a whole kind fail, found before anything is written (a missing language)."""
        sends_lang = any(c.kind == "user" and c.item is not None and "lang" in c.item.fields
                         and (c.action == Action.CREATE or "lang" in c.fields) for c in plan.changes)
        return missing_language(self.client, self.cfg.lang) if sends_lang else None

    # -- writes -----------------------------------------------------------------------------

    def create(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind in SCHEDULE_KINDS:
            return self.schedule_create(kind, items)
        build, call, new_id = {
            "category": (self._new_category, self.client.create_categories, lambda r: r.id),
            "course": (self._new_course, self.client.create_courses, lambda r: r.id),
            "user": (self._new_user, self.client.create_users, lambda r: r.id),
            "cohort": (self._new_cohort, self.client.create_cohorts, lambda r: r.id),
            "cohort_member": (self._cohort_member, self.client.add_cohort_members, None),
            "group": (self._new_group, self.client.create_groups, lambda r: r.id),
            "group_member": (self._group_member, self.client.add_group_members, None),
            "enrolment": (self._enrolment, self.client.enrol_users, None),
        }[kind]
        return self._send(items, build, call, new_id)

    def update(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind in SCHEDULE_KINDS:
            return self.schedule_update(kind, items)
        if kind == "course":
            return self._send(items, self._course_update, self.client.update_courses, None)
        if kind == "user":
            return self._send(items, self._user_update, self.client.update_users, None)
        if kind == "enrolment":
            return self._send(items, self._enrolment, self.client.enrol_users, None)
        # Categories, cohorts and groups keep the name they were created with (no update call is
        # part of the service); the new name is recorded and shown in the plan.
        return {r.change.key: None for r in items}

    def remove(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind in SCHEDULE_KINDS:
            return self.schedule_remove(kind, items)
        if kind == "cohort_member":
            return self._send(items, lambda r: CohortMemberRemoval(r.ids["cohort"], r.ids["user"]),
                              self.client.delete_cohort_members, None)
        if kind == "group_member":
            return self._send(items, self._group_member, self.client.delete_group_members, None)
        if kind == "enrolment":
            return self._send(items, lambda r: Unenrolment(r.ids["user"], r.ids["course"]),
                              self.client.unenrol_users, None)
        raise ValueError(f"{kind} is never removed")

    def _send(self, items: Sequence[Resolved], build: Callable[[Resolved], Any], call: Callable[[list], Any],
              new_id: Callable[[Any], int] | None) -> Result:
        inputs = [build(r) for r in items]
        key_of = {id(x): r.change.key for x, r in zip(inputs, items)}
        key_by_moodle_id = {r.change.moodle_id: r.change.key for r in items if r.change.moodle_id}
        results: Result = {}
        try:
            batch = call(inputs)
        except MoodleError as exc:
            # Not about one item: keep what was confirmed, fail the rest, stop the run.
            self.fatal = exc
            batch = exc.partial
            for r in items:
                results[r.change.key] = exc
            if batch is None:
                return results
        for ok in batch.ok:
            results[key_of[id(ok.input)]] = new_id(ok.result) if new_id else None
        for failure in batch.failed:
            results[key_of[id(failure.input)]] = failure.error
        for warning in batch.warnings:
            key = key_by_moodle_id.get(warning.itemid)
            if warning.warningcode == ALREADY_A_MEMBER:
                continue
            if key is not None:
                results[key] = MoodleError(warning.message, errorcode=warning.warningcode)
            else:
                self.warnings.append(warning.message)
        return results

    # -- item -> Moodle input -----------------------------------------------------------------

    @staticmethod
    def _new_category(r: Resolved) -> NewCategory:
        f = r.change.item.fields
        return NewCategory(name=f["name"], idnumber=f["idnumber"], parent=0)

    @staticmethod
    def _new_course(r: Resolved) -> NewCourse:
        f = r.change.item.fields
        return NewCourse(fullname=f["fullname"], shortname=f["shortname"], categoryid=r.ids["category"],
                         idnumber=f["idnumber"], summary=f["summary"], summaryformat=1, format="topics",
                         startdate=_when(f["startdate"]), enddate=_when(f["enddate"]), visible=bool(f["visible"]))

    @staticmethod
    def _course_update(r: Resolved) -> CourseUpdate:
        f, names = r.change.item.fields, set(r.change.fields)
        values: dict[str, Any] = {}
        for name in names:
            if name == "category":
                values["categoryid"] = r.ids["category"]
            elif name in ("startdate", "enddate"):
                values[name] = _when(f[name])
            elif name == "visible":
                values[name] = bool(f[name])
            else:
                values[name] = f[name]
        return CourseUpdate(id=r.change.moodle_id, **values)

    def _new_user(self, r: Resolved) -> NewUser:
        f = r.change.item.fields
        return NewUser(username=f["username"], firstname=f["firstname"], lastname=f["lastname"], email=f["email"],
                       password=new_password() if f["auth"] == "manual" else None, auth=f["auth"],
                       idnumber=f["idnumber"], middlename=f["middlename"], institution=f["institution"],
                       department=f["department"], timezone=f["timezone"], lang=f.get("lang"))

    @staticmethod
    def _user_update(r: Resolved) -> UserUpdate:
        f = r.change.item.fields
        return UserUpdate(id=r.change.moodle_id, **{n: f[n] for n in r.change.fields})

    @staticmethod
    def _new_cohort(r: Resolved) -> NewCohort:
        f = r.change.item.fields
        return NewCohort(name=f["name"], idnumber=f["idnumber"], categorytype=CohortRef.system(), visible=True)

    @staticmethod
    def _cohort_member(r: Resolved) -> NewCohortMember:
        return NewCohortMember(cohorttype=CohortRef.id(r.ids["cohort"]), usertype=CohortRef.id(r.ids["user"]))

    @staticmethod
    def _new_group(r: Resolved) -> NewGroup:
        f = r.change.item.fields
        return NewGroup(courseid=r.ids["course"], name=f["name"], idnumber=f["idnumber"])

    @staticmethod
    def _group_member(r: Resolved) -> GroupMember:
        return GroupMember(groupid=r.ids["group"], userid=r.ids["user"])

    @staticmethod
    def _enrolment(r: Resolved) -> Enrolment:
        f = r.change.item.fields
        return Enrolment(userid=r.ids["user"], courseid=r.ids["course"], roleid=f["role"],
                         timestart=_when(f["timestart"]), timeend=_when(f["timeend"]), suspend=bool(f["suspended"]))

    # -- Moodle records -> comparable fields ----------------------------------------------------

    @staticmethod
    def _course_fields(course: Course, category_keys: Mapping[int, str]) -> dict[str, object]:
        fields: dict[str, object] = {
            "fullname": course.fullname, "shortname": course.shortname, "idnumber": course.idnumber,
            "summary": course.summary, "startdate": _epoch(course.startdate), "enddate": _epoch(course.enddate),
            "visible": int(course.visible)}
        if course.categoryid in category_keys:
            fields["category"] = Ref("category", category_keys[course.categoryid])
        return fields

    @staticmethod
    def _user_fields(user: User) -> dict[str, object]:
        return {"username": user.username, "idnumber": user.idnumber, "auth": user.auth,
                "firstname": user.firstname, "lastname": user.lastname, "email": user.email,
                "institution": user.institution, "department": user.department, "lang": user.lang,
                "timezone": user.timezone, "suspended": user.suspended}

    # -- reads ---------------------------------------------------------------------------------

    def find_existing(self, kind: str, items: Sequence[Item], *, ids: Mapping[tuple[str, str], int],
                      fresh: set[tuple[str, str]]) -> dict[str, Found]:
        """Things about to be created that Moodle already has (by idnumber; by shortname or
        username too when configured), so they are adopted instead of duplicated."""
        if kind in SCHEDULE_KINDS:
            return self.schedule_find_existing(kind, items, ids, fresh)
        by_idnumber = {str(i.fields["idnumber"]): i.key for i in items if "idnumber" in i.fields}
        found: dict[str, Found] = {}
        if kind == "category":
            for idnumber, key in by_idnumber.items():
                for c in self.client.get_categories({"idnumber": idnumber}):
                    found[key] = Found(c.id, {"name": c.name, "idnumber": c.idnumber})
        elif kind == "course":
            category_keys = {mid: key for (k, key), mid in ids.items() if k == "category"}
            if len(items) > ALL_COURSES_THRESHOLD:
                courses = list(self.client.get_courses_by_field().courses)
            else:
                courses = [c for idn in by_idnumber for c in self.client.get_courses_by_field("idnumber", idn).courses]
            by_shortname = {str(i.fields["shortname"]): i.key for i in items}
            for c in courses:
                key = by_idnumber.get(c.idnumber) or (
                    by_shortname.get(c.shortname) if self.cfg.adopt_by_shortname else None)
                if key is not None:
                    found[key] = Found(c.id, self._course_fields(c, category_keys))
            if self.cfg.adopt_by_shortname and len(items) <= ALL_COURSES_THRESHOLD:
                for shortname, key in by_shortname.items():
                    if key not in found:
                        for c in self.client.get_courses_by_field("shortname", shortname).courses:
                            found[key] = Found(c.id, self._course_fields(c, category_keys))
        elif kind == "user":
            for u in self.client.get_users_by_field("idnumber", list(by_idnumber)):
                if u.idnumber in by_idnumber:
                    found[by_idnumber[u.idnumber]] = Found(u.id, self._user_fields(u))
            if self.cfg.adopt_by_username:
                by_username = {str(i.fields["username"]): i.key for i in items if i.key not in found}
                for u in self.client.get_users_by_field("username", list(by_username)) if by_username else ():
                    found[by_username[u.username]] = Found(u.id, self._user_fields(u))
        elif kind == "cohort":
            for c in self.client.get_cohorts():
                if c.idnumber in by_idnumber:
                    found[by_idnumber[c.idnumber]] = Found(c.id, {"name": c.name, "idnumber": c.idnumber})
        elif kind == "group":
            courses = {i.fields["course"].key for i in items}
            for code in sorted(courses):
                course_id = ids.get(("course", code))
                if course_id is None or ("course", code) in fresh:
                    continue  # made in this run: it has no groups yet
                for g in self.client.get_course_groups(course_id):
                    if g.idnumber in by_idnumber:
                        found[by_idnumber[g.idnumber]] = Found(
                            g.id, {"course": Ref("course", code), "name": g.name, "idnumber": g.idnumber})
        return found

    @staticmethod
    def _links(session: Session) -> dict[str, dict[int, str]]:
        """Moodle id → registry key of every linked thing, by kind."""
        links: dict[str, dict[int, str]] = {}
        for kind, key, mid in session.execute(select(MoodleLink.kind, MoodleLink.key, MoodleLink.moodle_id)
                                              .where(MoodleLink.moodle_id.is_not(None))):
            links.setdefault(kind, {})[mid] = key
        return links

    @staticmethod
    def _matcher(links: Mapping[str, Mapping[int, str]],
                 desired: DesiredState) -> Callable[[str, int, str | None], str | None]:
        """A thing found in Moodle is ours if its idnumber is wanted or its id is linked."""
        wanted_by = {kind: {str(i.fields.get("idnumber")): i.key for i in desired.items[kind].values()}
                     for kind in ("category", "course", "cohort", "group")}

        def match(kind: str, moodle_id: int, idnumber: str | None) -> str | None:
            return wanted_by[kind].get(idnumber or "") or links.get(kind, {}).get(moodle_id)

        return match

    def read_actual(self, session: Session, desired: DesiredState) -> Actual:
        """Moodle's side of everything the sync manages (a full run)."""
        actual = Actual()
        links = self._links(session)
        match = self._matcher(links, desired)

        for c in self.client.get_categories():
            if key := match("category", c.id, c.idnumber):
                actual.things["category"][key] = Found(c.id, {"name": c.name, "idnumber": c.idnumber})
        category_keys = {f.moodle_id: k for k, f in actual.things["category"].items()}
        for c in self.client.get_courses_by_field().courses:
            if key := match("course", c.id, c.idnumber):
                actual.things["course"][key] = Found(c.id, self._course_fields(c, category_keys))

        user_keys = sorted(set(desired.items["user"]) | set(links.get("user", {}).values()))
        for u in self.client.get_users_by_field("idnumber", user_keys) if user_keys else ():
            actual.things["user"][u.idnumber] = Found(u.id, self._user_fields(u))
        user_by_id = {f.moodle_id: k for k, f in actual.things["user"].items()}

        for c in self.client.get_cohorts():
            if key := match("cohort", c.id, c.idnumber):
                actual.things["cohort"][key] = Found(c.id, {"name": c.name, "idnumber": c.idnumber})
        cohort_by_id = {f.moodle_id: k for k, f in actual.things["cohort"].items()}
        if cohort_by_id:
            for members in self.client.get_cohort_members(sorted(cohort_by_id)):
                school = cohort_by_id[members.cohortid]
                for uid in members.userids:
                    if uid in user_by_id:
                        user = user_by_id[uid]
                        actual.things["cohort_member"][f"{school}/{user}"] = Found(
                            None, {"cohort": Ref("cohort", school), "user": Ref("user", user)})

        for code, course in sorted(actual.things["course"].items()):
            self._read_members(actual, code, course.moodle_id, match, user_by_id)
        self.read_schedule(actual, links, desired)
        return actual

    def read_course(self, session: Session, desired: DesiredState, code: str, course_id: int) -> Actual:
        """One course's groups, enrolments and group members as Moodle has them (a drift check of
        that course after a Moodle event); users are known by their links."""
        actual = Actual()
        links = self._links(session)
        self._read_members(actual, code, course_id, self._matcher(links, desired), dict(links.get("user", {})))
        return actual

    def _read_members(self, actual: Actual, code: str, course_id: int,
                      match: Callable[[str, int, str | None], str | None], user_by_id: Mapping[int, str]) -> None:
        roles = {self.cfg.teacher_role_id, self.cfg.student_role_id}
        group_by_id: dict[int, str] = {}
        for g in self.client.get_course_groups(course_id):
            if key := match("group", g.id, g.idnumber):
                group_by_id[g.id] = key
                actual.things["group"][key] = Found(
                    g.id, {"course": Ref("course", code), "name": g.name, "idnumber": g.idnumber})
        active = {u.id for u in self.client.get_enrolled_users(course_id, onlyactive=True)}
        for u in self.client.get_enrolled_users(course_id):
            user = user_by_id.get(u.id)
            if user is None:
                continue  # not someone the sync manages
            mine = sorted(u.roleids & roles) or sorted(u.roleids)
            actual.things["enrolment"][f"{code}/{user}"] = Found(None, {
                "course": Ref("course", code), "user": Ref("user", user),
                "role": mine[0] if mine else None, "suspended": u.id not in active})
            for g in u.groups:
                if g.id in group_by_id:
                    group = group_by_id[g.id]
                    actual.things["group_member"][f"{group}/{user}"] = Found(
                        None, {"group": Ref("group", group), "user": Ref("user", user)})

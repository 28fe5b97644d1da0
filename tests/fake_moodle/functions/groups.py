"""core_group_*: groups of a course and their members (Moodle 4.1 group/externallib.php)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fake_moodle.exceptions import InvalidParameterException, context_not_valid, missing_by_id, moodle_exception
from fake_moodle.params import Multiple, Single, Value, dflt, opt
from fake_moodle.registry import ws
from fake_moodle.rows import GroupRow
from fake_moodle.site import Site

_MEMBERS = Single({"members": Multiple(Single({"groupid": Value("int"), "userid": Value("int")}))})
_MANAGE = ("moodle/course:managegroups", "Manage groups")


def group_record(g: GroupRow, enrolmentkey: str | None) -> dict[str, Any]:
    return {
        "id": g.id,
        "courseid": g.courseid,
        "name": g.name,
        "description": g.description,
        "descriptionformat": g.descriptionformat,
        "enrolmentkey": enrolmentkey,
        "idnumber": g.idnumber,
    }


def add_group(
    site: Site,
    course_id: int,
    name: str,
    description: str = "",
    descriptionformat: int = 1,
    idnumber: str = "",
    enrolmentkey: str = "",
) -> GroupRow:
    if not name.strip():
        raise InvalidParameterException("Invalid group name")
    siblings = site.groups.by("course", course_id)
    if any(g.name == name for g in siblings):
        raise InvalidParameterException("Group with the same name already exists in the course")
    site.course(course_id, context_not_valid("course", course_id))
    if idnumber and any(g.idnumber == idnumber for g in siblings):
        raise moodle_exception("idnumbertaken", "ID number is already taken")
    return site.groups.insert(GroupRow(course_id, name, description, descriptionformat, enrolmentkey, idnumber))


@ws(
    "core_group_create_groups",
    "write",
    Single(
        {
            "groups": Multiple(
                Single(
                    {
                        "courseid": Value("int"),
                        "name": Value("text"),
                        "description": Value("raw"),
                        "descriptionformat": dflt("int", 1),
                        "enrolmentkey": opt("raw"),
                        "idnumber": opt("raw"),
                    }
                )
            )
        }
    ),
    capability=_MANAGE,
)
def create_groups(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    created = []
    for g in p["groups"]:
        row = add_group(
            site,
            g["courseid"],
            g["name"],
            g["description"],
            g["descriptionformat"],
            g.get("idnumber", ""),
            g.get("enrolmentkey", ""),
        )
        created.append(group_record(row, row.enrolmentkey))
    return created


@ws("core_group_get_course_groups", "read", Single({"courseid": Value("int")}))
def get_course_groups(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    site.course(p["courseid"], context_not_valid("course", p["courseid"]))
    groups = sorted(site.groups.by("course", p["courseid"]), key=lambda g: (g.name, g.id))
    return [group_record(g, None) for g in groups]


def _members(site: Site, p: dict[str, Any]) -> Iterator[tuple[GroupRow, int]]:
    """The (group, user) pairs of a members list, both looked up with MUST_EXIST as Moodle does."""
    for m in p["members"]:
        group = site.groups.get(m["groupid"])
        if group is None:
            raise missing_by_id("groups", m["groupid"])
        yield group, site.live_user(m["userid"]).id


@ws("core_group_add_group_members", "write", _MEMBERS, capability=_MANAGE)
def add_group_members(site: Site, p: dict[str, Any]) -> None:
    for group, user_id in _members(site, p):
        if site.enrolment(group.courseid, user_id) is None:
            raise InvalidParameterException("Only enrolled users may be members of groups")
        site.journal.add(group.members, user_id)
    return None


@ws("core_group_delete_group_members", "write", _MEMBERS, capability=_MANAGE)
def delete_group_members(site: Site, p: dict[str, Any]) -> None:
    for group, user_id in _members(site, p):
        site.journal.discard(group.members, user_id)
    return None

"""core_cohort_*: cohorts and their members (Moodle 4.1 cohort/externallib.php)."""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import InvalidParameterException, missing_by_id
from fake_moodle.params import Multiple, Single, Value, dflt, opt
from fake_moodle.registry import ws
from fake_moodle.rows import CohortRow
from fake_moodle.site import SYSTEM_CONTEXT, Site

_TYPE_VALUE = Single({"type": Value("alpha"), "value": Value("raw")})


def cohort_record(c: CohortRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "idnumber": c.idnumber,
        "description": c.description,
        "descriptionformat": c.descriptionformat,
        "visible": bool(c.visible),
        "theme": c.theme,
    }


def context_of(site: Site, categorytype: dict[str, str]) -> int:
    kind, value = categorytype["type"], categorytype["value"]
    if kind not in ("idnumber", "id", "system"):
        raise InvalidParameterException(f"category type must be id, idnumber or system:{kind}")
    if kind == "system":
        return SYSTEM_CONTEXT
    matches = (
        site.categories.by("idnumber", value)
        if kind == "idnumber"
        else [c for c in [site.categories.get(int(value) if value.isdigit() else 0)] if c]
    )
    if not matches:
        raise InvalidParameterException(f"category not exists: category {kind} = {value}")
    return matches[0].contextid


def add_cohort(site: Site, contextid: int, name: str, idnumber: str, **fields: Any) -> CohortRow:
    if site.cohorts.first("idnumber", idnumber):
        raise InvalidParameterException(f"record already exists: idnumber={idnumber}")
    return site.cohorts.insert(CohortRow(contextid, name, idnumber, **fields))


@ws(
    "core_cohort_create_cohorts",
    "write",
    Single(
        {
            "cohorts": Multiple(
                Single(
                    {
                        "categorytype": _TYPE_VALUE,
                        "name": Value("raw"),
                        "idnumber": Value("raw"),
                        "description": opt("raw"),
                        "descriptionformat": dflt("int", 1),
                        "visible": opt("bool"),
                        "theme": opt("plugin"),
                        "customfields": Multiple(
                            Single({"shortname": Value("alphanumext"), "value": Value("raw")}), "optional"
                        ),
                    }
                )
            )
        }
    ),
    capability=("moodle/cohort:manage", "Manage cohorts"),
)
def create_cohorts(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    created = []
    for c in p["cohorts"]:
        row = add_cohort(
            site,
            context_of(site, c["categorytype"]),
            c["name"],
            c["idnumber"],
            description=c.get("description", ""),
            descriptionformat=c["descriptionformat"],
            visible=int(c.get("visible", True)),
        )
        created.append(cohort_record(row))
    return created


def _contexts(site: Site, contextid: int, includes: str) -> set[int] | None:
    """Contexts whose cohorts a search sees: the context itself, its parents, or everything under it."""
    if includes == "all" and contextid == SYSTEM_CONTEXT:
        return None
    found = {contextid}
    if includes == "parents":
        found.add(SYSTEM_CONTEXT)
    return found


@ws(
    "core_cohort_search_cohorts",
    "read",
    Single(
        {
            "query": Value("raw"),
            "context": Single({"contextid": opt("int"), "contextlevel": opt("alpha"), "instanceid": opt("int")}),
            "includes": dflt("alpha", "parents"),
            "limitfrom": dflt("int", 0),
            "limitnum": dflt("int", 25),
        }
    ),
)
def search_cohorts(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    if p["includes"] not in ("all", "parents", "self"):
        raise InvalidParameterException(f"Invalid parameter includes: {p['includes']}")
    contexts = _contexts(site, p["context"].get("contextid", SYSTEM_CONTEXT), p["includes"])
    query = p["query"].lower()
    found = [
        c
        for c in sorted(site.cohorts, key=lambda c: c.name)
        if (contexts is None or c.contextid in contexts)
        and any(query in text.lower() for text in (c.name, c.idnumber, c.description))
    ]
    page = found[p["limitfrom"] : p["limitfrom"] + p["limitnum"]]
    return {"cohorts": [cohort_record(c) for c in page]}


@ws("core_cohort_get_cohorts", "read", Single({"cohortids": Multiple(Value("int"), "default", [])}))
def get_cohorts(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    if not p["cohortids"]:
        return [cohort_record(c) for c in site.cohorts]
    wanted = set(p["cohortids"])
    return [cohort_record(c) for c in site.cohorts if c.id in wanted]


@ws("core_cohort_get_cohort_members", "read", Single({"cohortids": Multiple(Value("int"))}))
def get_cohort_members(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    members = []
    for cohort_id in p["cohortids"]:
        cohort = site.cohorts.get(cohort_id)
        if cohort is None:
            raise missing_by_id("cohort", cohort_id)
        members.append({"cohortid": cohort.id, "userids": sorted(cohort.members)})
    return members


@ws(
    "core_cohort_add_cohort_members",
    "write",
    Single({"members": Multiple(Single({"cohorttype": _TYPE_VALUE, "usertype": _TYPE_VALUE}))}),
    capability=("moodle/cohort:assign", "Assign cohort members"),
)
def add_cohort_members(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    """Problems come back as warnings with codes 1 (bad type), 2 (not found), 3 (already a member)."""
    warnings = []
    for member in p["members"]:
        ctype, utype = member["cohorttype"], member["usertype"]
        if ctype["type"] not in ("id", "idnumber"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: cohortype={ctype['type']}"})
            continue
        if utype["type"] not in ("id", "username"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: usertype={utype['type']}"})
            continue
        cohorts = (
            site.cohorts.by("idnumber", ctype["value"])
            if ctype["type"] == "idnumber"
            else [c for c in site.cohorts if str(c.id) == ctype["value"]]
        )
        if not cohorts:
            warnings.append({"warningcode": "2", "message": f"cohort {ctype['type']}={ctype['value']} not exists"})
            continue
        users = (
            site.users.by("username", utype["value"])
            if utype["type"] == "username"
            else [u for u in [site.users.get(int(utype["value"]) if utype["value"].isdigit() else 0)] if u]
        )
        users = [u for u in users if not u.deleted]
        if not users:
            warnings.append({"warningcode": "2", "message": f"user {utype['type']}={utype['value']} not exists"})
            continue
        cohort, user = cohorts[0], users[0]
        if user.id in cohort.members:
            warnings.append(
                {
                    "warningcode": "3",
                    "message": f"record already exists: cohort({ctype['type']}:{ctype['value']} "
                    f"{utype['type']}:{utype['value']})",
                }
            )
            continue
        site.journal.add(cohort.members, user.id)
    return {"warnings": warnings}


@ws(
    "core_cohort_delete_cohort_members",
    "write",
    Single({"members": Multiple(Single({"cohortid": Value("int"), "userid": Value("int")}))}),
    capability=("moodle/cohort:assign", "Assign cohort members"),
)
def delete_cohort_members(site: Site, p: dict[str, Any]) -> None:
    for member in p["members"]:
        cohort = site.cohorts.get(member["cohortid"])
        if cohort is None:
            raise missing_by_id("cohort", member["cohortid"])
        site.live_user(member["userid"])
        site.journal.discard(cohort.members, member["userid"])
    return None

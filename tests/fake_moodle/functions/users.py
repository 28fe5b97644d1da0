"""core_user_*: create, update and look up accounts (Moodle 4.1 user/externallib.php)."""

from __future__ import annotations

import re
from typing import Any

from fake_moodle.exceptions import InvalidParameterException, MoodleException, coding_exception, moodle_exception
from fake_moodle.params import Multiple, Single, Value, dflt, opt
from fake_moodle.registry import ws
from fake_moodle.rows import CourseRow, UserRow
from fake_moodle.site import ROLES, Site

AUTHS = {"manual", "nologin", "email", "ldap", "oauth2", "cas", "db"}
_EDITABLE = (
    "username",
    "firstname",
    "lastname",
    "email",
    "idnumber",
    "middlename",
    "institution",
    "department",
    "city",
    "country",
    "timezone",
    "lang",
    "auth",
    "phone1",
    "phone2",
    "address",
    "description",
    "mailformat",
    "theme",
)

_OPTIONAL_PROFILE: dict[str, Value] = {
    "maildisplay": opt("int"),
    "city": opt("notags"),
    "country": opt("alpha"),
    "timezone": opt("timezone"),
    "description": opt("text"),
    "firstnamephonetic": opt("notags"),
    "lastnamephonetic": opt("notags"),
    "middlename": opt("notags"),
    "alternatename": opt("notags"),
    "interests": opt("text"),
    "institution": opt("text"),
    "department": opt("text"),
    "phone1": opt("notags"),
    "phone2": opt("notags"),
    "address": opt("text"),
    "theme": opt("plugin"),
    "mailformat": opt("int"),
}
_EXTRAS = {
    "customfields": Multiple(Single({"type": Value("alphanumext"), "value": Value("raw")}), "optional"),
    "preferences": Multiple(Single({"type": Value("raw"), "value": Value("raw")}), "optional"),
}


def password_errors(password: str) -> str:
    """check_password_policy() with Moodle's default policy, in its message format."""
    problems = []
    if len(password) < 8:
        problems.append("Passwords must be at least 8 characters long.")
    if not re.search(r"\d", password):
        problems.append("Passwords must have at least 1 digit(s).")
    if not re.search(r"[a-zа-яё]", password):
        problems.append("Passwords must have at least 1 lower case letter(s).")
    if not re.search(r"[A-ZА-ЯЁ]", password):
        problems.append("Passwords must have at least 1 upper case letter(s).")
    if not re.search(r"[^\w]", password):
        problems.append("The password must have at least 1 special character(s) such as *, -, or #.")
    return "".join(f"<div>{p}</div>" for p in problems)


def check_password(password: str) -> None:
    errors = password_errors(password)
    if errors:
        # Moodle throws moodle_exception($errmsg): the message becomes the error code.
        raise moodle_exception(errors, f"error/{errors}")


def add_user(site: Site, data: dict[str, Any]) -> UserRow:
    """The checks of create_users, in Moodle's order, then the insert."""
    for key in ("username", "firstname", "lastname"):
        if not str(data[key]).strip():
            raise InvalidParameterException(f"The field {key} cannot be blank")
    if site.users.first("username", data["username"]):
        raise InvalidParameterException(f"Username already exists: {data['username']}")
    if data["auth"] not in AUTHS:
        raise InvalidParameterException(f"Invalid authentication type: {data['auth']}")
    site.require_language(data["lang"])
    if not data.get("password") and not data.get("createpassword"):
        raise InvalidParameterException("Invalid password: you must provide a password, or set createpassword.")
    if not data["email"]:
        raise InvalidParameterException(f"Email address is invalid: {data['email']}")
    if site.users.first("email", data["email"].lower()):
        raise InvalidParameterException(f"Email address already exists: {data['email']}")
    if data.get("password"):
        check_password(data["password"])
    fields = {k: v for k, v in data.items() if k in _EDITABLE or k == "password"}
    return site.users.insert(UserRow(**fields))


@ws(
    "core_user_create_users",
    "write",
    Single(
        {
            "users": Multiple(
                Single(
                    {
                        "createpassword": opt("bool"),
                        "username": Value("username"),
                        "auth": dflt("plugin", "manual"),
                        "password": opt("raw"),
                        "firstname": Value("notags"),
                        "lastname": Value("notags"),
                        "email": Value("email"),
                        **_OPTIONAL_PROFILE,
                        "idnumber": dflt("raw", ""),
                        "lang": dflt("safedir", "en"),
                        "calendartype": dflt("plugin", "gregorian"),
                        **_EXTRAS,
                    }
                )
            )
        }
    ),
    capability=("moodle/user:create", "Create users"),
)
def create_users(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": (row := add_user(site, u)).id, "username": row.username} for u in p["users"]]


def _update_one(site: Site, user: dict[str, Any]) -> None:
    row = site.users.get(user["id"])
    if row is None or row.deleted:
        raise moodle_exception("invaliduserid", "Invalid user ID")
    if row.id == 1:
        raise moodle_exception("usernotupdatedguest", "Unable to update guest user")
    email = user.get("email")
    if email is not None and email != row.email:
        if not email:
            raise moodle_exception("useremailinvalid", f"Invalid email address: {email}")
        if any(u.id != row.id for u in site.users.by("email", email.lower())):
            raise moodle_exception("useremailduplicate", f"Duplicate email address: {email}")
    username = user.get("username")
    if username and any(u.id != row.id for u in site.users.by("username", username)):
        # The unique index on username makes user_update_user() fail with a write error.
        raise MoodleException("dml_write_exception", "dmlwriteexception", "Error writing to database")
    if user.get("password"):
        check_password(user["password"])
    changes = {k: v for k, v in user.items() if k in _EDITABLE or k == "password"}
    if "suspended" in user:
        changes["suspended"] = int(user["suspended"])
    site.users.update(row, **changes)


@ws(
    "core_user_update_users",
    "write",
    Single(
        {
            "users": Multiple(
                Single(
                    {
                        "id": Value("int"),
                        "username": opt("username"),
                        "auth": opt("plugin"),
                        "suspended": opt("bool"),
                        "password": opt("raw"),
                        "firstname": opt("notags"),
                        "lastname": opt("notags"),
                        "email": opt("email"),
                        **_OPTIONAL_PROFILE,
                        "userpicture": opt("int"),
                        "idnumber": opt("raw"),
                        "lang": opt("safedir"),
                        "calendartype": opt("plugin"),
                        **_EXTRAS,
                    }
                )
            )
        }
    ),
    capability=("moodle/user:update", "Update user profiles"),
)
def update_users(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    """Per-user problems do not fail the call: they come back as warnings naming the user."""
    warnings = []
    for user in p["users"]:
        try:
            _update_one(site, user)
        except MoodleException as exc:
            warnings.append(
                {"item": "user", "itemid": user["id"], "warningcode": exc.errorcode, "message": exc.message}
            )
    return {"warnings": warnings}


def user_details(site: Site, u: UserRow, course: CourseRow | None = None) -> dict[str, Any]:
    """user_get_user_details() as the admin sees it: empty optional fields are left out."""
    out: dict[str, Any] = {
        "id": u.id,
        "username": u.username,
        "firstname": u.firstname,
        "lastname": u.lastname,
        "fullname": u.fullname,
        "email": u.email,
    }
    for key in ("address", "phone1", "phone2", "department", "institution", "idnumber"):
        if getattr(u, key):
            out[key] = getattr(u, key)
    out["firstaccess"], out["lastaccess"] = u.firstaccess, u.lastaccess
    if course is None:
        out.update(
            auth=u.auth,
            suspended=bool(u.suspended),
            confirmed=bool(u.confirmed),
            lang=u.lang,
            theme=u.theme,
            timezone=u.timezone,
            mailformat=u.mailformat,
        )
    else:
        out["lastcourseaccess"] = site.course_access.get((course.id, u.id), 0)
    if u.description:
        out["description"], out["descriptionformat"] = u.description, 1
    for key in ("city", "country"):
        if getattr(u, key):
            out[key] = getattr(u, key)
    out["profileimageurlsmall"] = site.picture("f2")
    out["profileimageurl"] = site.picture("f1")
    if course is not None:
        groups = site.user_groups(course.id, u.id)
        if groups:
            out["groups"] = [
                {"id": g.id, "name": g.name, "description": g.description, "descriptionformat": g.descriptionformat}
                for g in sorted(groups, key=lambda g: g.id)
            ]
        roles = sorted(site.enrolment(course.id, u.id).roles)  # type: ignore[union-attr]
        out["roles"] = [{"roleid": r, "name": "", "shortname": ROLES[r], "sortorder": 0} for r in roles]
        out["enrolledcourses"] = [
            site.course_ref(site.courses.rows[e.courseid])
            for e in sorted(site.enrolments.by("user", u.id), key=lambda e: e.courseid)
        ]
    return out


@ws(
    "core_user_get_users_by_field",
    "read",
    Single({"field": Value("alpha"), "values": Multiple(Value("raw"))}),
)
def get_users_by_field(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    field = p["field"]
    if field not in ("id", "idnumber", "username", "email"):
        raise coding_exception(
            "invalid field parameter",
            f"The search field '{field}' is not supported, look at the web service documentation",
        )
    found: dict[int, UserRow] = {}
    for value in p["values"]:
        if field == "id":
            row = site.users.get(int(value)) if value.isdigit() else None
            matches = [row] if row else []
        elif field == "email":
            matches = [u for u in site.users.by("email", value.lower()) if u.email == value]
        else:
            matches = site.users.by(field, value)
        found.update((u.id, u) for u in matches if not u.deleted)
    return [user_details(site, u) for _, u in sorted(found.items())]

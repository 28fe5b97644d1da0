"""User accounts: students and teachers, looked up by idnumber/username, created and updated in lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from moodle_client.batch import BatchResult
from moodle_client.core import ClientCore
from moodle_client.decoders import aligned, warned_by_id
from moodle_client.records import ApiInput, ApiRecord


@dataclass(frozen=True)
class User(ApiRecord):
    id: int
    username: str
    firstname: str = ""
    lastname: str = ""
    fullname: str = ""
    email: str = ""
    idnumber: str = ""
    institution: str = ""
    department: str = ""
    city: str = ""
    country: str = ""
    phone1: str = ""
    auth: str = ""
    suspended: bool = False
    confirmed: bool = True
    lang: str = ""
    timezone: str = ""
    firstaccess: dt.datetime | None = None
    lastaccess: dt.datetime | None = None


@dataclass(frozen=True)
class CreatedUser(ApiRecord):
    id: int
    username: str


@dataclass(frozen=True, kw_only=True)
class UserProfile(ApiInput):
    """Profile fields both create and update take; ``None`` is not sent (default / unchanged)."""

    auth: str | None = None
    idnumber: str | None = None
    middlename: str | None = None
    institution: str | None = None
    department: str | None = None
    city: str | None = None
    country: str | None = None
    timezone: str | None = None
    lang: str | None = None
    phone1: str | None = None


@dataclass(frozen=True)
class NewUser(UserProfile):
    """A new account. Give ``password`` or ``createpassword=True`` (Moodle then mails one)."""

    username: str
    firstname: str
    lastname: str
    email: str
    password: str | None = field(default=None, repr=False)
    createpassword: bool | None = None


@dataclass(frozen=True)
class UserUpdate(UserProfile):
    id: int
    username: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    email: str | None = None
    password: str | None = field(default=None, repr=False)
    suspended: bool | None = None


class UserCalls(ClientCore):
    def get_users_by_field(self, field: str, values: Sequence[str | int]) -> list[User]:
        """``field``: id, idnumber, username or email. Values matching nobody are silently omitted."""
        answer = self.read_list("core_user_get_users_by_field", list(values), extra={"field": field})
        return [User.from_api(u) for u in answer]

    def create_users(self, items: Sequence[NewUser]) -> BatchResult[NewUser, CreatedUser]:
        return self.call_list("core_user_create_users", items, aligned(CreatedUser.from_api))

    def update_users(self, items: Sequence[UserUpdate]) -> BatchResult[UserUpdate, None]:
        """Per-user problems (username/email taken...) come back as warnings naming the user id."""
        return self.call_list("core_user_update_users", items, warned_by_id)

"""Site information: Moodle version and the functions the token's service offers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from moodle_client.core import ClientCore
from moodle_client.errors import InvalidParameter
from moodle_client.functions import ATTENDANCE_PREFIX, REQUIRED_FUNCTIONS
from moodle_client.records import ApiRecord


@dataclass(frozen=True)
class SiteFunction(ApiRecord):
    name: str
    version: str = ""


@dataclass(frozen=True)
class SiteInfo(ApiRecord):
    """``core_webservice_get_site_info``. ``functions`` lists exactly what the token may call."""

    sitename: str
    siteurl: str
    username: str
    userid: int
    release: str = ""
    version: str = ""
    lang: str = ""
    userissiteadmin: bool = False
    functions: tuple[SiteFunction, ...] = ()

    @property
    def function_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.functions)

    @property
    def has_attendance(self) -> bool:
        """mod_attendance answers only if installed and its functions are in the service."""
        return any(name.startswith(ATTENDANCE_PREFIX) for name in self.function_names)

    def missing_functions(self, required: Iterable[str] = REQUIRED_FUNCTIONS) -> tuple[str, ...]:
        names = self.function_names
        return tuple(name for name in required if name not in names)


class SiteCalls(ClientCore):
    def get_site_info(self) -> SiteInfo:
        return SiteInfo.from_api(self.call("core_webservice_get_site_info"))

    def language_name(self, lang: str) -> str | None:
        """The name a language pack gives itself, or ``None`` if the site does not have it.

        Read-only, and the one way to learn it: Moodle rejects a user whose ``lang`` is not installed
        with a bare ``invalidparameter`` that names the field only with developer debugging on."""
        try:
            return str(self.call("core_get_string", {"stringid": "thislanguage", "component": "langconfig",
                                                     "lang": lang}))
        except InvalidParameter:
            return None

"""Moodle's error bodies, with the exception classes, error codes and texts Moodle 4.1 uses.

The texts come from the recorded samples where one exists, otherwise from Moodle's language strings
(lang/en/error.php, webservice.php...). ``debuginfo`` is what a site with debugging on adds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class MoodleException(Exception):
    def __init__(self, exception: str, errorcode: str, message: str, debuginfo: str | None = None) -> None:
        super().__init__(message)
        self.exception, self.errorcode, self.message, self.debuginfo = exception, errorcode, message, debuginfo

    def body(self, debug: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"exception": self.exception, "errorcode": self.errorcode, "message": self.message}
        if debug and self.debuginfo is not None:
            out["debuginfo"] = self.debuginfo
        return out


class InvalidParameterException(MoodleException):
    """``debuginfo=None``: checks that name nothing even with debugging on (a missing language pack)."""

    def __init__(self, debuginfo: str | None) -> None:
        super().__init__(
            "invalid_parameter_exception", "invalidparameter", "Invalid parameter value detected", debuginfo
        )


def moodle_exception(errorcode: str, message: str) -> MoodleException:
    return MoodleException("moodle_exception", errorcode, message)


def coding_exception(message: str, debuginfo: str | None = None) -> MoodleException:
    return MoodleException(
        "coding_exception",
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {message}",
        debuginfo,
    )


def _php(value: Any) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "\\'") + "'"


def var_export(params: Sequence[Any] | Mapping[str, Any]) -> str:
    """PHP's ``var_export`` of a parameter array, as in dml exceptions' debuginfo."""
    items = params.items() if isinstance(params, Mapping) else enumerate(params)
    return "array (\n" + "".join(f"  {_php(k)} => {_php(v)},\n" for k, v in items) + ")"


_MISSING_CODES = {"user": "invaliduser", "course_modules": "invalidcoursemodule"}
_MISSING_TEXT = {
    "invaliduser": "Invalid user",
    "invalidcoursemodule": "Invalid course module ID",
    "invalidrecordunknown": "Can't find data record in database.",
}


def missing_record(table: str, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> MoodleException:
    """``dml_missing_record_exception``, whose error code depends on the table (lib/dml/moodle_database.php)."""
    code = _MISSING_CODES.get(table, "invalidrecord" if table else "invalidrecordunknown")
    message = _MISSING_TEXT.get(code, f"Can't find data record in database table {table}.")
    return MoodleException("dml_missing_record_exception", code, message, f"{sql}\n[{var_export(params)}]")


def missing_by_id(table: str, record_id: int) -> MoodleException:
    return missing_record(table, f"SELECT * FROM {{{table}}} WHERE id = ?", [record_id])


def access_exception(function: str) -> MoodleException:
    return MoodleException(
        "webservice_access_exception",
        "accessexception",
        "Access control exception",
        f"Access to the function {function}() is not allowed.\n"
        " There could be multiple reasons for this:\n"
        " 1. The service linked to the user token does not contain the function.\n"
        " 2. The service is user-restricted and the user is not listed.\n"
        " 3. The service is IP-restricted and the user IP is not listed.\n"
        " 4. The service is time-restricted and the time has expired.\n"
        " 5. The token is time-restricted and the time has expired.\n"
        " 6. The service requires a specific capability which the user does not have.\n"
        " 7. The function is called with username/password (no user token is sent)\n"
        " and none of the services has the function to allow the user.\n"
        " These settings can be found in Administration > Site administration\n"
        " > Server > Web services > External services and Manage tokens.",
    )


def required_capability(capability: str, description: str) -> MoodleException:
    return MoodleException(
        "required_capability_exception",
        "nopermissions",
        f"Sorry, but you do not currently have permissions to do that ({description}).",
        capability,
    )


def invalid_token() -> MoodleException:
    return moodle_exception("invalidtoken", "Invalid token - token not found")


def site_maintenance() -> MoodleException:
    return moodle_exception("sitemaintenance", "The site is undergoing maintenance and is currently not available")


def unknown_function(function: str) -> MoodleException:
    return missing_record("external_functions", "SELECT * FROM {external_functions} WHERE name = ?", [function])


def context_not_valid(level: str, instance_id: int) -> MoodleException:
    """What create/list calls answer for a course or category that does not exist (validate_context)."""
    what = "course" if level == "course" else "category"
    errorcode = "errorcoursecontextnotvalid" if level == "course" else "errorcatcontextnotvalid"
    return moodle_exception(
        errorcode,
        f"You cannot execute functions in the {what} context ({what} id:{instance_id}). "
        "The context error message was: Invalid parameter value detected",
    )

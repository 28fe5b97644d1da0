"""core_webservice_get_site_info."""

from __future__ import annotations

from typing import Any

from fake_moodle.params import Multiple, Single, Value, dflt, opt
from fake_moodle.registry import COMPONENT_VERSIONS, REGISTRY, ws
from fake_moodle.exceptions import InvalidParameterException
from fake_moodle.site import LANGUAGE_NAMES, Site


@ws(
    "core_webservice_get_site_info",
    "read",
    Single({"serviceshortnames": Multiple(Value("alpha"), "default", [])}),
)
def get_site_info(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    admin = site.users.rows[site.admin_id]
    return {
        "sitename": site.sitename,
        "username": admin.username,
        "firstname": admin.firstname,
        "lastname": admin.lastname,
        "fullname": admin.fullname,
        "lang": admin.lang,
        "userid": admin.id,
        "siteurl": site.wwwroot,
        "userpictureurl": site.picture("f1"),
        "functions": [
            {"name": name, "version": COMPONENT_VERSIONS[REGISTRY[name].component]}
            for name in site.service
            if name in REGISTRY and site.installed(name)
        ],
        "downloadfiles": 1,
        "uploadfiles": 1,
        "release": "4.1.10 (Build: 20240422)",
        "version": "2022112810",
        "mobilecssurl": "",
        "advancedfeatures": [{"name": "enablecompletion", "value": 1}],
        "usercanmanageownfiles": True,
        "userquota": 0,
        "usermaxuploadfilesize": -1,
        "userhomepage": 1,
        "userprivateaccesskey": "0" * 32,
        "siteid": 1,
        "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian",
        "userissiteadmin": True,
        "theme": "boost",
        "limitconcurrentlogins": 0,
    }


@ws(
    "core_get_string",
    "read",
    Single(
        {
            "stringid": Value("alphanumext"),
            "component": dflt("component", "moodle"),
            "lang": dflt("safedir", None),
            "stringparams": Multiple(Single({"name": opt("alphanumext"), "value": Value("raw")}), "default", []),
        }
    ),
)
def get_string(site: Site, p: dict[str, Any]) -> str:
    """Only the string the client asks for: a language pack's own name (langconfig/thislanguage)."""
    lang = p["lang"] or "en"
    site.require_language(lang)
    if (p["component"], p["stringid"]) != ("langconfig", "thislanguage"):
        raise InvalidParameterException(f"the fake has only langconfig/thislanguage, not {p['component']}/{p['stringid']}")
    return LANGUAGE_NAMES[lang]

"""core_webservice_get_site_info."""

from __future__ import annotations

from typing import Any

from fake_moodle.params import Multiple, Single, Value
from fake_moodle.registry import COMPONENT_VERSIONS, REGISTRY, ws
from fake_moodle.site import Site


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

"""Settings, parsed strictly from the environment and one TOML file.

Three values come from the environment because deployments keep them out of files:
``NETCOURSES_DATABASE_URL``, ``NETCOURSES_MOODLE_URL`` and ``NETCOURSES_MOODLE_TOKEN``.
Everything else lives in the TOML file named by ``NETCOURSES_CONFIG``.

Each feature owns a section: a frozen dataclass whose fields (with defaults) are the keys of
that section. The loader walks the dataclasses, so a section is declared once and parsed the
same way everywhere. An unknown key, a wrong type or a bad value stops start-up with a
:class:`SettingsError` naming ``file: section.key``. Secrets are :class:`Secret` values whose
``repr``/``str`` never show the content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///netcourses.db"


class SettingsError(ValueError):
    """A setting is unknown or has a bad value; the message names it."""


class Secret:
    """A string that never prints itself: tokens and webhook secrets."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class MoodleSettings:
    """How to reach Moodle. ``url`` and ``token`` come from the environment only."""

    url: str = ""
    token: Secret = field(default_factory=lambda: Secret(""))
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # PHP's max_input_vars: a request with more parameters is silently truncated by PHP.
    max_params: int = 1000
    verify_tls: bool = True

    @property
    def configured(self) -> bool:
        """Both the URL and the token are set: calls can be made (whether they succeed is another matter)."""
        return bool(self.url and self.token)

    def __post_init__(self) -> None:
        if self.url and not self.url.startswith(("http://", "https://")):
            raise SettingsError(f"moodle.url: must start with http:// or https://, got {self.url!r}")
        for name in ("connect_timeout", "read_timeout", "backoff_base", "backoff_cap"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"moodle.{name}: must be positive")
        if self.max_retries < 0:
            raise SettingsError("moodle.max_retries: must be 0 or more")
        if self.max_params < 50:
            raise SettingsError("moodle.max_params: must be at least 50")


@dataclass(frozen=True)
class DistrictSettings:
    """Facts about the district that are not rows of the registry."""

    name: str = "Сетевой округ"
    timezone: str = "Europe/Moscow"
    # Student count of the whole district, for the "share of students in the network" figure;
    # 0 means "sum of the schools' own counts".
    total_students: int = 0

    def __post_init__(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"district.timezone: unknown time zone {self.timezone!r}") from None
        if self.total_students < 0:
            raise SettingsError("district.total_students: must be 0 or more")

    def today(self) -> dt.date:
        """The date in the district now (a day's lessons are counted in its time zone)."""
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class WebSettings:
    """The web app (``netcourses serve`` and WSGI)."""

    host: str = "127.0.0.1"
    port: int = 5000
    # Absolute URL the app is reached at from outside, for the links it hands out (calendar links, feeds).
    # Empty: the console and the API build them from the address the request came to (the development server
    # on any port works); the CLI from host and port. Set it behind a proxy or a domain name.
    public_url: str = ""
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    # A console session unused this long is over (every request renews it): a working day.
    session_idle_minutes: int = 480
    # Reverse proxies in front of the app that add X-Forwarded-For and X-Forwarded-Proto (nginx: 1); the
    # client's address (sign-in throttling) is then the one the outermost of them saw. 0: no proxy, the
    # headers are not trusted.
    proxies: int = 0
    # Addresses or networks (e.g. "10.0.0.5", "10.0.0.0/24") that may read /metrics without a token
    # (the Prometheus server); anyone else needs the administrator's token.
    metrics_from: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError(f"web.port: {self.port} is not a TCP port")
        if self.session_idle_minutes < 1:
            raise SettingsError("web.session_idle_minutes: must be 1 or more")
        if self.proxies < 0:
            raise SettingsError("web.proxies: must be 0 or more")
        for i, address in enumerate(self.metrics_from):
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                raise SettingsError(f"web.metrics_from[{i}]: {address!r} is not an address or network") from None
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise SettingsError("web.public_url: must start with http:// or https://")


@dataclass(frozen=True)
class SyncSettings:
    """How the registry maps onto Moodle, and the sync's safety limits (README: "Mapping")."""

    # Placeholders: {year} = academic year code ("2026-2027").
    category_idnumber: str = "netcourses-{year}"
    category_name: str = "Сетевые курсы {year}"
    # {code} = network course code.
    course_shortname: str = "{code}"
    # {last}, {first}, {f} (first initial), {id}: transliterated, lower case.
    username: str = "{last}.{f}.{id}"
    auth: str = "manual"
    # For students without e-mail; the reserved .invalid domain never receives mail.
    email_placeholder: str = "{username}@students.invalid"
    # Language of new accounts; empty: the site's default. Must be an installed language pack.
    lang: str = ""
    teacher_role_id: int = 3
    student_role_id: int = 5
    # What a withdrawn student becomes: "suspend" keeps grades and attendance; "unenrol" removes.
    withdrawn: str = "suspend"
    # Adopt things made by hand in Moodle by shortname / username too (idnumber always adopts).
    adopt_by_shortname: bool = False
    adopt_by_username: bool = False
    # Attendance sessions are made for the lessons of the coming N weeks (a rolling window that the
    # scheduled runs top up); sessions already made stay, past lessons are not back-filled.
    sessions_weeks_ahead: int = 4
    # Refuse a plan that suspends or removes more than this share of what it manages
    # (and at least guard_min items) unless forced.
    guard_ratio: float = 0.10
    guard_min: int = 20
    # Scheduler: delta runs every N minutes, a full run daily at full_at (local time of the district).
    delta_every_minutes: int = 5
    full_at: str = "02:30"
    misfire_grace_seconds: int = 600

    def __post_init__(self) -> None:
        if self.withdrawn not in ("suspend", "unenrol"):
            raise SettingsError(f"sync.withdrawn: must be 'suspend' or 'unenrol', got {self.withdrawn!r}")
        if self.auth not in ("manual", "oauth2", "ldap", "cas", "shibboleth", "saml2", "nologin"):
            raise SettingsError(f"sync.auth: unsupported auth method {self.auth!r}")
        if not 0 < self.guard_ratio <= 1:
            raise SettingsError("sync.guard_ratio: must be in (0, 1]")
        if self.sessions_weeks_ahead < 1:
            raise SettingsError("sync.sessions_weeks_ahead: must be 1 or more")
        if self.guard_min < 0 or self.delta_every_minutes < 1 or self.misfire_grace_seconds < 1:
            raise SettingsError("sync: guard_min must be 0 or more, delta_every_minutes and misfire_grace_seconds 1 or more")
        for name, needed in (("category_idnumber", "{year}"), ("course_shortname", "{code}"), ("username", "{id}")):
            if needed not in getattr(self, name):
                raise SettingsError(f"sync.{name}: must contain {needed} so that it stays unique")
        _hh_mm(self.full_at, "sync.full_at")


@dataclass(frozen=True)
class WebhookSettings:
    """The receiver of Moodle events (``POST /webhooks/moodle``)."""

    # Tokens the local_webhooks plugin sends in the body; several are valid while one is rotated.
    tokens: tuple[Secret, ...] = ()
    # Standard Webhooks signing secrets ("whsec_..."), for deployments that sign requests.
    signing_secrets: tuple[Secret, ...] = ()
    tolerance_seconds: int = 300
    max_body_bytes: int = 65536

    def __post_init__(self) -> None:
        for i, secret in enumerate(self.signing_secrets):
            if not secret.reveal().startswith("whsec_"):
                raise SettingsError(f"webhooks.signing_secrets[{i}]: must start with whsec_")
        if self.tolerance_seconds < 1 or self.max_body_bytes < 1024:
            raise SettingsError("webhooks: tolerance_seconds must be 1 or more, max_body_bytes 1024 or more")


@dataclass(frozen=True)
class MarksSettings:
    """How Moodle results become the marks a home school writes in its journal (bridge.reports.marks), and
    when a student is at risk."""

    # five_point, pass_fail or points; a course's own assessment_form overrides it.
    default_form: str = "five_point"
    # Percentages from which a result is 5, 4, 3 (below the last: 2).
    five_point_thresholds: tuple[float, ...] = (85.0, 65.0, 45.0)
    # Percentage from which a pass_fail result is "зачёт" and a points result is not failing.
    pass_threshold: float = 50.0
    # A share of attended lessons below this puts a student at risk.
    at_risk_attendance: float = 0.75

    def __post_init__(self) -> None:
        if self.default_form not in ("five_point", "pass_fail", "points"):
            raise SettingsError(f"marks.default_form: must be five_point, pass_fail or points, got {self.default_form!r}")
        t = self.five_point_thresholds
        if len(t) != 3 or not all(0 <= x <= 100 for x in t) or not t[0] > t[1] > t[2]:
            raise SettingsError("marks.five_point_thresholds: three percentages for 5, 4 and 3, falling (e.g. [85, 65, 45])")
        if not 0 <= self.pass_threshold <= 100:
            raise SettingsError("marks.pass_threshold: must be a percentage (0 to 100)")
        if not 0 <= self.at_risk_attendance <= 1:
            raise SettingsError("marks.at_risk_attendance: must be a share between 0 and 1 (e.g. 0.75)")


@dataclass(frozen=True)
class MonitoringSettings:
    """Monitoring: when a teacher's attendance counts as late or missing and a student as inactive
    (bridge.reports.teachers); when a school's results are low, and the monthly report for the education
    department (bridge.reports.schools, bridge.reports.monthly)."""

    # Attendance taken more than this many hours after the lesson's end is late; not taken by then, never.
    late_after_hours: int = 24
    # A student who has not opened the course in Moodle for this many days is inactive.
    inactive_days: int = 14
    # A school whose share of attended lessons is below this is listed among the schools with low results.
    low_attendance: float = 0.8
    # ... or whose share of grades at or above the pass mark of their course's form is below this.
    low_pass_share: float = 0.7
    # A school with fewer students in the network is not judged: with 2 students one absence is 50 points.
    min_students: int = 5
    # The scheduler queues the monthly report for the previous month on the 1st at this time (district's zone).
    monthly_report_at: str = "06:00"

    def __post_init__(self) -> None:
        if not 1 <= self.late_after_hours <= 24 * 30:
            raise SettingsError("monitoring.late_after_hours: must be from 1 to 720 (hours)")
        if not 1 <= self.inactive_days <= 365:
            raise SettingsError("monitoring.inactive_days: must be from 1 to 365 (days)")
        for name in ("low_attendance", "low_pass_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise SettingsError(f"monitoring.{name}: must be a share between 0 and 1 (e.g. 0.8)")
        if self.min_students < 1:
            raise SettingsError("monitoring.min_students: must be 1 or more")
        _hh_mm(self.monthly_report_at, "monitoring.monthly_report_at")


def _hh_mm(value: str, where: str) -> tuple[int, int]:
    """``"HH:MM"`` as (hour, minute), or a :class:`SettingsError` naming ``where``."""
    try:
        hh, mm = (int(x) for x in value.split(":"))
        if not (0 <= hh < 24 and 0 <= mm < 60):
            raise ValueError
    except ValueError:
        raise SettingsError(f"{where}: expected HH:MM, got {value!r}") from None
    return hh, mm


@dataclass(frozen=True)
class PullSettings:
    """Reading attendance and grades back from Moodle, and working off the webhook inbox."""

    every_minutes: int = 60
    webhooks_every_seconds: int = 60
    # A webhook event that failed this many times is set aside as failed.
    webhook_max_attempts: int = 5

    def __post_init__(self) -> None:
        if self.every_minutes < 1 or self.webhooks_every_seconds < 1 or self.webhook_max_attempts < 1:
            raise SettingsError("pull: every_minutes, webhooks_every_seconds and webhook_max_attempts must be 1 or more")


@dataclass(frozen=True)
class ImportSettings:
    """Imports of schools' lists (CLI and console). A zip of a few hundred kilobytes can unpack to
    gigabytes, and a file of a million bad rows makes a million problems: both are capped here."""

    # Uncompressed bytes of one file (a CSV, a sheet of a workbook, a member of a zip) and of all the
    # files of one import together; the region benchmark's largest file is about 6 MB.
    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024
    # Problems listed; the rest are counted ("and 1,499,900 more").
    max_problems: int = 1000
    # How long the console keeps an upload (in the database) that was checked but never confirmed;
    # a confirmed one goes when its import job ends, any after a day (bridge.uploads).
    upload_ttl_minutes: int = 60

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1024 or self.max_total_bytes < self.max_file_bytes:
            raise SettingsError("imports: max_file_bytes must be 1024 or more, max_total_bytes at least max_file_bytes")
        if self.max_problems < 1 or self.upload_ttl_minutes < 1:
            raise SettingsError("imports: max_problems and upload_ttl_minutes must be 1 or more")


@dataclass(frozen=True)
class JobsSettings:
    """The job queue and its workers (``netcourses worker``)."""

    # A running job's worker renews its lease every third of this; a job whose lease ran out (its
    # worker was killed, its machine is gone) is taken over by another worker.
    lease_seconds: float = 60.0
    # An idle worker looks for work this often: the enqueue-to-start latency (benchmarks/bench_jobs.py).
    poll_seconds: float = 0.25
    # A job failing transiently (Moodle unreachable, 5xx, timeouts) is tried this many times in all.
    max_attempts: int = 5
    # Retries wait base * 2^(attempt-1) seconds, at most cap, with ±50% jitter.
    backoff_base_seconds: float = 10.0
    backoff_cap_seconds: float = 900.0
    # /ready answers 503 once the last sync has been failing for longer than this.
    sync_failing_minutes: int = 180
    # A commit that writes what the dashboard's figures read queues a job that computes them again
    # (bridge.models.figures), so no page load pays for it; off, the first load after a change computes.
    refresh_figures: bool = True
    # A report file a job made (the console's and the API's XLSX/CSV downloads) is kept in the database this
    # long for its download, then deleted (bridge.reports.queued).
    report_ttl_minutes: int = 60

    def __post_init__(self) -> None:
        if self.report_ttl_minutes < 1:
            raise SettingsError("jobs.report_ttl_minutes: must be 1 or more")
        if self.lease_seconds < 1 or self.poll_seconds <= 0 or self.max_attempts < 1:
            raise SettingsError("jobs: lease_seconds must be 1 or more, poll_seconds above 0, max_attempts 1 or more")
        if self.backoff_base_seconds < 0 or self.backoff_cap_seconds < self.backoff_base_seconds:
            raise SettingsError("jobs: backoff_base_seconds must be 0 or more and at most backoff_cap_seconds")
        if self.sync_failing_minutes < 1:
            raise SettingsError("jobs.sync_failing_minutes: must be 1 or more")


@dataclass(frozen=True)
class ChoicesSettings:
    """Course choice: how long the allocation's solver may search, and with how many workers."""

    time_limit: float = 60.0  # seconds; the best solution found by then is reported with its gap
    # CP-SAT's parallel workers.
    workers: int = 2
    # The same input gives the same result (CP-SAT's interleaved, deterministic search). False: its
    # parallel portfolio, which at region scale finds better allocations in the same time but may
    # answer a rerun with another allocation of the same or nearly the same worth.
    deterministic: bool = True
    # An LP start already this close to the proven bound (0.01: 1 %) is the answer and CP-SAT does
    # not run; 0: CP-SAT always searches the rest of the limit. At region scale the start is within
    # 0.4 % and CP-SAT, which does not improve it there, takes 1.4 to 3.6 GiB: set 0.01.
    relative_gap: float = 0.0

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise SettingsError("choices.time_limit: must be positive (seconds)")
        if self.workers < 1:
            raise SettingsError("choices.workers: must be 1 or more")
        if not 0 <= self.relative_gap < 1:
            raise SettingsError("choices.relative_gap: must be at least 0 and below 1 (0.01 is 1 %)")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    moodle: MoodleSettings = field(default_factory=MoodleSettings)
    district: DistrictSettings = field(default_factory=DistrictSettings)
    web: WebSettings = field(default_factory=WebSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    marks: MarksSettings = field(default_factory=MarksSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    pull: PullSettings = field(default_factory=PullSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)
    jobs: JobsSettings = field(default_factory=JobsSettings)
    choices: ChoicesSettings = field(default_factory=ChoicesSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)

    def __post_init__(self) -> None:
        if "://" not in self.database_url:
            raise SettingsError("NETCOURSES_DATABASE_URL: not a database URL (expected e.g. sqlite:///file.db)")


# Keys of the TOML file that may not be set there: they belong in the environment.
_ENV_ONLY = {("moodle", "token"), ("moodle", "url"), ("database_url",)}


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check one TOML value against the field's type; no silent conversions beyond int→float."""
    if hint is Secret:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected a string")
        return Secret(value)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise SettingsError(f"{where}: expected a table [{where}]")
        return _build(hint, value, where)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if origin in (tuple, list):
        (item,) = typing.get_args(hint)[:1]
        if not isinstance(value, list):
            raise SettingsError(f"{where}: expected a list")
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}: expected a number, got {type(value).__name__}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where}: expected a whole number, got {type(value).__name__}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: expected true or false")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected a string")
        return value
    raise SettingsError(f"{where}: unsupported setting type {hint!r}")  # pragma: no cover


def _build(cls: type, data: Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{prefix}.{key}" if prefix else key
        if key not in names:
            raise SettingsError(f"{where}: unknown setting")
        kwargs[key] = _coerce(value, hints[key], where)
    return cls(**kwargs)


def _with(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``NETCOURSES_*`` from ``environ`` (default: the process environment) and the TOML file."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    config_path = env.get("NETCOURSES_CONFIG")
    source = "settings"
    if config_path:
        path = Path(config_path)
        source = str(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise SettingsError(f"NETCOURSES_CONFIG: file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        for key in _ENV_ONLY:
            node: Any = data
            for part in key[:-1]:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict) and key[-1] in node:
                raise SettingsError(
                    f"{path}: {'.'.join(key)}: set it in the environment "
                    f"(NETCOURSES_{'_'.join(key).upper()}), not in the file"
                )
    try:
        settings: Settings = _build(Settings, data, "")
        moodle = settings.moodle
        url = env.get("NETCOURSES_MOODLE_URL", "").strip().rstrip("/")
        token = env.get("NETCOURSES_MOODLE_TOKEN", "").strip()
        if url or token:
            moodle = _with(moodle, url=url, token=Secret(token))
        db_url = env.get("NETCOURSES_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        return _with(settings, database_url=db_url, moodle=moodle)
    except SettingsError as exc:
        if config_path:
            raise SettingsError(f"{source}: {exc}") from None
        raise

"""Metrics of the work done in a worker process: jobs and Moodle calls (prometheus_client). Syncs'
durations and changes are read from the database at scrape time instead (:mod:`bridge.web.metrics`),
so a sync of the command line, whose process nobody scrapes, counts too.

They live in the process that does the work. Under gunicorn, or with the web app and workers on one
machine, set ``PROMETHEUS_MULTIPROC_DIR`` to one directory for all of them (prometheus_client's
multiprocess mode) and the web app's ``/metrics`` reads every process's figures; a worker on
another machine serves its own with ``netcourses worker --metrics-port``.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from moodle_client.core import observe
from moodle_client.errors import MoodleError

JOB_SECONDS = Histogram("netcourses_job_duration_seconds", "Time a job ran, by kind and outcome",
                        ["kind", "outcome"], buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600))
MOODLE_CALLS = Counter("netcourses_moodle_calls_total", "Web-service calls to Moodle (HTTP attempts), by function",
                       ["function"])
MOODLE_ERRORS = Counter("netcourses_moodle_errors_total", "Moodle calls that failed, by function and error class",
                        ["function", "error"])
MOODLE_SECONDS = Histogram("netcourses_moodle_call_seconds", "Latency of Moodle calls, by function", ["function"],
                           buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def _moodle_call(function: str, seconds: float, error: MoodleError | None) -> None:
    MOODLE_CALLS.labels(function).inc()
    MOODLE_SECONDS.labels(function).observe(max(seconds, 0.0))
    if error is not None:
        MOODLE_ERRORS.labels(function, type(error).__name__).inc()


observe(_moodle_call)

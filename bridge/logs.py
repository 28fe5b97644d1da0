"""Logging of the long-running processes: one line per event, as text or as JSON for log shippers,
with the job and the sync run on every line logged while a worker runs a job.

The ids travel in context variables (:func:`job_context`), so code deep inside a job (the sync, the
Moodle client) names them without being passed them. Secrets are kept out where they arise: the
Moodle client never logs its token, and the feed-token filter of the web app redacts access logs.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

FORMATS = ("text", "json")
LIBRARIES = ("apscheduler", "moodle_client", "urllib3")

_job: contextvars.ContextVar[int | None] = contextvars.ContextVar("job_id", default=None)
_run: contextvars.ContextVar[int | None] = contextvars.ContextVar("run_id", default=None)


@contextmanager
def job_context(job_id: int, run_id: int | None = None) -> Iterator[None]:
    """Every line logged in the block (in this thread) names the job and, for a sync, its run."""
    tokens = _job.set(job_id), _run.set(run_id)
    try:
        yield
    finally:
        _job.reset(tokens[0])
        _run.reset(tokens[1])


class ContextFilter(logging.Filter):
    """Puts ``job_id`` and ``run_id`` on every record (None outside a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id, record.run_id = _job.get(), _run.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s:%(ids)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{key}={value}" for key in ("job_id", "run_id") if (value := getattr(record, key, None))]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record).replace("\n", " | ")  # one line per event


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, job_id, run_id, and
    the traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "job_id": getattr(record, "job_id", None), "run_id": getattr(record, "run_id", None)}
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(fmt: str = "text", stream: TextIO | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in ``fmt``; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "netcourses", False)]
    handler.netcourses = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # On a terminal a person reads along: the libraries' INFO lines (APScheduler's "Running job" each few
    # seconds, a line per Moodle call) bury ours. A log shipper (not a terminal) keeps them all.
    quiet = logging.WARNING if handler.stream.isatty() else logging.NOTSET
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(quiet)
    return handler

"""WSGI entry point for production servers: ``gunicorn -c python:bridge.wsgi 'bridge.wsgi:app'``.

Also gunicorn's config module (``-c python:bridge.wsgi``): with ``PROMETHEUS_MULTIPROC_DIR`` set,
prometheus_client's multiprocess mode needs to hear of each worker that exits.
"""

import os

from bridge.app import create_app

app = create_app()


def child_exit(server, worker) -> None:
    """gunicorn's hook: drop a dead worker's live gauges from the metrics (its counters stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

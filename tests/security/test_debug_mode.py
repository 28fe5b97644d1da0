"""Attack: turning on Werkzeug's interactive debugger through the environment (``FLASK_DEBUG=1``), which
gives whoever reaches the console a Python prompt on the server. The real ``netcourses serve`` is started
in a process of its own with that environment and asked over HTTP for the debugger's resources."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bridge.app import create_app

NETCOURSES = str(Path(sys.executable).with_name("netcourses"))  # the command installed next to this Python
DEBUGGER_RESOURCE = "/health?__debugger__=yes&cmd=resource&f=debugger.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_with_flask_debug(database_url, runtime, tmp_path):
    """``netcourses serve`` on a free port of loopback, with FLASK_DEBUG=1 (and a .env saying so in its
    working directory); yields (base URL, a function returning what the process wrote so far)."""
    (tmp_path / ".env").write_text("FLASK_DEBUG=1\n")
    port = _free_port()
    env = {**os.environ, "FLASK_DEBUG": "1", "NETCOURSES_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    env.pop("NETCOURSES_CONFIG", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([NETCOURSES, "serve", "--port", str(port)],
                                   cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to answer (or to have died)
            assert process.poll() is None, log.read_text()
            try:
                requests.get(f"{base}/health", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, f"serve did not answer in 60 s:\n{log.read_text()}"
                time.sleep(0.1)
        yield base, log.read_text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_flask_debug_in_the_environment_does_not_start_the_debugger(served_with_flask_debug):
    """Attack: FLASK_DEBUG=1 netcourses serve → the interactive debugger (remote code execution) and the
    reloader. Safe answer: the debugger's resources are not served, neither starts."""
    base, output = served_with_flask_debug
    response = requests.get(base + DEBUGGER_RESOURCE, timeout=10)
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    assert response.json()["status"] == "ok"  # the app's own /health answered, not the debugger
    assert "Debugger is active" not in output() and "Restarting with" not in output()


def test_flask_debug_in_the_environment_does_not_put_the_wsgi_app_in_debug_mode(runtime, monkeypatch):
    """Attack: FLASK_DEBUG=1 in the environment of gunicorn's app (bridge.wsgi). Safe answer: the app is
    not in debug mode (no tracebacks, no propagated errors), whatever the environment says."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert create_app(runtime).debug is False

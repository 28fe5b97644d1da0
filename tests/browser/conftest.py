"""Real-browser tests: Debian's chromium, headless, driven through chromedriver (selenium), against
the app served on loopback by a real WSGI server in a thread. Screenshots go to test-artifacts/."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.chromium import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def background_worker(worker):
    """A job worker beside the live server, as ``netcourses serve`` starts one."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(timeout=60)


@pytest.fixture(scope="session")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def screenshot(browser, request):
    ARTIFACTS.mkdir(exist_ok=True)
    browser.delete_all_cookies()

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        browser.save_screenshot(str(path))
        return path

    return take

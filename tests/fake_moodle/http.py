"""The fake Moodle over real HTTP, for code in other processes (job workers killed mid-run): one
site, its state and its faults in the test's process, answered on a loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from fake_moodle.server import ENDPOINT, FakeMoodle


@contextmanager
def serving(**kwargs) -> Iterator[FakeMoodle]:
    """A FakeMoodle answering at ``http://127.0.0.1:<free port>`` until the block ends."""
    holder: dict[str, FakeMoodle] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            if self.path != ENDPOINT:
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = requests.Request("POST", holder["site"].url + self.path, data=body).prepare()
            status, headers, text = holder["site"].handle(request)
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site = holder["site"] = FakeMoodle(f"http://127.0.0.1:{server.server_port}", **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()

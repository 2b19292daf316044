"""The write benchmark's client keeps its connection alive, as its readers do, and opens a
new one when the server closed the old one while it was idle (uvicorn does after 5 s), as
the write series and the lookups rounds leave it idle for minutes."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest

from bench.writes import Target


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers 204 to PUT and DELETE on a kept-alive connection; closes one idle 0.3 s."""

    protocol_version = "HTTP/1.1"
    timeout = 0.3
    connections: ClassVar[list[int]] = []
    requests: ClassVar[list[str]] = []

    def setup(self) -> None:
        super().setup()
        self.connections.append(self.client_address[1])

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.connections, _Recorder.requests = [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_writes_share_one_connection_and_survive_its_idle_close(server: str) -> None:
    target = Target(server, "/graphs", "/sparql", None)
    for _ in range(3):
        assert target.graph("PUT", "one", b"<a> <b> <c> .\n") == 204
    assert len(_Recorder.connections) == 1
    time.sleep(1.0)  # the server closes the idle connection
    assert target.graph("DELETE", "one") == 204
    assert len(_Recorder.connections) == 2
    assert [r.split("?")[0] for r in _Recorder.requests] == ["PUT /graphs"] * 3 + ["DELETE /graphs"]

"""A recording HTTP proxy in front of a real SPARQL engine: what did the service send?

Every request is forwarded as it is to the engine and answered with the engine's answer;
the proxy keeps (method, path, body) of each, so a test can count queries and read updates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        """The SPARQL text: a form's ``query``/``update`` field, or the body itself."""
        if self.content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(self.body.decode("ascii"))
            return (form.get("query") or form.get("update") or [""])[0]
        return self.body.decode("utf-8")

    @property
    def is_update(self) -> bool:
        return self.content_type.startswith("application/sparql-update") or (
            "update=" in self.body.decode("latin-1")[:10]
        )


@dataclass
class Recording:
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()

    def snapshot(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)


@contextmanager
def counting_proxy(target: str) -> Iterator[tuple[str, Recording]]:
    """A proxy on 127.0.0.1 forwarding to ``target`` (a base URL); yields its base URL."""
    recording = Recording()
    client = httpx.Client(timeout=60)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            content_type = self.headers.get("content-type") or ""
            with recording.lock:
                recording.sent.append(Sent(self.command, self.path, content_type, body))
            headers = {
                k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")
            }
            answer = client.request(self.command, target + self.path, content=body, headers=headers)
            self.send_response(answer.status_code)
            for key in ("content-type",):
                if key in answer.headers:
                    self.send_header(key, answer.headers[key])
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recording
    finally:
        server.shutdown()
        server.server_close()
        client.close()

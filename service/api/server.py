"""The HTTP server the service runs on: uvicorn, with an HTTP/1.1 protocol that loses no body.

uvicorn's fast protocol (httptools, llhttp underneath) drops the body of any request that
offers a protocol upgrade. httptools' ``on_headers_complete`` callback answers llhttp "skip
the body, the rest is another protocol" whenever ``Connection: Upgrade`` and ``Upgrade:``
are both present, then raises ``HttpParserUpgrade`` at the end of the head; uvicorn, which
only upgrades to WebSocket, logs "Unsupported upgrade request" and throws away the bytes
after the head. The JDK's HttpClient (Apache Jena) and ``curl --http2`` offer ``h2c`` on
every request, so a Graph Store PUT reached the handler empty and emptied the graph (204),
and a body arriving in a later TCP segment was parsed as a new request (400 text/plain).
uvicorn's h11 protocol parses such requests correctly but costs about 150 µs more CPU per
request (measured here: 31-41 µs against 177-186 µs), more than a cached answer costs.

So :class:`WholeBodyProtocol` keeps httptools and changes four things:

- an upgrade offer other than WebSocket is declined by serving the request over HTTP/1.1:
  its head is given again, without ``Upgrade``/``HTTP2-Settings``, to a fresh parser, with
  every byte that followed it, so the body and any later request parse as usual;
- ``CONNECT`` (which llhttp also treats as an upgrade) is refused with 400;
- bytes that do not parse get a 400 problem, and a request that completed in the same read
  is dropped before its handler starts: so a body longer than its ``Content-Length``, whose
  surplus is read as the next request (or as bytes after ``Connection: close``, which uvicorn
  has llhttp ignore and this protocol does not), is refused whole when it comes in one read;
- a client that ends its side of the connection before the body it announced is whole
  gets a 400 problem (the handler, held by ``service.api.whole_body``, never runs); one
  that ends its side after a whole request still gets the answer.

Every error the server writes itself is ``application/problem+json``, as the app's are
(``service.api.problems``, whose 500s are logged with their traceback), uvicorn's own 500
included: it answers one when an exception escapes the app (its traceback is logged by
uvicorn) or when the app returns without answering; :class:`ProblemCycle` words it as a
problem with the id it is logged under, instead of ``Internal Server Error`` in plain text.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from service.api.problems import error_response, incident_response
from service.errors import EsskgError, IncompleteBody, MalformedRequest


class ProblemCycle(RequestResponseCycle):
    """uvicorn's request cycle, whose last-resort 500 is a problem like the app's."""

    async def send_500_response(self) -> None:
        incident = f"urn:uuid:{uuid.uuid4()}"
        self.logger.error(
            "answered 500 %s to %s %s (an exception escaped the app, logged above, or it "
            "returned without answering)",
            incident,
            self.scope["method"],
            self.scope["path"],
        )
        response = incident_response(incident)
        headers = [*response.raw_headers, (b"connection", b"close")]
        await self.send({"type": "http.response.start", "status": 500, "headers": headers})
        await self.send({"type": "http.response.body", "body": bytes(response.body)})


#: Headers of an upgrade offer that mean nothing once it is declined.
_OFFER_HEADERS = frozenset({b"upgrade", b"http2-settings"})


def _strict_parser(protocol: HttpToolsProtocol) -> httptools.HttpRequestParser:
    """llhttp as it is by default: uvicorn lets it ignore bytes after a request that said
    ``Connection: close``, which hides a body longer than its ``Content-Length``."""
    return httptools.HttpRequestParser(protocol)


class WholeBodyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, serving upgrade offers whole and refusing cut bodies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parser = _strict_parser(self)
        #: Requests whose handler was scheduled during the current read and has not run yet.
        self._fresh: list[asyncio.Task[None]] = []

    # -- reading ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self._feed(data)
        finally:
            self._fresh = []  # the event loop runs them next: too late to drop them

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self._upgrade_offered(data[exc.args[0] :])
        except httptools.HttpParserError as exc:
            self.refuse(MalformedRequest(f"the request does not parse as HTTP/1.1: {exc}"))

    def _should_upgrade(self) -> bool:
        """Hold back every request llhttp treats as an upgrade, so that uvicorn starts no
        handler for it and reads no body for it; :meth:`_upgrade_offered` decides."""
        return True

    def _upgrade_offered(self, rest: bytes) -> None:
        offered = self._get_upgrade()
        if offered == b"websocket" and self.ws_protocol_class is not None:
            self.handle_websocket_upgrade()
        elif self.scope["method"] == "CONNECT":
            self.refuse(MalformedRequest("CONNECT is not served here"))
        else:
            self._serve_as_http11(rest)

    def _serve_as_http11(self, rest: bytes) -> None:
        """Decline the upgrade: parse the request again as plain HTTP/1.1 (RFC 9110 §7.8
        lets a server ignore ``Upgrade``), then whatever followed its head."""
        version = self.parser.get_http_version().encode("ascii")
        head = [self.scope["method"].encode("ascii"), b" ", self.url, b" HTTP/", version, b"\r\n"]
        for name, value in self.headers:
            if name not in _OFFER_HEADERS:
                head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        self.parser = _strict_parser(self)
        self._feed(b"".join(head) + rest)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        cycle.__class__ = ProblemCycle  # uvicorn makes the cycle itself: only its 500 differs
        before = set(self.tasks)
        super()._start_asgi_task(cycle, app)
        self._fresh.extend(self.tasks - before)

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio's own type
        """The client closed its side. Mid-body: refuse the request. After a whole request:
        keep the connection open until its answer is sent (a half-close is legal)."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return None
        if cycle.more_body and not cycle.response_started:
            self.refuse(
                IncompleteBody(
                    "the connection ended before the request body was whole "
                    "(shorter than its Content-Length, or a chunked body without its last chunk)"
                )
            )
            return None
        cycle.keep_alive = False
        return True

    # -- answering -------------------------------------------------------------------------

    def refuse(self, error: EsskgError) -> None:
        """Answer ``error`` as a problem and close: no handler of this read runs, and the one
        waiting for a body is told the client left."""
        for task in self._fresh:
            task.cancel()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.logger.warning("Refused a request: %s", error)
        response = error_response(error)
        content = [STATUS_LINE[response.status_code]]
        for name, value in [*self.server_state.default_headers, *response.raw_headers]:
            content += [name, b": ", value, b"\r\n"]
        content += [b"connection: close\r\n\r\n", bytes(response.body)]
        self.transport.write(b"".join(content))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self.refuse(MalformedRequest(msg))


def server_config(app: Any, host: str, port: int, *, log_level: str = "info") -> uvicorn.Config:
    """How every server of this service is set up, ``esskg serve`` and the tests' alike."""
    # No access log: formatting a line per request costs more than a cached answer does.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=WholeBodyProtocol,
        log_level=log_level,
        access_log=False,
    )

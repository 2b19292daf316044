"""No handler sees a request before its whole body has arrived.

A handler that starts on a partial body can act on it: before this layer, a body cut short
reached the Graph Store handler as a shorter document, and a PUT of it replaced the graph.
So a request that announces a body (``Content-Length`` or ``Transfer-Encoding``) is read
to its end here, bounded by ``ESSKG_MAX_BODY_BYTES``, and only then passed on, whole, in one
message. If the connection ends first, nothing is passed on at all: the server answers
the truncated request itself (``service.api.server``: 400 ``incomplete-body``).

Requests without a body (every GET) go straight through: the hot path pays one look at the
headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.api.problems import error_response
from service.errors import PayloadTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def replay_body(receive: Receive, prefix: bytes | None, *, more: bool = False) -> Receive:
    """Hand the app the body a layer already read, then whatever is left of it."""
    if prefix is None:
        return receive
    pending: list[bytes] = [prefix]

    async def replayed() -> Message:
        if pending:
            chunk = pending.pop()
            return {"type": "http.request", "body": chunk, "more_body": more}
        return await receive()

    return replayed


def announced_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The body the request announces: its length, -1 for chunked, None for no body."""
    length: int | None = None
    for name, value in headers:
        if name == b"transfer-encoding":
            return -1
        if name == b"content-length":
            length = int(value) if value.isdigit() else -1
    return length


class WholeBody:
    """Reads each request body to its end before the app sees the request."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = announced_length(scope["headers"])
        if not announced:  # None, or Content-Length: 0
            await self.app(scope, receive, send)
            return
        if announced > self.limit:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # cut short: the server answered it, or the client is gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay_body(receive, b"".join(chunks)), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        """413 without reading the rest: the connection closes after it."""
        response = error_response(PayloadTooLarge("body", self.limit))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

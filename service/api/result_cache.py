"""A response cache in front of the app, for the answers that only change with the data.

Researchers re-run the same canned questions and applications look the same resources up
again and again; between two writes the answer cannot change. So an answer the app marks
cacheable is kept, keyed by the data version and everything that shapes the response, and
served again without touching the router or the query engine. Any commit changes the
version, so a stale answer is never served; the least recently used entries leave when the
cache is over its byte budget.

What shapes a response (:func:`request_key`): the method, path and query string; for POST
the body and its type; every value of ``Accept`` and ``Accept-Encoding``; and the origin
the app writes absolute URLs with (pagination ``Link`` headers, the endpoint IRI that
relative IRIs in a query resolve against, the service description): the scheme (which a
trusted proxy's ``X-Forwarded-Proto`` may have set), ``Host``, the server address and the
root path. The forwarded headers (``Forwarded``, ``X-Forwarded-Host``/``-Proto``/``-Port``/
``-Prefix``) are keyed on too, although the app reads none of them itself, so that a proxy
layer that honours them cannot let one client's forged value reach another. Every value of
a repeated header counts: the app reads the first, a key on the last would be a poisoning
vector.

It is a plain ASGI layer so that a hit costs a dictionary look-up, not the framework's
request handling. A client that wants a fresh evaluation says so the standard way,
``Cache-Control: no-cache``; conditional requests and authorised requests always reach
the app.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.api.whole_body import replay_body

#: Set by a route on a response that may be cached; never sent to the client.
CACHEABLE = b"esskg-cacheable"
STATUS_HEADER = b"esskg-cache"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_BYPASS = (b"authorization", b"if-none-match", b"if-modified-since", b"range")
_KEY_HEADERS = (
    b"accept",
    b"accept-encoding",  # the compressed and plain variants are stored apart
    b"content-type",
    b"host",
    b"forwarded",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-port",
    b"x-forwarded-prefix",
)


def request_key(scope: Scope, version: str, body: bytes) -> tuple[Any, ...]:
    """Everything a cacheable answer may depend on, as a hashable key (see the module)."""
    found: dict[bytes, list[bytes]] = {}
    for name, value in scope["headers"]:
        name = name.lower()
        if name in _KEY_HEADERS:
            found.setdefault(name, []).append(value)
    server = scope.get("server")  # a (host, port) pair, which some servers give as a list
    return (
        version,
        scope.get("method"),
        scope.get("scheme"),
        tuple(server) if server is not None else None,
        scope.get("root_path", ""),
        scope["path"],
        scope.get("query_string", b""),
        *(tuple(found.get(name, ())) for name in _KEY_HEADERS),
        body,
    )


class ResultCache:
    """A byte-bounded LRU map from request keys to finished responses."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple[Any, ...], tuple[list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[Any, ...], headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        size = len(body) + sum(len(k) + len(v) for k, v in headers) + 256
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (headers, body)
            self._size += size
            while self._size > self.max_bytes and self._entries:
                _, (old_headers, old_body) = self._entries.popitem(last=False)
                self._size -= len(old_body) + sum(len(k) + len(v) for k, v in old_headers) + 256

    def __len__(self) -> int:
        return len(self._entries)


class ResultCacheMiddleware:
    """Serves cached answers; stores the ones a route marks with ``esskg-cacheable``."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResultCache,
        version: Callable[[], str | None],
        post_paths: tuple[str, ...] = ("/sparql",),
        max_post_body: int = 65_536,
    ) -> None:
        self.app = app
        self.cache = cache
        self.version = version
        self.post_paths = post_paths
        self.max_post_body = max_post_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("GET", "HEAD", "POST"):
            await self.app(scope, receive, send)
            return
        if method == "POST" and scope["path"] not in self.post_paths:
            await self.app(scope, receive, send)
            return
        version = self.version()
        if version is None or _bypasses(scope):
            await self.app(scope, replay_body(receive, None), _strip_mark(send))
            return
        body = b""
        if method == "POST":
            body, complete = await _read_body(receive, self.max_post_body)
            if not complete:
                await self.app(scope, replay_body(receive, body, more=True), _strip_mark(send))
                return
        key = request_key(scope, version, body)
        entry = self.cache.get(key)
        if entry is not None:
            stored_headers, stored_body = entry
            await send({"type": "http.response.start", "status": 200, "headers": stored_headers})
            await send({"type": "http.response.body", "body": stored_body})
            return
        replay = replay_body(receive, body if method == "POST" else None)
        await self.app(scope, replay, self._store(key, send))

    def _store(self, key: tuple[Any, ...], send: Send) -> Send:
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = [name.lower() for name, _ in message.get("headers", [])]
                cacheable = message["status"] == 200 and CACHEABLE in names
                message["headers"] = _without_mark(message.get("headers", []))
                if cacheable:
                    started["headers"] = [*message["headers"], (STATUS_HEADER, b"miss")]
                    message["headers"] = started["headers"]
            elif message["type"] == "http.response.body" and "headers" in started:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    hit_headers = [
                        (k, b"hit" if k == STATUS_HEADER else v) for k, v in started["headers"]
                    ]
                    self.cache.put(key, hit_headers, b"".join(chunks))
            await send(message)

        return capture


def _bypasses(scope: Scope) -> bool:
    """Requests that always reach the app: authorised, conditional, ranged, or asking for a
    fresh evaluation (in any of their ``Cache-Control`` headers)."""
    control = b""
    for name, value in scope["headers"]:
        name = name.lower()
        if name in _BYPASS:
            return True
        if name == b"cache-control":
            control += b"," + value.lower()
    return b"no-cache" in control or b"no-store" in control


def _without_mark(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k.lower() != CACHEABLE]


def _strip_mark(send: Send) -> Send:
    async def forward(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = _without_mark(message.get("headers", []))
        await send(message)

    return forward


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body if it fits in ``limit`` bytes; else what was read so far."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False

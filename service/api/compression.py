"""gzip for the clients that ask for it, without losing validators or streaming.

``/dump`` is over a megabyte of N-Quads and answers are text that shrinks five to ten times,
so a client that sends ``Accept-Encoding: gzip`` gets a compressed body. Three things make
this more than wrapping the body:

* a compressed body is another representation, so its ``ETag`` is another tag (the same
  tag with ``-gzip``, as Apache does) and every textual answer says ``Vary: Accept-Encoding``;
* a client revalidating the compressed variant sends that tag back: it is read as the tag
  the app knows before the app sees it, and a 304 carries the client's variant of the tag;
* a streamed body (``more_body``) is compressed chunk by chunk, each flushed, so nothing is
  held back until the end.

Bodies under :data:`MINIMUM` bytes and binary types are sent as they are. The layer sits
inside the answer cache, so a cached answer is compressed once, not on every hit.
"""

from __future__ import annotations

import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Smaller bodies fit in a packet anyway; compressing them costs more than it saves.
MINIMUM = 1024
SUFFIX = "-gzip"
_LEVEL = 5
_TEXTUAL = (b"application/n-triples", b"application/n-quads", b"application/trig")


def accepts_gzip(header: bytes) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (named or by ``*``, with q above 0)."""
    allowed: dict[bytes, bool] = {}
    for piece in header.lower().split(b","):
        coding, *params = (p.strip() for p in piece.split(b";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition(b"=")
            if key.strip() == b"q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        allowed[coding] = q > 0
    return allowed.get(b"gzip", allowed.get(b"x-gzip", allowed.get(b"*", False)))


def compressible(content_type: bytes) -> bool:
    """Text, JSON, XML and the RDF syntaxes; not images, archives or compressed data."""
    media = content_type.split(b";", 1)[0].strip().lower()
    main, _, sub = media.partition(b"/")
    return main == b"text" or sub.endswith((b"json", b"xml", b"javascript")) or media in _TEXTUAL


def gzip_tag(tag: str) -> str:
    """The ETag of the compressed variant of the representation tagged ``tag``."""
    if not tag.endswith('"'):
        return tag
    return f'{tag[:-1]}{SUFFIX}"'


def _plain_tags(header: str) -> tuple[str, bool]:
    """``If-None-Match`` with each compressed-variant tag read as the app's own tag, and
    whether there was one."""
    pieces, found = [], False
    for piece in header.split(","):
        tag = piece.strip()
        if tag.endswith(f'{SUFFIX}"'):
            tag, found = tag[: -len(SUFFIX) - 1] + '"', True
        pieces.append(tag)
    return ", ".join(pieces), found


def _with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add ``Accept-Encoding`` to ``Vary`` (one header, the values joined)."""
    values = [v for k, v in headers if k.lower() == b"vary"]
    rest = [(k, v) for k, v in headers if k.lower() != b"vary"]
    names = [n.strip() for v in values for n in v.split(b",") if n.strip()]
    if b"accept-encoding" not in (n.lower() for n in names):
        names.append(b"Accept-Encoding")
    return [*rest, (b"vary", b", ".join(names))]


def _retag(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (k, gzip_tag(v.decode("latin-1")).encode("latin-1") if k.lower() == b"etag" else v)
        for k, v in headers
    ]


class Compression:
    """Compresses answers with gzip when the client accepts it (see the module)."""

    def __init__(self, app: ASGIApp, minimum: int = MINIMUM) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        encoding = b",".join(v for k, v in headers if k == b"accept-encoding")
        wanted = accepts_gzip(encoding) if encoding else False
        revalidating = False
        if wanted:
            for i, (name, value) in enumerate(headers):
                if name == b"if-none-match":
                    plain, found = _plain_tags(value.decode("latin-1"))
                    if found:
                        headers = [*headers[:i], (name, plain.encode("latin-1")), *headers[i + 1 :]]
                        scope = {**scope, "headers": headers}
                        revalidating = True
                    break
        await self.app(scope, receive, _Responder(send, wanted, revalidating, self.minimum))


class _Responder:
    """The send side of one response: decides on the first body chunk, then compresses."""

    def __init__(self, send: Send, wanted: bool, revalidating: bool, minimum: int) -> None:
        self.send = send
        self.wanted = wanted
        self.revalidating = revalidating
        self.minimum = minimum
        self.start: Message | None = None
        self.compressor: Any = None  # zlib's compressobj, once compressing

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._started(message)
        elif kind == "http.response.body" and self.start is not None:
            await self._first_body(message)
        elif kind == "http.response.body" and self.compressor is not None:
            await self._more_body(message)
        else:
            await self.send(message)

    async def _started(self, message: Message) -> None:
        headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
        found = {k.lower(): v for k, v in headers}
        textual = compressible(found.get(b"content-type", b""))
        status = message["status"]
        if status == 304:
            if self.revalidating:
                headers = _retag(headers)
            message["headers"] = _with_vary(headers)
            await self.send(message)
        elif status == 200 and textual and b"content-encoding" not in found:
            message["headers"] = _with_vary(headers)
            self.start = message  # held until the first chunk says how big the body is
        else:
            await self.send(message)

    async def _first_body(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if not self.wanted or (not more and len(body) < self.minimum):
            await self.send(start)
            await self.send(message)
            return
        self.compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, 31)  # 31: gzip framing
        data = self._compress(body, more)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers = [*_retag(headers), (b"content-encoding", b"gzip")]
        if not more:
            headers.append((b"content-length", str(len(data)).encode("ascii")))
        await self.send({**start, "headers": headers})
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def _more_body(self, message: Message) -> None:
        more = message.get("more_body", False)
        data = self._compress(message.get("body", b""), more)
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    def _compress(self, chunk: bytes, more: bool) -> bytes:
        data: bytes = self.compressor.compress(chunk)
        tail: bytes = self.compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
        return data + tail

"""Validators for conditional GETs: an ETag that changes whenever the data changes.

The version is the build the server opened (its folder name, or a start-up stamp) plus a
counter the write gate bumps on every commit, so two different states of the data never
share a tag, and a restart on a new build changes every tag.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DataVersion:
    """The current state of the data, as an opaque tag and a modification time."""

    def __init__(self, origin: str, modified: datetime | None = None) -> None:
        self._origin = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:12]
        self._counter = 0
        self._modified = (modified or datetime.now(UTC)).replace(microsecond=0)
        self._lock = threading.Lock()

    def bump(self) -> None:
        """The data changed (called by the write gate after a commit)."""
        with self._lock:
            self._counter += 1
            self._modified = datetime.now(UTC).replace(microsecond=0)

    @property
    def commits(self) -> int:
        """Writes committed since the server started (0: the data is as it was opened)."""
        return self._counter

    @property
    def tag(self) -> str:
        return f"{self._origin}-{self._counter}"

    @property
    def modified(self) -> datetime:
        return self._modified

    def etag(self, *variant: str) -> str:
        """A strong ETag for one representation (``variant``: what else shapes the body)."""
        if not variant:
            return f'"{self.tag}"'
        digest = hashlib.sha256("\x1f".join(variant).encode("utf-8")).hexdigest()[:16]
        return f'"{self.tag}-{digest}"'

    def headers(self, *variant: str) -> dict[str, str]:
        return {
            "ETag": self.etag(*variant),
            "Last-Modified": format_datetime(self._modified, usegmt=True),
        }


def content_etag(body: bytes) -> str:
    """A strong ETag for a document that changes with the code, not the data (the OpenAPI
    description, the JSON-LD context): a digest of its bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:20]}"'


def _tags(header: str) -> Iterable[str]:
    for piece in header.split(","):
        tag = piece.strip()
        yield tag[2:] if tag.startswith("W/") else tag


def not_modified(request: Request, headers: dict[str, str]) -> Response | None:
    """A 304 when the client's validators match (If-None-Match wins over If-Modified-Since)."""
    if request.method not in ("GET", "HEAD"):
        return None
    etag = headers.get("ETag")
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if etag is not None and any(t in ("*", etag) for t in _tags(if_none_match)):
            return Response(status_code=304, headers=headers)
        return None
    since = request.headers.get("if-modified-since")
    modified = headers.get("Last-Modified")
    if since and modified:
        try:
            if parsedate_to_datetime(modified) <= parsedate_to_datetime(since):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            return None
    return None


class DigestValidators:
    """An ETag made from the body, and 304s, for documents that change with the code and
    the request rather than with the data (the OpenAPI description, the query catalogue,
    the JSON-LD context): they are cheap to build, so a revalidation builds the body and
    answers 304 when its digest is the client's tag.

    A plain ASGI layer, so that it also covers the OpenAPI route the framework owns. It
    sits inside the compression layer, which tags the compressed variant apart.
    """

    def __init__(self, app: ASGIApp, paths: Collection[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        body = b"".join(chunks)
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        if start.get("status") == 200 and all(k.lower() != b"etag" for k, _ in headers):
            tag = content_etag(body)
            headers.append((b"etag", tag.encode("ascii")))
            if _matches(scope, tag):
                kept = [(k, v) for k, v in headers if k.lower() not in _ENTITY_HEADERS]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


#: Headers that describe a body, left out of a 304.
_ENTITY_HEADERS = (b"content-length", b"content-type", b"content-encoding")


def _matches(scope: Scope, tag: str) -> bool:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return any(t in ("*", tag) for t in _tags(value.decode("latin-1")))
    return False

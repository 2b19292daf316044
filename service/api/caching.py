"""Validators for conditional GETs: an ETag that changes whenever the data changes.

The version is the build the server opened (its folder name, or a start-up stamp) plus a
counter the write gate bumps on every commit, so two different states of the data never
share a tag, and a restart on a new build changes every tag.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response


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

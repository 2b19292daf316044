"""The app's own static files (stylesheet, the bundled script, Swagger UI), compressed and
cached: gzip when the client takes it, a strong ``ETag`` from the content, and URLs that
carry that tag (``?v=``) so a page's assets can be cached for a year and never go stale.

The files are few and small, so each is read and compressed once, on first use.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response

from service.errors import GraphNotFound

STATIC = Path(__file__).parent / "static"
BUILD = STATIC / "build"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_YEAR = "public, max-age=31536000, immutable"
_REVALIDATE = "public, max-age=0, must-revalidate"


class AssetNotFound(GraphNotFound):
    """No such static file (a 404, like every other missing resource)."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str

    @property
    def version(self) -> str:
        return self.etag.strip('"')[:12]


_assets: dict[Path, Asset] = {}
_lock = threading.Lock()


def _resolve(name: str) -> Path | None:
    try:
        path = (STATIC / name).resolve()
        if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
            return None
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        return None
    return path


def asset(name: str) -> Asset | None:
    """The static file ``name`` (relative to ``static/``), or None."""
    path = _resolve(name)
    if path is None:
        return None
    stamp = path.stat().st_mtime_ns
    with _lock:
        found = _assets.get(path)
        if found is not None and found.etag.endswith(f'-{stamp}"'):
            return found
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:20]
    media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
    made = Asset(body, gzip.compress(body, 9, mtime=0), media_type, f'"{digest}-{stamp}"')
    with _lock:
        _assets[path] = made
    return made


def asset_url(name: str) -> str:
    """The URL of a static file, versioned by its content (unversioned if it is missing)."""
    found = asset(name)
    return f"/static/{name}" + (f"?v={found.version}" if found else "")


def built() -> bool:
    """Whether ``make assets`` has produced the bundled script."""
    return (BUILD / "app.js").is_file()


router = APIRouter(include_in_schema=False)


@router.get("/static/{name:path}")
def static(name: str, request: Request) -> Response:
    found = asset(name)
    if found is None:
        raise AssetNotFound(f"no static file {name}")
    versioned = request.query_params.get("v") == found.version
    headers = {
        "ETag": found.etag,
        "Cache-Control": _YEAR if versioned else _REVALIDATE,
        "Vary": "Accept-Encoding",
    }
    if found.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    accepted = request.headers.get("accept-encoding", "")
    if "gzip" in accepted and len(found.gzipped) < len(found.body):
        headers["Content-Encoding"] = "gzip"
        return Response(found.gzipped, media_type=found.media_type, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)

"""``/health``: is the store reachable, how big is it, and when was it built."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import SettingsDep, StoreDep
from service.errors import EsskgError
from service.graph.build import current_build, read_manifest

router = APIRouter(tags=["meta"])


@router.get("/health", summary="Liveness and size of the store")
def health(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok"}
    try:
        body["triples"] = store.count()
        body["graphs"] = len(store.graph_names())
    except (EsskgError, OSError) as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    folder = current_build(settings)
    manifest = read_manifest(folder) if folder is not None else None
    body["built_at"] = manifest.built_at if manifest else None
    body["backend"] = settings.store_backend
    return JSONResponse(body)

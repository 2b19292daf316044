"""``/health``: is the store reachable, how big is it, and when was it built."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.deps import SettingsDep
from service.api.runtime import app_state
from service.errors import EsskgError
from service.graph.build import current_build, read_manifest

router = APIRouter(tags=["meta"])


@router.get("/health", summary="Readiness and size of the store")
def health(request: Request, settings: SettingsDep) -> JSONResponse:
    """503 until the query engine has loaded the data: a load balancer waits for it."""
    state = app_state(request)
    engine = state.executor.state
    if engine != "ready":
        return JSONResponse(
            {"status": engine, "detail": f"the query engine is {engine}"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    body: dict[str, Any] = {"status": "ok"}
    try:
        body["triples"], body["graphs"] = state.size()
    except (EsskgError, OSError) as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    folder = current_build(settings)
    manifest = read_manifest(folder) if folder is not None else None
    body["built_at"] = manifest.built_at if manifest else None
    body["backend"] = settings.store_backend
    return JSONResponse(body)

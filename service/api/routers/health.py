"""``/health`` (alive: the service answers) and ``/health/ready`` (queries run now).

A query stopped at the time limit replaces the query engine, which then loads the data again
(milliseconds for the project's graph, 10 to 25 s at a million triples; a write does not:
the engine applies its delta): queries wait for it (up to ESSKG_LOAD_WAIT), so the service
is still up. ``/health`` stays 200 then, so that a load balancer does not take the node out;
it answers 503 only when the store cannot be read. ``/health/ready`` is 200 only while the
engine is loaded, for whoever needs queries answered at once (a start-up probe, a deploy
that waits for the new node). The counts come from the store natively: kept up to date by
each write's delta on the embedded store, one ``COUNT`` on a remote engine.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.deps import SettingsDep
from service.api.runtime import app_state
from service.errors import EsskgError
from service.graph.build import current_build, read_manifest

router = APIRouter(tags=["meta"])


@router.get("/health", summary="Liveness: the service answers; size of the store")
def health(request: Request, settings: SettingsDep) -> JSONResponse:
    """200 while the store can be read, whatever the query engine is doing (``engine``)."""
    state = app_state(request)
    body: dict[str, Any] = {"status": "ok", "engine": state.executor.state}
    try:
        body["triples"], body["graphs"] = state.size()
    except (EsskgError, OSError) as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    folder = current_build(settings)
    manifest = read_manifest(folder) if folder is not None else None
    body["built_at"] = manifest.built_at if manifest else None
    body["backend"] = settings.store_backend
    return JSONResponse(body)


@router.get("/health/ready", summary="Readiness: queries are answered at once")
def ready(request: Request) -> JSONResponse:
    """503 while the query engine loads the data (at start-up, or after a query it had to
    stop), or could not load it."""
    engine = app_state(request).executor.state
    if engine != "ready":
        return JSONResponse(
            {"status": engine, "detail": f"the query engine is {engine}"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ready"})

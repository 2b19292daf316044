"""The application factory: one function builds the app from explicit settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service import __version__
from service.api import openapi_protocol, problems
from service.api.caching import DataVersion, DigestValidators
from service.api.clean_path import CleanPath
from service.api.compression import Compression
from service.api.direct import DirectDispatch
from service.api.methods import MethodTable
from service.api.result_cache import ResultCache, ResultCacheMiddleware
from service.api.routers import (
    graphs,
    health,
    meta,
    partners,
    queries,
    reconcile,
    resources,
    sparql,
)
from service.api.routers.meta import CONTEXT_PATH
from service.api.runtime import AppState
from service.api.web import routes as web_routes
from service.api.whole_body import WholeBody
from service.graph.build import MANIFEST, SNAPSHOT, current_build, read_manifest
from service.graph.catch_up import catch_up
from service.graph.contributions import Contributions
from service.graph.gate import WriteGate
from service.graph.incremental_consequences import checked_by_the_engine
from service.graph.prepare import preparation
from service.graph.update_job import by_the_executor
from service.queries.catalogue import Catalogue
from service.settings import Settings, get_settings
from service.sparql.execution import Limits, make_executor
from service.store.base import Store
from service.store.delta import Delta
from service.store.factory import open_store


def _data_version(settings: Settings, store_given: bool) -> DataVersion:
    """The build the server serves names the first version; a given store gets a fresh one."""
    started = datetime.now(UTC)
    if store_given:
        return DataVersion(f"store-{started.isoformat()}-{id(started)}", started)
    folder = current_build(settings)
    manifest = read_manifest(folder) if folder is not None else None
    modified = datetime.fromisoformat(manifest.built_at) if manifest else started
    return DataVersion(str(folder or started.isoformat()), modified)


def runtime_for(settings: Settings, store: Store, *, store_given: bool) -> AppState:
    """Executor, write gate and version around ``store``, wired so that each committed delta
    reaches the query engine's copy, the data version and the size ``/health`` reports."""
    # Without a memory copy there is no engine process to hold it: queries read the disk
    # store from the server's threads.
    workers = settings.query_workers if settings.in_memory else 0
    folder = None if store_given else current_build(settings)
    snapshot = folder / SNAPSHOT if folder is not None else None
    limits = Limits(
        settings.query_timeout,
        settings.client_queries,
        settings.query_memory_mb << 20,
        settings.load_wait,
        settings.runaway_cooldown,
    )
    prepare = preparation(
        settings.prepare_writes,
        reason=settings.infer_on_write,
        reasoner=settings.reasoner,
        validator=settings.validator,
    )
    executor = make_executor(store, workers, limits, snapshot, prepare)
    version = _data_version(settings, store_given)

    stale = [snapshot] if snapshot is not None else []

    def changing() -> None:
        # the snapshot would load the data as it was before this write; only a build makes
        # one (in a folder of its own), so once gone it stays gone: one system call less
        # per write
        if stale:
            stale[0].unlink(missing_ok=True)
            stale.clear()

    def committed(delta: Delta) -> None:
        executor.apply(delta)
        state.changed(delta)

    contributions = Contributions(settings.resolve(settings.contributions_path))
    contributions.recover()
    consequences = checked_by_the_engine(
        executor,
        reason=settings.infer_on_write,
        reasoner=settings.reasoner,
        validator=settings.validator,
    )
    gate = WriteGate(
        store,
        consequences=consequences,
        lock=executor.write_lock,
        before_commit=changing,
        on_commit=committed,
        contributions=contributions,
        effect_of_update=by_the_executor(executor),
    )
    served = folder if settings.store_backend == "oxigraph" else None
    state = AppState(settings, store, executor, gate, version, served)
    return state


def catch_up_build(state: AppState) -> None:
    """Before the first request: the contributions written after the served build read them
    (during the build, or to a server still serving the previous one), through the gate."""
    manifest = read_manifest(state.build) if state.build is not None else None
    if manifest is None or state.build is None:
        return
    settings = state.settings
    contributions = Contributions(settings.resolve(settings.contributions_path))
    built_ns = (state.build / MANIFEST).stat().st_mtime_ns
    catch_up(state.gate, state.store, contributions, manifest.contributions, built_ns)


def _version_tag(app: FastAPI) -> str | None:
    """The data version the cache keys on; None (no caching) until the app has started."""
    runtime: AppState | None = getattr(app.state, "runtime", None)
    return runtime.version.tag if runtime is not None else None


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app; a given ``store`` is used as is (tests), else the settings' one opens."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings)
        app.state.started_at = datetime.now(UTC)
        app.state.runtime = runtime_for(settings, app.state.store, store_given=not owned)
        try:
            # Accept connections only once the data is loaded: the first query is not a wait.
            await anyio.to_thread.run_sync(app.state.runtime.executor.wait_ready)
            await anyio.to_thread.run_sync(catch_up_build, app.state.runtime)
            await anyio.to_thread.run_sync(web_routes.warm, app)
            yield
        finally:
            app.state.runtime.close()
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="esskg",
        version=__version__,
        summary="Linked open data on French social and solidarity economy public policy.",
        lifespan=lifespan,
        docs_url=None,  # served by the pages, with Swagger UI from our own static files
        redoc_url=None,
    )
    app.state.settings = settings
    if store is not None:
        app.state.store = store
    problems.install(app)
    # Lookups, and Graph Store writes: the server's time is shared with the readers, and the
    # framework's dispatch cost a one-triple PUT 0.27 ms of its 1.25 ms on the event loop.
    for path, methods, handler in (
        ("/sparql", {"GET", "HEAD", "POST"}, sparql.sparql),
        ("/graphs", {"PUT", "POST", "DELETE"}, graphs.write_graph),
    ):
        app.add_middleware(
            DirectDispatch,
            path=path,
            methods=frozenset(methods),
            handler=handler,
            fastapi_app=app,
        )
    # Documents that change with the code, not the data: their digest is their ETag.
    app.add_middleware(
        DigestValidators,
        paths=("/openapi.json", "/queries", "/.well-known/sparql-examples", CONTEXT_PATH),
    )
    # Inside the answer cache: a cached answer is compressed once, not on every hit.
    app.add_middleware(Compression)
    # A remote engine can change behind our back (another push, another client), and only
    # writes through this service move the data version: no answer cache there.
    if settings.result_cache_bytes and settings.store_backend == "oxigraph":
        app.add_middleware(
            ResultCacheMiddleware,
            cache=ResultCache(settings.result_cache_bytes, settings.result_cache_bytes // 8),
            version=lambda: _version_tag(app),
        )
    app.add_middleware(MethodTable, routes=lambda: app.router.routes)
    # Applications in a browser read pages (Link, X-Total-Count), created graphs (Location),
    # validators, and write with a key (Authorization; Basic from another site is refused
    # by service.api.auth, since a browser may send it on its own).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=[
            "Accept",
            "Authorization",
            "Cache-Control",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "If-Modified-Since",
        ],
        expose_headers=[
            "ETag",
            "Last-Modified",
            "Link",
            "Location",
            "X-Total-Count",
            "ESSKG-Result-Truncated",
            "ESSKG-Result-Limit",
        ],
        max_age=600,
    )
    # Before routing, the answer cache and every handler: no path with a control character.
    app.add_middleware(CleanPath)
    # Outermost (added last): no layer below sees a request before its body is whole.
    app.add_middleware(WholeBody, limit=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(graphs.router)
    app.include_router(meta.router)
    app.include_router(resources.router)
    app.include_router(partners.router)
    app.include_router(reconcile.router)
    catalogue = Catalogue.load(settings.root / "queries")
    queries.install(app, catalogue)
    web_routes.install(app, catalogue)
    openapi_protocol.install(app)
    return app

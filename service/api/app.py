"""The application factory: one function builds the app from explicit settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from service import __version__
from service.api.routers import health, queries
from service.queries.catalogue import Catalogue
from service.settings import Settings, get_settings
from service.store.base import Store
from service.store.factory import open_store


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app; a given ``store`` is used as is (tests), else the settings' one opens."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings)
        app.state.started_at = datetime.now(UTC)
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="esskg",
        version=__version__,
        summary="Linked open data on French social and solidarity economy public policy.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if store is not None:
        app.state.store = store
    app.include_router(health.router)
    queries.install(app, Catalogue.load(settings.root / "queries"))
    return app

"""Opening the store the settings name: the current embedded build, or a remote engine."""

from __future__ import annotations

from service.errors import StoreUnavailable
from service.graph.build import ENGINE_DIR, current_build
from service.settings import Settings
from service.store.base import Store
from service.store.oxigraph import OxigraphStore


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store to serve; ``read_only`` lets the CLI query beside a running server."""
    if settings.store_backend == "remote":
        raise StoreUnavailable("the remote store backend is not available in this version")
    folder = current_build(settings)
    if folder is None:
        raise StoreUnavailable(
            f"no store at {settings.resolve(settings.store_path)}: run 'esskg build' first"
        )
    return OxigraphStore.open(
        folder / ENGINE_DIR, in_memory=settings.in_memory, read_only=read_only
    )

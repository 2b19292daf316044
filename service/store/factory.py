"""Opening the store the settings name: the current embedded build, or a remote engine."""

from __future__ import annotations

from service.errors import StoreUnavailable
from service.graph.build import ENGINE_DIR, current_build
from service.settings import Settings
from service.store.base import Store
from service.store.oxigraph import OxigraphStore
from service.store.remote import RemoteStore


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """The store to serve; ``read_only`` lets the CLI query beside a running server."""
    if settings.store_backend == "remote":
        if not settings.remote_query_url:
            raise StoreUnavailable("ESSKG_REMOTE_QUERY_URL is required with the remote backend")
        return RemoteStore(
            settings.remote_query_url,
            settings.remote_update_url,
            settings.remote_gsp_url,
            timeout=settings.query_timeout,
            default_graph_iri=settings.remote_default_graph,
            list_dataset=settings.remote_list_dataset,
            system_graph_prefixes=settings.remote_system_graph_prefixes,
        )
    folder = current_build(settings)
    if folder is None:
        raise StoreUnavailable(
            f"no store at {settings.resolve(settings.store_path)}: run 'esskg build' first"
        )
    # With query workers, the query engine process holds the one in-memory copy and this
    # process reads the disk store: a second copy here would double the memory served.
    memory_copy = settings.in_memory and settings.query_workers == 0
    return OxigraphStore.open(folder / ENGINE_DIR, in_memory=memory_copy, read_only=read_only)

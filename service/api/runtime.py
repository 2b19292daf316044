"""What the app holds while it runs: store, query executor, write gate and data version.

Created in the app's lifespan and reached by routers through the request, so tests can
build an app around any store and the parts are swapped together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from fastapi import Request

from service.api.caching import DataVersion
from service.graph.build import SNAPSHOT, read_manifest
from service.graph.gate import WriteGate
from service.settings import Settings
from service.sparql.execution import Executor, StoreCall
from service.store.base import Store
from service.store.delta import Delta

T = TypeVar("T")


@dataclass
class AppState:
    settings: Settings
    store: Store
    executor: Executor
    gate: WriteGate
    version: DataVersion
    #: the build folder the store was opened from (None: a given store, or a remote one)
    build: Path | None = None
    _size: tuple[int, int] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _derived: dict[str, tuple[str, object]] = field(default_factory=dict, init=False, repr=False)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def built(self) -> Path | None:
        """The build folder while the data served is still exactly that build's, so what
        the build counted (its manifest, its VoID statistics) answers for the store.

        That holds while no write has committed in this run and the build's snapshot is
        still there: the gate deletes it before the first write ever commits to the store,
        so a write of an earlier run shows too. A write that failed after the deletion only
        costs a count from the store.
        """
        if self.build is None or self.version.commits or not (self.build / SNAPSHOT).is_file():
            return None
        return self.build

    def built_sizes(self) -> tuple[int, list[tuple[str, int]]] | None:
        """Triples in all and per named graph as the build counted them, while it is served
        unchanged (a count of the union on the disk store took 15 to 20 s with the
        territory); None once the data moved on, to be counted by the engine."""
        folder = self.built()
        manifest = read_manifest(folder) if folder is not None else None
        if manifest is None:
            return None
        return manifest.triples, sorted(manifest.graphs.items())

    def counts(self) -> tuple[int, dict[str, int]]:
        """Triples in all and per named graph (the home page's figures): the build's while
        it is served unchanged, else counted from the store."""
        built = self.built_sizes()
        if built is not None:
            return built[0], dict(built[1])
        graphs = {
            name: self.store.count(name, all_graphs=False) for name in self.store.graph_names()
        }
        return self.store.count(), graphs

    def size(self) -> tuple[int, int]:
        """Quads and named graphs: counted once, then kept up to date by each write's delta.

        ``/health`` is polled, and a full count on the disk store the server keeps takes
        half a second at 1M triples (15 s with the territory: the build's own count answers
        while it is served unchanged). A remote engine can change without this service
        knowing, so it is asked every time (one ``COUNT``).
        """
        if not self.store.local:
            return self.store.size()
        with self._lock:
            if self._size is None:
                folder = self.built()
                manifest = read_manifest(folder) if folder is not None else None
                if manifest is not None:
                    self._size = (manifest.triples, len(manifest.graphs))
                else:
                    self._size = self.store.size()
            return self._size

    def changed(self, delta: Delta) -> None:
        """A committed write: a new data version, and the size it leaves."""
        with self._lock:
            if self._size is not None:
                quads = self._size[0] + len(delta.added) - len(delta.removed)
                self._size = (quads, len(self.store.graph_names()))
            self.version.bump()

    def read(self, request: Request, function: Callable[..., T], *args: Hashable) -> T:
        """``function(store, *args)`` run where queries run (the query engine): the query
        time limit, row cap and the client's share apply (``StoreCall``)."""
        return self.executor.run(StoreCall(function, args, client_address(request)))

    def derived(self, request: Request, function: Callable[[Store], T]) -> T:
        """``function(store)``, read as a job of the query engine once per data version and
        kept with the app until a write moves the version (the reconciliation index: every
        entity and its names, seconds to read at a million triples, asked per batch)."""
        key = f"{function.__module__}.{function.__qualname__}"
        with self._derived_lock:
            tag = self.version.tag
            found = self._derived.get(key)
            if found is not None and found[0] == tag:
                return found[1]  # type: ignore[return-value]
            value = self.read(request, function)
            self._derived[key] = (tag, value)
            return value

    def close(self) -> None:
        self.executor.close()


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.runtime
    return state


def client_address(request: Request) -> str:
    """Who sent the request, for its share of the query engine: the peer's address, or the
    forwarded one when the HTTP server trusts the proxy it came through."""
    return request.client.host if request.client is not None else ""

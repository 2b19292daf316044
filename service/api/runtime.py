"""What the app holds while it runs: store, query executor, write gate and data version.

Created in the app's lifespan and reached by routers through the request, so tests can
build an app around any store and the parts are swapped together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from service.api.caching import DataVersion
from service.graph.build import SNAPSHOT, read_manifest
from service.graph.gate import WriteGate
from service.settings import Settings
from service.sparql.execution import Executor
from service.store.base import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    executor: Executor
    gate: WriteGate
    version: DataVersion
    #: the build folder the store was opened from (None: a given store, or a remote one)
    build: Path | None = None
    _size: tuple[str, int, int] | None = field(default=None, init=False, repr=False)

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

    def counts(self) -> tuple[int, dict[str, int]]:
        """Triples in all and per named graph: the engine's counts made by the build while
        it is served unchanged (a count of the union on the disk store took 15 to 20 s with
        the territory), else counted from the store."""
        folder = self.built()
        manifest = read_manifest(folder) if folder is not None else None
        if manifest is not None:
            return manifest.triples, dict(manifest.graphs)
        graphs = {
            name: self.store.count(name, all_graphs=False) for name in self.store.graph_names()
        }
        return self.store.count(), graphs

    def size(self) -> tuple[int, int]:
        """Triples and named graphs, counted once per data version.

        ``/health`` is polled, and a full count on the disk store the server keeps takes
        half a second at 1M triples (15 s with the territory: the build's own count answers
        while it is served unchanged). A remote engine can change without the version
        moving, so it is counted every time.
        """
        if self.settings.store_backend == "remote":
            return self.store.count(), len(self.store.graph_names())
        tag = self.version.tag
        if self._size is None or self._size[0] != tag:
            folder = self.built()
            manifest = read_manifest(folder) if folder is not None else None
            if manifest is not None:
                self._size = (tag, manifest.triples, len(manifest.graphs))
            else:
                self._size = (tag, self.store.count(), len(self.store.graph_names()))
        return self._size[1], self._size[2]

    def close(self) -> None:
        self.executor.close()


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.runtime
    return state


def client_address(request: Request) -> str:
    """Who sent the request, for its share of the query engine: the peer's address, or the
    forwarded one when the HTTP server trusts the proxy it came through."""
    return request.client.host if request.client is not None else ""

"""What the app holds while it runs: store, query executor, write gate and data version.

Created in the app's lifespan and reached by routers through the request, so tests can
build an app around any store and the parts are swapped together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from service.api.caching import DataVersion
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
    _size: tuple[str, int, int] | None = field(default=None, init=False, repr=False)

    def size(self) -> tuple[int, int]:
        """Triples and named graphs, counted once per data version.

        ``/health`` is polled, and a full count on the disk store the server keeps takes
        half a second at 1M triples. A remote engine can change without the version moving,
        so it is counted every time.
        """
        if self.settings.store_backend == "remote":
            return self.store.count(), len(self.store.graph_names())
        tag = self.version.tag
        if self._size is None or self._size[0] != tag:
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

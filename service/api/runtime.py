"""What the app holds while it runs: store, query executor, write gate and data version.

Created in the app's lifespan and reached by routers through the request, so tests can
build an app around any store and the parts are swapped together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request

from service.api.caching import DataVersion
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
    _size: tuple[int, int] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _derived: dict[str, tuple[str, object]] = field(default_factory=dict, init=False, repr=False)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def size(self) -> tuple[int, int]:
        """Quads and named graphs: counted once, then kept up to date by each write's delta.

        ``/health`` is polled, and a full count on the disk store the server keeps takes
        half a second at 1M triples. A remote engine can change without this service
        knowing, so it is asked every time (one ``COUNT``).
        """
        if not self.store.local:
            return self.store.size()
        with self._lock:
            if self._size is None:
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

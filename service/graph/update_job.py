"""A SPARQL Update's effect computed in the query engine, under a query's limits.

The gate turns an update into the delta it would make (``service.sparql.update_effect``)
before it checks and commits it. That evaluation reads the data (each ``WHERE``, and for a
rare shape a scratch copy of the whole store), so it can run for as long and take as much
memory as any query. Done in the server process it had neither bound: an administrator's
runaway update (or a stolen key's) could hold the server's memory and the write lock.

So it runs where queries run, as a job of the query engine (:class:`UpdateEffect`): on the
engine's copy, which is the store as the gate sees it under its write lock (every committed
delta reaches it before the write is answered), under the time limit, the memory ceiling and
the client's share; a ``LOAD`` there connects under the same network guard. The server only
commits the delta that comes back. Without an engine process (``ESSKG_QUERY_WORKERS=0``, a
remote engine) the executor runs it in the server, as it runs queries there.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from service.sparql.execution import Executor
from service.sparql.update_effect import update_effect
from service.store.base import Store
from service.store.delta import Delta

#: ``effect(store, text, base_iri, client)``: the delta an update would make.
UpdateEffectOf = Callable[[Store, str, str | None, str], Delta]


@dataclass(frozen=True)
class UpdateEffect:
    """The delta of one update, computed on the query engine's copy of the data."""

    text: str
    base_iri: str | None = None
    client: str = ""

    @property
    def memo_key(self) -> Hashable:
        return ("update", self.text, self.base_iri)

    def answer(self, store: Store) -> Delta:
        return update_effect(store, self.text, self.base_iri)


def in_process(store: Store, text: str, base_iri: str | None, client: str) -> Delta:
    """The effect on ``store`` itself, in the calling thread (a gate without an executor)."""
    return update_effect(store, text, base_iri)


def by_the_executor(executor: Executor) -> UpdateEffectOf:
    """The effect computed where ``executor`` runs queries (the gate's store is not read:
    the engine's copy is the same data)."""

    def effect(store: Store, text: str, base_iri: str | None, client: str) -> Delta:
        return executor.run(UpdateEffect(text, base_iri, client))

    return effect

"""``POST /validate`` as a job of the query engine: the gate's checks, nothing committed.

The dry run is public, so it must be bounded like a query: it runs where queries run (the
query engine process, on its copy of the data), under the same time limit, memory ceiling and
per-client share, and it never takes the write lock, so anonymous validations cannot keep a
writer waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from service.graph.check import Reasoner
from service.graph.consequences import ConsequencesOf
from service.graph.gate import WriteGate, WriteResult
from service.graph.incremental_consequences import consequences_for
from service.graph.validate import Validator
from service.store.base import Store
from service.store.delta import GraphName


@dataclass(frozen=True)
class DryRun:
    """Would adding ``graphs`` pass the gate? Answered with the gate's own ``WriteResult``."""

    graphs: Mapping[GraphName, tuple[ox.Triple, ...]]
    reason: bool
    reasoner: Reasoner
    validator: Validator
    client: str = ""

    @property
    def memo_key(self) -> Hashable:
        return ("validate", tuple(sorted((str(k), v) for k, v in self.graphs.items())))

    def answer(self, store: Store) -> WriteResult:
        gate = WriteGate(
            store, consequences=_consequences(self.reason, self.reasoner, self.validator)
        )
        return gate.dry_run(self.graphs)


#: The engines of this process's dry runs, kept ready between them (compiling the shapes and
#: checking the data take seconds at a million triples).
_ready: dict[tuple[bool, Reasoner, Validator], ConsequencesOf] = {}
_ready_lock = threading.Lock()


def _consequences(reason: bool, reasoner: Reasoner, validator: Validator) -> ConsequencesOf:
    """Those of a write never committed here: the gate's commits reach this copy from
    elsewhere, and the engines check the data again after them."""
    key = (reason, reasoner, validator)
    with _ready_lock:
        found = _ready.get(key)
        if found is None:
            found = _ready[key] = consequences_for(
                reason=reason, reasoner=reasoner, validator=validator, commits=False
            )
    return found

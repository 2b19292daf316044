"""``POST /validate`` as a job of the query engine: the gate's checks, nothing committed.

The dry run is public, so it must be bounded like a query: it runs where queries run (the
query engine process, on its copy of the data), under the same time limit, memory ceiling and
per-client share, and it never takes the write lock, so anonymous validations cannot keep a
writer waiting.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from service.graph.check import Reasoner
from service.graph.gate import WriteGate, WriteResult
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
            store, reason=self.reason, reasoner=self.reasoner, validator=self.validator
        )
        return gate.dry_run(self.graphs)

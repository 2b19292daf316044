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
from service.graph.gate import ShapesViolation, WriteGate, WriteResult
from service.graph.incremental_consequences import IncrementalConsequences, consequences_for
from service.graph.validate import Validator
from service.store import delta as deltas
from service.store.base import Store
from service.store.delta import Delta, GraphName


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


def prepare_dry_run(
    store: Store, *, reason: bool, reasoner: Reasoner, validator: Validator
) -> None:
    """Compile this process's dry-run engines and look over ``store`` now (as a query engine
    loads, ``service.graph.prepare``), not in the first ``/validate``."""
    checks = _consequences(reason, reasoner, validator)
    if isinstance(checks, IncrementalConsequences):
        checks.prepare(store)


def replacing(
    store: Store,
    graphs: Mapping[GraphName, tuple[ox.Triple, ...]],
    *,
    reason: bool,
    reasoner: Reasoner,
    validator: Validator,
) -> WriteResult:
    """Would replacing ``graphs`` with these contents pass the gate? The gate's own checks
    on the delta a PUT of each would make, nothing committed.

    A partner's new upload replaces its previous rows: what it removes matters as much as
    what it adds (a removed label, a replaced date), so adding to a scratch graph
    (:meth:`WriteGate.dry_run`) would not say the same. Run where :class:`DryRun` runs, on the
    query engine's copy; raises :class:`ShapesViolation` as a refused write would.
    """
    delta = Delta()
    for name, triples in graphs.items():
        delta = delta | deltas.replacing(store, name, triples)
    found = _consequences(reason, reasoner, validator)(store, delta)
    if found.refused:
        raise ShapesViolation(found.outcome, found.inconsistencies)
    changed = sorted(delta.graphs(), key=lambda n: "" if n is None else n)
    return WriteResult(changed, outcome=found.outcome)

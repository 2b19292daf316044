"""A write's consequences from the write alone: what the gate asks on every delta.

:func:`service.graph.consequences.full_consequences` validates and reasons over all the data
(a minute at a million triples). Here the same answer comes from what the delta reaches:

- the inferred change from :class:`IncrementalReasoner` (delete-and-rederive over the
  engine's indexes), reading the state *before* the write;
- the SHACL verdicts from :class:`IncrementalValidator` (the compiled checks re-run on the
  focus nodes the delta can reach through targets and paths), reading the state *after* it:
  the delta is applied tentatively to the engine's memory copy and always taken out again
  (``LocalEngine.tentatively``), so a refused write never reaches the disk or a reader.

Both start from a state the build or the gate accepted (no violation, no inconsistency).

Where they run: the server reads the disk store, and the query engine process holds the one
in-memory copy of the data, which receives every committed delta before the write is
answered. So the gate sends each write's check to that engine as a job (:class:`WriteCheck`):
the engine's copy is the store as the gate sees it under its write lock, and the check runs
under the engine's limits. A check the engines cannot answer incrementally (a write that
changes the schema) is not run there, where the time limit would stop the engine for all
its readers: it comes back, and the gate runs the full checks on its own store.

The full path answers what they cannot: a remote engine or a store read from disk (no local
engine), a write to the default graph (where the service keeps the union's copy), another
reasoner or validator chosen in the settings; each engine also falls back to its full path
on its own when a write changes the schema. The property tests of
``tests/service/test_incremental.py`` hold both engines to the full path, and
``tests/service/test_write_sequences.py`` the gate with this class to a rebuild.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import QueryCrashed, QueryTimeout
from service.graph.check import Reasoner
from service.graph.consequences import (
    Consequences,
    ConsequencesOf,
    full_consequences,
    rdflib_graph,
)
from service.graph.incremental_reasoning import IncrementalReasoner, NeedsFullReasoning
from service.graph.incremental_validation import IncrementalValidator
from service.graph.validate import ValidationOutcome, Validator
from service.namespaces import ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.sparql.cooldown import GATE
from service.sparql.execution import Executor
from service.store.base import LocalEngine, Store
from service.store.delta import Delta


class IncrementalConsequences:
    """The gate's consequences for one store, kept ready between writes.

    ``commits``: whether the deltas judged here are then committed to that store (the
    gate's), or never are (a dry run on the query engine's copy, which receives the gate's
    commits from elsewhere). The reasoner remembers that the store held nothing it cannot
    follow; that holds for the states it has seen, which it tells by the engine's count of
    committed deltas, so any other write makes it check the store again.
    """

    def __init__(
        self,
        *,
        reason: bool = True,
        commits: bool = True,
        fallback: ConsequencesOf | None = None,
        reason_in_full: bool = True,
    ) -> None:
        """``reason_in_full``: whether a write the reasoner cannot follow is reasoned over in
        full here, or raises :class:`NeedsFullReasoning` (for the gate to run elsewhere)."""
        self._reason = reason
        self._commits = commits
        self._reason_in_full = reason_in_full
        self._fallback = fallback or full_consequences(reason=reason)
        self._lock = threading.Lock()  # dry runs may come from several engine threads
        self._store: Store | None = None
        self._reasoner: IncrementalReasoner | None = None
        self._validator: IncrementalValidator | None = None
        self._vouched: frozenset[int] = frozenset()

    def __call__(self, store: Store, delta: Delta) -> Consequences:
        engine = store.local_engine()
        if engine is None or _touches_default_graph(delta):
            return self._fallback(store, delta)
        with self._lock:
            reasoner, validator = self._engines(store)
            answer = Consequences()
            if self._reason:
                self._recheck_if_others_wrote(engine, reasoner)
                with engine.stable() as before:
                    inference = reasoner.apply(before, delta.removed, delta.added)
                removed, added = inference.quads()
                answer.inferred = Delta(frozenset(removed), frozenset(added))
                answer.inconsistencies = inference.inconsistencies
                state = engine.generation
                following = {state + 1} if self._commits and inference.full is None else set()
                self._vouched = frozenset({state, *following})
            with engine.tentatively(delta) as after:
                checked = validator.validate(after, delta.removed, delta.added)
            if self._commits and not (checked.rows or checked.full or answer.inconsistencies):
                # the write passes and no one reads its report: none is built (the rdflib
                # graph cost as much as the checks)
                answer.outcome = ValidationOutcome(conforms=True)
            else:
                answer.outcome = checked.outcome  # its report built once readers may start
            return answer

    @property
    def compiled(self) -> bool:
        """Whether its engines are compiled (for the store they last saw)."""
        return self._reasoner is not None and self._validator is not None

    def prepare(self, store: Store) -> None:
        """Compile the shapes and the schema, and check the store's state once, now rather
        than on the first write (seconds at a million triples)."""
        engine = store.local_engine()
        if engine is None:
            return
        with self._lock:
            reasoner, _ = self._engines(store)
            if self._reason:
                with engine.stable() as before:
                    reasoner.prepare(before)
                self._vouched = frozenset({engine.generation})

    def _engines(self, store: Store) -> tuple[IncrementalReasoner, IncrementalValidator]:
        """The engines for ``store``'s ontology and shapes (only a build changes those, and
        a build makes a new store)."""
        if self._store is not store or self._reasoner is None or self._validator is None:
            self._reasoner = IncrementalReasoner(
                rdflib_graph(store, ONTOLOGY_GRAPH), fallback=self._reason_in_full
            )
            self._validator = IncrementalValidator(rdflib_graph(store, SHAPES_GRAPH))
            self._store = store
            self._vouched = frozenset()
        return self._reasoner, self._validator

    def _recheck_if_others_wrote(self, engine: LocalEngine, reasoner: IncrementalReasoner) -> None:
        if engine.generation not in self._vouched:
            reasoner.forget_state()


def _touches_default_graph(delta: Delta) -> bool:
    return any(isinstance(q.graph_name, ox.DefaultGraph) for q in (*delta.removed, *delta.added))


@dataclass(frozen=True)
class WriteCheck:
    """A job of the query engine: the consequences of one write, on the engine's copy (the
    store as it is under the gate's write lock)."""

    delta: Delta
    reason: bool
    client: str = GATE
    check_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def memo_key(self) -> Hashable:
        return ("write-check", self.check_id)  # never refused as a query seen before

    def answer(self, store: Store) -> Consequences:
        """The consequences; the SHACL report goes back to the server only with a refusal,
        the one answer that shows it (an rdflib graph: costly to send, on every write)."""
        found = _engine_checks(self.reason)(store, self.delta)
        if not found.refused:
            outcome = found.outcome
            found.outcome = ValidationOutcome(outcome.conforms, outcome.problems)
        return found


#: The gate's checks in this (engine) process, kept ready between writes.
_in_engine: dict[bool, IncrementalConsequences] = {}
_in_engine_lock = threading.Lock()


def _engine_checks(reason: bool) -> IncrementalConsequences:
    with _in_engine_lock:
        found = _in_engine.get(reason)
        if found is None:
            found = _in_engine[reason] = IncrementalConsequences(
                reason=reason, commits=True, reason_in_full=False
            )
        return found


def checked_by_the_engine(
    executor: Executor, *, reason: bool, reasoner: Reasoner, validator: Validator
) -> ConsequencesOf:
    """The gate's consequences: the incremental checks as a job of the query engine, the
    full checks here when they cannot answer (or when the settings ask for owlrl or
    pyshacl)."""
    full = full_consequences(reason=reason, reasoner=reasoner, validator=validator)
    if reasoner != "rules" or validator != "sparql":
        return full

    def consequences(store: Store, delta: Delta) -> Consequences:
        if _touches_default_graph(delta):
            return full(store, delta)
        try:
            found = executor.run(WriteCheck(delta, reason))
        except (NeedsFullReasoning, QueryTimeout, QueryCrashed):
            return full(store, delta)
        assert isinstance(found, Consequences)
        return found

    return consequences


def prepare_write_checks(store: Store, reason: bool) -> None:
    """Compile the gate's checks in this (engine) process and look over ``store`` now, as
    the engine loads (``service.graph.prepare``), not at the first write."""
    _engine_checks(reason).prepare(store)


def consequences_for(
    *, reason: bool, reasoner: Reasoner, validator: Validator, commits: bool = True
) -> ConsequencesOf:
    """What the settings ask for: the incremental engines compute what the rule reasoner and
    the compiled validator would (their full runs are the oracles); another choice (owlrl,
    pyshacl) is run in full on each write."""
    full = full_consequences(reason=reason, reasoner=reasoner, validator=validator)
    if reasoner != "rules" or validator != "sparql":
        return full
    return IncrementalConsequences(reason=reason, commits=commits, fallback=full)

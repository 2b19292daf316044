"""The gate every HTTP write passes: GSP, SPARQL Update, ``/validate``.

A write is turned into a delta against the store as it is (``service.store.delta``; an update
by ``service.sparql.update_effect``), under the write lock. Its consequences are asked of one
interface (``service.graph.consequences``; computed from the delta alone by
``service.graph.incremental_consequences``): the change to the inferred graph, the SHACL
outcome, the OWL 2 RL consistency. A write that violates a shape or makes the closure
inconsistent is refused and changes nothing. Otherwise:

1. the new content of each graph it changes is made durable as a contribution file
   (``service.graph.contributions``), so every later build carries it;
2. the store commits the asserted delta and the inferred one in one transaction;
3. ``on_commit`` hands the same delta on (the query engine applies it to its copy), still
   under the lock, so copies apply deltas in the order they were committed.

A write's precondition (``If-Match``) is checked under the lock, so two editors cannot both
win. A dry run (``POST /validate``) takes no lock and commits nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import (
    EsskgError,
    EvaluationError,
    GraphNotFound,
    ProtectedGraph,
)
from service.formats import Format
from service.graph import crash_points
from service.graph.check import Reasoner
from service.graph.consequences import PROTECTED, ConsequencesOf
from service.graph.contributions import Contributions
from service.graph.incremental_consequences import consequences_for
from service.graph.update_job import UpdateEffectOf, in_process
from service.graph.validate import ValidationOutcome, Validator
from service.namespaces import REFERENTIAL_GRAPH_PREFIX
from service.parsing.isolated import parse_documents
from service.parsing.limits import ParseLimits
from service.store import delta as deltas
from service.store.base import Store, digest_lines
from service.store.delta import Delta, GraphName, graph_of


def is_referential(name: str | None) -> bool:
    """An official referential's graph changes only with its pinned package, by a build
    (it is still data: validated and reasoned over with every write)."""
    return name is not None and name.startswith(REFERENTIAL_GRAPH_PREFIX)


#: Looks at the store before a write, under the write lock, and raises to refuse it.
Precondition = Callable[[Store], None] | None


@dataclass
class ShapesViolation(EsskgError):
    """The write would leave data that violates the shapes or an inconsistent closure."""

    outcome: ValidationOutcome
    inconsistencies: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        if self.outcome.violations:
            parts.append(f"{len(self.outcome.violations)} SHACL violation(s)")
        if self.inconsistencies:
            parts.append(f"{len(self.inconsistencies)} OWL 2 RL inconsistency(ies)")
        return "the write was refused: " + ", ".join(parts)


@dataclass
class WriteResult:
    """What a write did: the graphs it changed, and whether the target graph is new."""

    changed: list[GraphName]
    created: bool = False
    outcome: ValidationOutcome | None = None
    #: the target graph's digest once written (Graph Store PUT and POST): read under the
    #: lock, so the ETag it makes names this write's result, never a later writer's
    digest: str | None = None


def parse_payload(
    documents: Sequence[tuple[Format, bytes]],
    base_iri: str | None,
    *,
    limits: ParseLimits,
    client: str = "",
) -> list[ox.Triple]:
    """Triples of uploaded documents (one request's), parsed by the engine within ``limits``
    in a separate process (``service.parsing.isolated``; exact error positions), within the
    share of the parsers of ``client`` (the sender's address).

    Dataset formats are accepted for their default graph only: a GSP request names one graph.
    Blank nodes keep the documents' labels here; each write gives them fresh ones
    (``service.store.delta.fresh_blank_nodes``).
    """
    triples = []
    for quad in parse_documents(documents, base_iri, limits, client):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise EvaluationError(
                "the payload names graphs of its own; send a graph's triples to its ?graph="
            )
        triples.append(quad.triple)
    return triples


@dataclass(frozen=True)
class _LastCommit:
    """The graphs the gate's last commit wrote, as it left them, and the store's count of
    changes after it. A partner refreshing its graph by PUT, again and again, then costs no
    read of it: the engine keeps each removed quad until it compacts (on disk) or for good
    (in memory), so a graph that changed often gets slower to read with each change."""

    store: Store
    changes: int
    graphs: Mapping[GraphName, set[ox.Quad]]


class WriteGate:
    """Serialised, checked writes to one store, committed as deltas."""

    def __init__(
        self,
        store: Store,
        *,
        reason: bool = True,
        reasoner: Reasoner = "rules",
        validator: Validator = "sparql",
        consequences: ConsequencesOf | None = None,
        lock: threading.Lock | None = None,
        before_commit: Callable[[], None] | None = None,
        on_commit: Callable[[Delta], None] | None = None,
        contributions: Contributions | None = None,
        effect_of_update: UpdateEffectOf = in_process,
    ) -> None:
        """``consequences`` defaults to what ``reason``, ``reasoner`` and ``validator`` ask
        for (``service.graph.incremental_consequences``); ``before_commit`` runs once a
        write has passed, just before anything is written (so a crash between the two
        cannot leave anything claiming the old state is current); ``on_commit`` receives
        each committed delta, inferred part included; ``contributions`` keeps each changed
        graph as a file; ``effect_of_update`` computes an update's delta (in the query
        engine, under its limits: ``service.graph.update_job``)."""
        self._store = store
        self._consequences = consequences or consequences_for(
            reason=reason, reasoner=reasoner, validator=validator
        )
        self._lock = lock or threading.Lock()
        self._before_commit = before_commit
        self._on_commit = on_commit
        self._contributions = contributions
        self._effect_of_update = effect_of_update
        self._last: _LastCommit | None = None

    # -- the operations --------------------------------------------------------------------

    def put_graph(
        self, name: GraphName, triples: Iterable[ox.Triple], precondition: Precondition = None
    ) -> WriteResult:
        content = deltas.in_graph(deltas.fresh_blank_nodes(triples), name)
        return self._write(
            lambda store: deltas.replaced_by(self._held(store, name), content),
            target=name,
            check=precondition,
            digest=True,
            known={name: content},
        )

    def post_graph(
        self, name: GraphName, triples: Iterable[ox.Triple], precondition: Precondition = None
    ) -> WriteResult:
        content = list(triples)
        return self._write(
            lambda store: deltas.adding(store, name, content),
            target=name,
            check=precondition,
            digest=True,
        )

    def delete_graph(self, name: GraphName, precondition: Precondition = None) -> WriteResult:
        def compute(store: Store) -> Delta:
            held = self._held(store, name)
            if name is not None and not held:
                raise GraphNotFound(f"no graph <{name}>")
            return Delta(removed=frozenset(held))

        return self._write(compute, target=name, check=precondition, known={name: set()})

    def update(self, sparql: str, *, base_iri: str | None = None, client: str = "") -> WriteResult:
        """``client``: the sender's address, for its share of where the effect is computed."""
        return self._write(lambda store: self._effect_of_update(store, sparql, base_iri, client))

    def dry_run(self, graphs: Mapping[GraphName, Iterable[ox.Triple]]) -> WriteResult:
        """``POST /validate``: what adding these graphs would give, nothing committed."""
        contents = {name: list(triples) for name, triples in graphs.items()}

        def compute(store: Store) -> Delta:
            found = Delta()
            for name, triples in contents.items():
                found = found | deltas.adding(store, name, triples)
            return found

        return self._write(compute, commit=False)

    # -- the gate --------------------------------------------------------------------------

    def _write(
        self,
        compute: Callable[[Store], Delta],
        *,
        target: GraphName = None,
        commit: bool = True,
        check: Precondition = None,
        digest: bool = False,
        known: Mapping[GraphName, set[ox.Quad]] | None = None,
    ) -> WriteResult:
        """Compute the write's delta, check its consequences, then commit it.

        ``check`` sees the store as it is before the write, under the lock, and raises to
        refuse it (a precondition); with ``digest``, the result carries the target graph's
        digest as the write left it; ``known``: the quads some graphs hold once the write
        is done (a PUT's content, nothing after a DELETE), so that they are not read again.
        """
        with self._lock if commit else contextlib.nullcontext():
            store = self._store
            if check is not None:
                check(store)
            remembered = self._remembered(store, target)
            created = target is not None and not (
                store.has_graph(target) if remembered is None else remembered
            )
            delta = compute(store)
            for name in sorted(g for g in delta.graphs() if g is not None):
                if name in PROTECTED or is_referential(name):
                    raise ProtectedGraph(name)
            changed = sorted(delta.graphs(), key=lambda n: "" if n is None else n)
            if not delta and commit:
                return WriteResult([], created=False, digest=self._digest(target, digest))
            found = self._consequences(store, delta)
            if found.refused:
                raise ShapesViolation(found.outcome, found.inconsistencies)
            after = self._commit(delta, found.inferred, known or {}) if commit else {}
            if not digest or not commit:
                tag = None
            elif target in after:  # what the store now holds, without reading it again
                tag = digest_lines(str(triple) for triple in after[target])
            else:
                tag = self._digest(target, True)
        return WriteResult(changed, created=created, outcome=found.outcome, digest=tag)

    def _remembered(self, store: Store, name: GraphName) -> set[ox.Quad] | None:
        """What graph ``name`` holds, if the gate's last commit wrote it and the store has
        changed in no other way since; else None (then read it)."""
        last = self._last
        if last is None or name not in last.graphs:
            return None
        if store is not last.store or store.changes() != last.changes:
            return None
        return last.graphs[name]

    def _held(self, store: Store, name: GraphName) -> set[ox.Quad]:
        """What graph ``name`` holds now."""
        remembered = self._remembered(store, name)
        return set(store.quads(name)) if remembered is None else remembered

    def _digest(self, target: GraphName, wanted: bool) -> str | None:
        return self._store.graph_digest(target) if wanted else None

    def _commit(
        self, asserted: Delta, inferred: Delta, known: Mapping[GraphName, set[ox.Quad]]
    ) -> dict[GraphName, list[ox.Triple]]:
        """The contribution files first, then the store, then the copies: what a 2xx
        acknowledges is in all of them. If the store refuses the commit, the files go back
        to what they were. Returns what each changed graph now holds.

        A graph's content after the write is read from the store and the delta, unless
        ``known``; its content before, for the files' way back, is the content after with
        the (exact) delta undone."""
        store = self._store
        self._last = None  # until the store has committed
        after_quads = {
            name: known[name]
            if name in known
            else {q for q in asserted.applied_to(self._held(store, name)) if graph_of(q) == name}
            for name in asserted.graphs()
        }
        after = {name: [q.triple for q in quads] for name, quads in after_quads.items()}
        if self._before_commit is not None:
            self._before_commit()
        if self._contributions is not None:
            self._contributions.record({name: triples or None for name, triples in after.items()})
        crash_points.reach(crash_points.CONTRIBUTIONS_RECORDED)
        committed = asserted | inferred
        try:
            store.apply(committed)
        except BaseException:
            if self._contributions is not None:
                undone = asserted.inverse()
                self._contributions.record(
                    {
                        name: undone.graph_after(name, quads) or None
                        for name, quads in after_quads.items()
                    }
                )
            raise
        crash_points.reach(crash_points.STORE_COMMITTED)
        changes = store.changes()
        if changes is not None:
            inferred_graphs = inferred.graphs()
            self._last = _LastCommit(
                store,
                changes,
                {
                    name: quads
                    for name, quads in after_quads.items()
                    if name is not None and name not in inferred_graphs  # not the union's
                },
            )
        if self._on_commit is not None:
            self._on_commit(committed)
        return after

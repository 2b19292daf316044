"""The validate-then-commit gate every HTTP write passes: GSP, SPARQL Update, ``/validate``.

A write is first applied to a candidate: an in-memory copy of the whole store. The candidate
is checked the way the build checks the sources (SHACL over all asserted data, with the
ontology; then the OWL 2 RL closure, which must stay consistent), so a shape that needs data
from other graphs (``sh:class`` of a resource described elsewhere) sees it. Only when all is
well are the graphs that changed, and the refreshed inferred graph, replaced in the real
store in one transaction. Anything else leaves the store exactly as it was.

Writes are serialised (one lock); a dry run takes no lock (it reads a snapshot). A write's
precondition (``If-Match``) is checked under that lock, so two editors cannot both win.
Each committed graph is first made durable as a contribution file
(``service.graph.contributions``), so every later build carries it. After each commit the
app replaces its query engine, so every query started after the commit sees it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from service.errors import (
    EsskgError,
    EvaluationError,
    GraphNotFound,
    ProtectedGraph,
)
from service.errors import QuerySyntaxError as _QuerySyntaxError
from service.formats import Format
from service.graph.check import Reasoner, run_reasoner
from service.graph.contributions import Contributions
from service.graph.reason import Inference
from service.graph.validate import ValidationOutcome, Validator, validate
from service.namespaces import (
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    REFERENTIAL_GRAPH_PREFIX,
    SHAPES_GRAPH,
)
from service.parsing.isolated import parse_documents
from service.parsing.limits import ParseLimits
from service.sparql.updates import GraphEdit
from service.store.base import Store, Triple
from service.store.oxigraph import OxigraphStore
from service.store.terms import triple_to_rdflib

#: Graphs only the build writes; the inferred graph is refreshed by the gate itself.
PROTECTED = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH})


def is_referential(name: str | None) -> bool:
    """An official referential's graph changes only with its pinned package, by a build
    (it is still data: validated and reasoned over with every write)."""
    return name is not None and name.startswith(REFERENTIAL_GRAPH_PREFIX)


#: Looks at the store before a write, under the write lock, and raises to refuse it.
Precondition = Callable[[Store], None] | None


def _has_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


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
    """What a write did: the graphs it replaced, and whether the target graph is new."""

    changed: list[str | None]
    created: bool = False
    outcome: ValidationOutcome | None = None


def parse_payload(
    documents: Sequence[tuple[Format, bytes]], base_iri: str | None, *, limits: ParseLimits
) -> list[Triple]:
    """Triples of uploaded documents (one request's), parsed by the engine within ``limits``
    in a separate process (``service.parsing.isolated``; exact error positions).

    Dataset formats are accepted for their default graph only: a GSP request names one graph.
    """
    triples = []
    for quad in parse_documents(documents, base_iri, limits):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise EvaluationError(
                "the payload names graphs of its own; send a graph's triples to its ?graph="
            )
        triples.append(triple_to_rdflib(quad.triple))
    return triples


class WriteGate:
    """Serialised, validated writes to one store."""

    def __init__(
        self,
        store: Store,
        *,
        reason: bool = True,
        reasoner: Reasoner = "rules",
        validator: Validator = "sparql",
        lock: threading.Lock | None = None,
        before_commit: Callable[[], None] | None = None,
        on_commit: Callable[[], None] | None = None,
        contributions: Contributions | None = None,
    ) -> None:
        """``before_commit`` runs once a write has passed, just before it is committed (so
        a crash between the two cannot leave anything claiming the old state is current);
        ``on_commit`` runs after; ``contributions`` keeps each committed graph as a file."""
        self._store = store
        self._reason = reason
        self._reasoner: Reasoner = reasoner
        self._validator: Validator = validator
        self._lock = lock or threading.Lock()
        self._before_commit = before_commit
        self._on_commit = on_commit
        self._contributions = contributions

    # -- the operations --------------------------------------------------------------------

    def put_graph(
        self, name: str | None, triples: Iterable[Triple], precondition: Precondition = None
    ) -> WriteResult:
        content = list(triples)
        return self._write(
            lambda c: c.put_graph(name, content), target=name, touched=[name], check=precondition
        )

    def post_graph(
        self, name: str | None, triples: Iterable[Triple], precondition: Precondition = None
    ) -> WriteResult:
        content = list(triples)
        return self._write(
            lambda c: c.post_graph(name, content), target=name, touched=[name], check=precondition
        )

    def delete_graph(self, name: str | None, precondition: Precondition = None) -> WriteResult:
        def apply(candidate: OxigraphStore) -> None:
            if name is not None and not candidate.has_graph(name):
                raise GraphNotFound(f"no graph <{name}>")
            candidate.delete_graph(name)

        return self._write(apply, target=name, touched=[name], check=precondition)

    def update(self, sparql: str, *, base_iri: str | None = None) -> WriteResult:
        def apply(candidate: OxigraphStore) -> None:
            try:
                candidate.update(sparql, base_iri=base_iri)
            except _QuerySyntaxError:
                raise
            except (OSError, RuntimeError, ValueError) as exc:
                raise EvaluationError(str(exc)) from exc

        return self._write(apply)

    def dry_run(self, graphs: Mapping[str | None, Iterable[Triple]]) -> WriteResult:
        """``POST /validate``: what adding these graphs would give, nothing committed."""
        contents = {name: list(triples) for name, triples in graphs.items()}

        def apply(candidate: OxigraphStore) -> None:
            for name, triples in contents.items():
                candidate.post_graph(name, triples)

        return self._write(apply, touched=list(contents), commit=False)

    # -- the gate --------------------------------------------------------------------------

    def _write(
        self,
        apply: Callable[[OxigraphStore], None],
        *,
        target: str | None = None,
        touched: Collection[str | None] | None = None,
        commit: bool = True,
        check: Precondition = None,
    ) -> WriteResult:
        """Apply the write to a copy, check the copy, then commit the graphs that changed.

        ``touched``: the only graphs the write can change (a Graph Store operation names
        its one graph), so the others are not compared; ``None`` for any (an update).
        ``check`` sees the store as it is before the write, under the lock, and raises to
        refuse it (a precondition).
        """
        with self._lock if commit else contextlib.nullcontext():
            before = (
                self._store
                if isinstance(self._store, OxigraphStore)
                else OxigraphStore.copy_of(self._store)
            )
            if check is not None:
                check(before)
            created = target is not None and not before.has_graph(target)
            candidate = OxigraphStore.copy_of(before)
            apply(candidate)
            changed = before.changed_graphs(candidate, among=touched)
            for name in changed:
                if name is not None and (name in PROTECTED or is_referential(name)):
                    raise ProtectedGraph(name)
            if not changed and commit:
                return WriteResult([], created=False)
            outcome, inference = self.check(candidate)
            if commit:
                replacements: dict[str | None, Iterable[Triple] | None] = {
                    name: self._content(candidate, name) for name in changed
                }
                edits: dict[str | None, GraphEdit] = {}
                if inference is not None:
                    self._refresh_inferred(before, inference, replacements, edits)
                if self._before_commit is not None:
                    self._before_commit()
                self._commit(before, replacements, edits)
        if commit and self._on_commit is not None:
            self._on_commit()
        return WriteResult(changed, created=created, outcome=outcome)

    def _commit(
        self,
        before: OxigraphStore,
        replacements: dict[str | None, Iterable[Triple] | None],
        edits: dict[str | None, GraphEdit],
    ) -> None:
        """The contribution files first, then the store: what a 2xx acknowledges is in both.
        If the store refuses the commit, the files go back to what they were."""
        graphs = {name: content for name, content in replacements.items() if name not in PROTECTED}
        if self._contributions is not None:
            self._contributions.record(graphs)
        try:
            self._store.replace_graphs(replacements, edits)
        except BaseException:
            if self._contributions is not None:
                self._contributions.record({name: self._content(before, name) for name in graphs})
            raise

    @staticmethod
    def _refresh_inferred(
        before: OxigraphStore,
        inference: Inference,
        replacements: dict[str | None, Iterable[Triple] | None],
        edits: dict[str | None, GraphEdit],
    ) -> None:
        """Only the inferred triples that changed are written, in the commit's transaction.

        A write usually changes a handful of the inferred triples (63,000 at 100k asserted):
        rewriting the whole graph took most of a write's time. Triples with a blank node
        cannot be written as a difference, so those few are rewritten whole.
        """
        new = set(inference.oxigraph_triples())
        if not new:
            replacements[INFERRED_GRAPH] = None
            return
        old = set(before.engine_triples(INFERRED_GRAPH))
        blank_new = [t for t in new if _has_blank_node(t)]
        blank_old = any(_has_blank_node(t) for t in old)
        ground_new = new.difference(blank_new)
        ground_old = {t for t in old if not _has_blank_node(t)}
        edit = GraphEdit(
            removed=[triple_to_rdflib(t) for t in ground_old - ground_new],
            added=[triple_to_rdflib(t) for t in ground_new - ground_old],
            blank=[triple_to_rdflib(t) for t in blank_new] if blank_new or blank_old else None,
        )
        if edit.removed or edit.added or edit.blank is not None:
            edits[INFERRED_GRAPH] = edit

    @staticmethod
    def _content(candidate: OxigraphStore, name: str | None) -> list[Triple] | None:
        triples: list[Triple] = list(candidate.get_graph(name))  # type: ignore[arg-type]
        return triples or None

    def check(self, candidate: OxigraphStore) -> tuple[ValidationOutcome, Inference | None]:
        """Validate the candidate's asserted data; reason over it when enabled.

        The data stays in engine terms, as in the build: an rdflib copy of a large store
        costs seconds per hundred thousand triples, and only an owlrl or pyshacl fallback
        needs one (built on first use).
        """
        ontology = candidate.get_graph(ONTOLOGY_GRAPH)
        shapes = candidate.get_graph(SHAPES_GRAPH)
        quads = candidate.quads_outside(PROTECTED)
        rdflib_copy: list[Graph] = []

        def data_graph() -> Graph:
            if not rdflib_copy:
                graph = Graph()
                for quad in quads:
                    graph.add(triple_to_rdflib(quad.triple))
                rdflib_copy.append(graph)
            return rdflib_copy[0]

        outcome = ValidationOutcome(conforms=True)
        if len(shapes):
            # a fresh ontology: pyshacl mutates what it is given
            outcome = validate(
                quads, shapes, candidate.get_graph(ONTOLOGY_GRAPH), validator=self._validator
            )
        inconsistencies: list[str] = []
        inference: Inference | None = None
        if self._reason:
            triples = [quad.triple for quad in quads]
            inference = run_reasoner(self._reasoner, ontology, triples, data_graph)
            inconsistencies = inference.inconsistencies
        if outcome.violations or inconsistencies:
            raise ShapesViolation(outcome, inconsistencies)
        return outcome, inference

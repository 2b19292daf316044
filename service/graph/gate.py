"""The validate-then-commit gate every HTTP write passes: GSP, SPARQL Update, ``/validate``.

A write is first applied to a candidate: an in-memory copy of the whole store. The candidate
is checked the way the build checks the sources (SHACL over all asserted data, with the
ontology; then the OWL 2 RL closure, which must stay consistent), so a shape that needs data
from other graphs (``sh:class`` of a resource described elsewhere) sees it. Only when all is
well are the graphs that changed, and the refreshed inferred graph, replaced in the real
store in one transaction. Anything else leaves the store exactly as it was.

Writes are serialised (one lock). After each commit the app replaces its query engine, so
every query started after the commit sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from service.errors import (
    EsskgError,
    EvaluationError,
    GraphNotFound,
    ProtectedGraph,
    RdfSyntaxError,
)
from service.errors import QuerySyntaxError as _QuerySyntaxError
from service.formats import Format
from service.graph.check import Reasoner, run_reasoner
from service.graph.validate import ValidationOutcome, Validator, validate
from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.store.base import Store, Triple
from service.store.oxigraph import OxigraphStore
from service.store.terms import to_oxigraph, triple_to_rdflib

#: Graphs only the build writes; the inferred graph is refreshed by the gate itself.
PROTECTED = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH})


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


def parse_payload(body: bytes, fmt: Format, base_iri: str | None) -> list[Triple]:
    """Triples of an uploaded document, parsed by the engine (exact error positions).

    Dataset formats are accepted for their default graph only: a GSP request names one graph.
    """
    try:
        quads = list(ox.parse(body, format=fmt.oxigraph_rdf, base_iri=base_iri))
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc.msg or exc), "<request body>", exc.lineno, exc.offset) from exc
    triples = []
    for quad in quads:
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
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._reason = reason
        self._reasoner: Reasoner = reasoner
        self._validator: Validator = validator
        self._lock = lock or threading.Lock()
        self._on_commit = on_commit

    # -- the operations --------------------------------------------------------------------

    def put_graph(self, name: str | None, triples: Iterable[Triple]) -> WriteResult:
        content = list(triples)
        return self._write(lambda c: c.put_graph(name, content), target=name)

    def post_graph(self, name: str | None, triples: Iterable[Triple]) -> WriteResult:
        content = list(triples)
        return self._write(lambda c: c.post_graph(name, content), target=name)

    def delete_graph(self, name: str | None) -> WriteResult:
        if name is not None and not self._store.has_graph(name):
            raise GraphNotFound(f"no graph <{name}>")
        return self._write(lambda c: c.delete_graph(name), target=name)

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

        return self._write(apply, commit=False)

    # -- the gate --------------------------------------------------------------------------

    def _write(
        self,
        apply: Callable[[OxigraphStore], None],
        *,
        target: str | None = None,
        commit: bool = True,
    ) -> WriteResult:
        with self._lock:
            before = (
                self._store
                if isinstance(self._store, OxigraphStore)
                else OxigraphStore.copy_of(self._store)
            )
            created = target is not None and not before.has_graph(target)
            candidate = OxigraphStore.copy_of(before)
            apply(candidate)
            changed = before.changed_graphs(candidate)
            for name in changed:
                if name in PROTECTED:
                    raise ProtectedGraph(name)
            if not changed and commit:
                return WriteResult([], created=False)
            outcome, inferred = self.check(candidate)
            if commit:
                replacements: dict[str | None, Iterable[Triple] | None] = {
                    name: self._content(candidate, name) for name in changed
                }
                if inferred is not None:
                    replacements[INFERRED_GRAPH] = list(inferred)  # type: ignore[arg-type]
                self._store.replace_graphs(replacements)
        if commit and self._on_commit is not None:
            self._on_commit()
        return WriteResult(changed, created=created, outcome=outcome)

    @staticmethod
    def _content(candidate: OxigraphStore, name: str | None) -> list[Triple] | None:
        triples: list[Triple] = list(candidate.get_graph(name))  # type: ignore[arg-type]
        return triples or None

    def check(self, candidate: Store) -> tuple[ValidationOutcome, Graph | None]:
        """Validate the candidate's asserted data; reason over it when enabled."""
        ontology = candidate.get_graph(ONTOLOGY_GRAPH)
        shapes = candidate.get_graph(SHAPES_GRAPH)
        data = Graph()
        for name in (None, *candidate.graph_names()):
            if name in PROTECTED:
                continue
            for triple in candidate.get_graph(name):
                data.add(triple)
        outcome = ValidationOutcome(conforms=True)
        if len(shapes):
            # fresh copies: pyshacl mutates what it is given
            outcome = validate(
                data, shapes, candidate.get_graph(ONTOLOGY_GRAPH), validator=self._validator
            )
        inconsistencies: list[str] = []
        inferred: Graph | None = None
        if self._reason:
            engine_data = (
                ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
                for s, p, o in data
            )
            inference = run_reasoner(self._reasoner, ontology, engine_data, lambda: data)
            inconsistencies = inference.inconsistencies
            inferred = inference.inferred
            if inference.engine_triples is not None:
                inferred = Graph()
                for found in inference.engine_triples:
                    inferred.add(triple_to_rdflib(found))
        if outcome.violations or inconsistencies:
            raise ShapesViolation(outcome, inconsistencies)
        return outcome, inferred

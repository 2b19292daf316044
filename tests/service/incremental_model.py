"""A store kept up to date write by write, as the write gate will keep it, and its oracle.

:class:`Model` holds what the service holds (asserted graphs, ontology, shapes, inferred
graph) in one engine store, applies each write's delta through the two incremental
engines, and :meth:`Model.assert_rebuilt` compares the result with a from-scratch
:func:`materialise` and :func:`validate` of the same asserted data: the oracles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service.graph.incremental_reasoning import IncrementalReasoner, InferenceDelta
from service.graph.incremental_validation import IncrementalValidator, ValidationDelta
from service.graph.layout import Layout
from service.graph.materialise import materialise
from service.graph.owl_consistency import Inconsistency
from service.graph.parse import parse_all
from service.graph.shacl_sparql import Row, report_graph
from service.graph.sources import Role, discover
from service.graph.validate import ValidationOutcome, outcome_of, validate
from service.store.union import union_copies

LAYOUT = Layout()
Result = tuple[str, ...]


def keep_union(store: ox.Store, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
    """What the service's store does with a write (``service.store.union``): its default
    graph keeps the union of the named graphs, a copy the engines must not read as data."""
    default = ox.DefaultGraph()
    store.bulk_extend(union_copies(added))
    for q in removed:
        named = store.quads_for_pattern(q.subject, q.predicate, q.object)  # type: ignore[arg-type]
        if not any(not isinstance(x.graph_name, ox.DefaultGraph) for x in named):
            store.remove(ox.Quad(q.subject, q.predicate, q.object, default))


@dataclass
class Project:
    """A parsed project and the state a build leaves: data, ontology, shapes, inferences."""

    quads: list[ox.Quad]
    ontology: Graph
    shapes: Graph
    inconsistencies: list[Inconsistency]
    validator: IncrementalValidator
    rows: list[Row]

    @classmethod
    def load(cls, root: Path) -> Project:
        parsed = parse_all(discover(root))
        assert not parsed.errors
        ontology, shapes = parsed.graphs[Role.ONTOLOGY], parsed.graphs[Role.SHAPES]
        found = materialise(ontology, parsed.data_triples)
        inferred = [ox.Quad(*t, LAYOUT.inferred) for t in found.inferred]  # type: ignore[misc]
        quads = [*parsed.quads, *inferred]
        quads += union_copies(quads)  # as the service's store holds them
        validator = IncrementalValidator(shapes)
        store = ox.Store()
        store.bulk_extend(quads)
        return cls(quads, ontology, shapes, found.found, validator, validator.rows(store))


@dataclass
class Model:
    """One lineage of writes on a copy of a project's built state."""

    project: Project
    store: ox.Store = field(init=False)
    reasoner: IncrementalReasoner = field(init=False)
    found: list[Inconsistency] = field(init=False)
    rows: list[Row] = field(init=False)
    removed: list[ox.Quad] = field(default_factory=list)  # every quad written away so far

    def __post_init__(self) -> None:
        self.store = ox.Store()
        self.store.bulk_extend(self.project.quads)
        self.reasoner = IncrementalReasoner(self.project.ontology)
        self.found = list(self.project.inconsistencies)
        self.rows = list(self.project.rows)

    def data(self) -> list[ox.Quad]:
        return sorted((q for q in self.store if LAYOUT.is_data(q.graph_name)), key=str)

    def inferred(self) -> set[ox.Triple]:
        return {q.triple for q in self.store.quads_for_pattern(None, None, None, LAYOUT.inferred)}

    def write(
        self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]
    ) -> tuple[InferenceDelta, ValidationDelta]:
        """Reason over the store before the write, apply it, then validate after it."""
        removed, added = list(removed), list(added)
        inference = self.reasoner.apply(self.store, removed, added, self.found)
        unsaid, said = inference.quads()
        for quad in [*removed, *unsaid]:
            self.store.remove(quad)
        self.store.bulk_extend([*added, *said])
        keep_union(self.store, [*removed, *unsaid], [*added, *said])
        validation = self.project.validator.validate(self.store, removed, added)
        self.found = inference.found
        self.rows = validation.merged(self.rows)
        back = set(added)
        self.removed = [q for q in self.removed if q not in back] + removed
        return inference, validation

    def outcome(self) -> ValidationOutcome:
        return outcome_of(report_graph(self.rows)[0])

    def assert_rebuilt(self) -> None:
        """The maintained state equals a from-scratch build of the same asserted data."""
        data = self.data()
        full = materialise(self.project.ontology, (q.triple for q in data))
        inferred = self.inferred()
        expected = set(full.inferred)
        assert inferred == expected, (sorted(map(str, inferred - expected))[:5],
                                      sorted(map(str, expected - inferred))[:5])  # fmt: skip
        assert sorted({p.message for p in self.found}) == full.inconsistencies
        oracle = validate(data, _copy(self.project.shapes), _copy(self.project.ontology))
        mine = self.outcome()
        assert results(mine) == results(oracle)
        assert (not mine.violations) == (not oracle.violations)


def results(outcome: ValidationOutcome) -> list[Result]:
    """A report's results, each as everything a reader sees of it."""
    return sorted(
        (p.severity, p.focus, p.path or "", p.value or "", p.message, p.shape, p.constraint)
        for p in outcome.problems
    )


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy

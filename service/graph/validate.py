"""SHACL validation of asserted data, the gate every write passes through.

Only asserted triples are validated: a materialised closure (say, of a transitive property)
would break cardinality shapes written for the direct property.

Two engines give the same results: the shapes compiled to SPARQL and run set-at-a-time by
the engine (:mod:`service.graph.shacl_sparql`, the default: it scales), and pyshacl, the
reference, which also validates whatever shape the compiler does not translate.
``validator="pyshacl"`` (setting ``ESSKG_VALIDATOR=pyshacl``) selects pyshacl for everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal as Choice

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.graph import shacl_sparql
from service.graph.sparql_cache import install as cache_sparql_translations
from service.store.terms import triple_to_rdflib

Validator = Choice["sparql", "pyshacl"]
#: The data to validate: an rdflib graph, or engine quads (what the build parsed).
Data = Graph | Iterable[ox.Quad]


@dataclass(frozen=True)
class Problem:
    """One result of a SHACL report, in the words a data editor needs."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    constraint: str

    def describe(self) -> str:
        parts = [f"{self.severity}: {self.message}", f"    focus node: {self.focus}"]
        if self.path:
            parts.append(f"    path: {self.path}")
        if self.value is not None:
            parts.append(f"    value: {self.value}")
        parts.append(f"    shape: {self.shape} ({self.constraint})")
        return "\n".join(parts)


@dataclass
class ValidationOutcome:
    """A SHACL report and its results. ``conforms`` is the report's ``sh:conforms``: true
    only without any result, warnings included (SHACL 3.6.1.1); a write is refused on
    :attr:`violations` only."""

    conforms: bool
    problems: list[Problem] = field(default_factory=list)
    report: Graph = field(default_factory=Graph)

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]


def _show(term: Node | None, report: Graph) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        return _describe_path(term, report) or f"_:{term}"
    return str(term)


def _describe_path(node: BNode, report: Graph) -> str | None:
    """A readable rendering of a complex SHACL path (sequence, inverse, alternatives)."""
    inverse = report.value(node, SH.inversePath)
    if inverse is not None:
        return f"^{_show(inverse, report)}"
    for predicate, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
        inner = report.value(node, predicate)
        if inner is not None:
            return f"({_show(inner, report)}){mark}"
    if (node, RDF.first, None) in report:
        return "/".join(_show(item, report) or "?" for item in report.items(node))
    return None


def _problems(report: Graph) -> list[Problem]:
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        problems.append(
            Problem(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_show(report.value(result, SH.focusNode), report) or "?",
                path=_show(report.value(result, SH.resultPath), report),
                value=_show(report.value(result, SH.value), report),
                message=" / ".join(messages) or "(no message)",
                shape=_show(report.value(result, SH.sourceShape), report) or "?",
                constraint=str(report.value(result, SH.sourceConstraintComponent) or "?").rsplit(
                    "#", 1
                )[-1],
            )
        )
    return sorted(problems, key=lambda p: (p.severity != "Violation", p.focus, p.shape, p.message))


def validate(
    data: Data,
    shapes: Graph,
    ontology: Graph,
    *,
    validator: Validator = "sparql",
) -> ValidationOutcome:
    """Validate ``data`` against ``shapes``; the ontology supplies the class hierarchy.

    Every path (build, write gate, dry run) comes here. pyshacl mutates the graphs it is
    given, so callers pass graphs they own (the build's, or a fresh copy per write request);
    the compiled path reads them only. Engine quads avoid converting a big build's data to
    rdflib at all, unless some shape has to fall back to pyshacl.
    """
    if validator == "pyshacl":
        report = _pyshacl_report(_as_graph(data), shapes, ontology)
        return _outcome(report)
    compiled = shacl_sparql.compile_shapes(shapes)
    if compiled.everything_to_pyshacl is not None:
        return _outcome(_pyshacl_report(_as_graph(data), shapes, ontology))
    if not isinstance(data, Graph):
        data = list(data)  # read twice when a fallback needs it
    store = shacl_sparql.engine_store(data, ontology)
    rows = shacl_sparql.run_checks(store, compiled.checks)
    del store
    report, root = shacl_sparql.report_graph(rows)
    if compiled.fallback:
        reduced = shacl_sparql.fallback_shapes(shapes, compiled)
        _merge(report, root, _pyshacl_report(_as_graph(data), reduced, _copy(ontology)))
    return _outcome(report)


def _pyshacl_report(data: Graph, shapes: Graph, ontology: Graph) -> Graph:
    cache_sparql_translations()
    _, report, _ = pyshacl.validate(
        data_graph=data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    assert isinstance(report, Graph)
    return report


def _outcome(report: Graph) -> ValidationOutcome:
    """The outcome of a report, its ``sh:conforms`` set by the standard: pyshacl, asked to
    allow warnings, would say true beside warnings."""
    problems = _problems(report)
    for root in list(report.subjects(RDF.type, SH.ValidationReport)):
        report.set((root, SH.conforms, Literal(not problems)))
    return ValidationOutcome(conforms=not problems, problems=problems, report=report)


def _merge(report: Graph, root: Node, other: Graph) -> None:
    """pyshacl's results join the compiled ones under one ``sh:ValidationReport``."""
    roots = set(other.subjects(RDF.type, SH.ValidationReport))
    for s, p, o in other:
        if s in roots:
            if p == SH.result:
                report.add((root, SH.result, o))
            continue
        report.add((s, p, o))


def _as_graph(data: Data) -> Graph:
    if isinstance(data, Graph):
        return data
    graph = Graph()
    for quad in data:
        graph.add(triple_to_rdflib(quad.triple))
    return graph


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def outcome_of(report: Graph) -> ValidationOutcome:
    """A report's outcome, its problems read as :func:`validate` reads them (for the
    reports of the incremental validation)."""
    return _outcome(report)

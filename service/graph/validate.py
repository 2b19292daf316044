"""SHACL validation of asserted data, the gate every write passes through.

Only asserted triples are validated: a materialised closure (say, of a transitive property)
would break cardinality shapes written for the direct property.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from service.graph.sparql_cache import install as cache_sparql_translations


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


def validate(data: Graph, shapes: Graph, ontology: Graph) -> ValidationOutcome:
    """Validate ``data`` against ``shapes``; the ontology supplies the class hierarchy.

    pyshacl mutates the graphs it is given, so callers pass graphs they own (the build's,
    or a fresh copy per write request). Every path (build, write gate, dry run) comes here,
    so the one-parse-per-SPARQL-text cache is installed here.
    """
    cache_sparql_translations()
    conforms, report, _ = pyshacl.validate(
        data_graph=data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    assert isinstance(report, Graph)
    problems = _problems(report)
    blocking = any(p.severity == "Violation" for p in problems)
    return ValidationOutcome(
        conforms=bool(conforms) and not blocking, problems=problems, report=report
    )

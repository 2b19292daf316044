"""Reading the W3C SHACL test suite and comparing validation reports the way it means.

The suite (``data-shapes-test-suite``) says a ``sht:Validate`` test passes when the report
is isomorphic to the expected one (``mf:result``) once the messages are set aside: the same
``sh:conforms`` and the same results, each with its focus node, path, value, source shape
(and source constraint, for SPARQL-based ones), constraint component and severity. Both
sides are reduced to exactly those triples (plus the structure of complex paths, which are
blank nodes), then compared with rdflib's graph isomorphism, so that blank nodes
(anonymous shapes, paths, focus nodes) match by structure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from service.store.terms import triple_to_rdflib

SUITE = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "w3c"
    / "data-shapes"
    / "data-shapes-test-suite"
    / "tests"
).resolve()
CORE = SUITE / "core"
MISSING = f"the W3C SHACL test suite is not at {SUITE} (clone ../shared beside the repo)"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

#: What a result is compared on; messages and details are free text an implementation words.
_RESULT_PREDICATES = (
    RDF.type,
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraint,
    SH.sourceConstraintComponent,
    SH.resultSeverity,
)


@dataclass(frozen=True, eq=False)
class ShaclTest:
    """One ``sht:Validate`` entry: where its graphs are and the report it expects."""

    id: str  # e.g. "node/datatype-001", relative to the core folder
    label: str
    data: Path
    shapes: Path
    manifest: Graph
    expected: Node  # the mf:result node in ``manifest``

    def graphs(self) -> tuple[Graph, Graph]:
        """Fresh data and shapes graphs (each validator may add to what it is given)."""
        return _load(self.data), _load(self.shapes)


def _load(path: Path) -> Graph:
    """A Turtle file read as the service reads its sources: with the engine's parser, every
    literal exactly as written (rdflib's own parser would turn "1"^^xsd:boolean into
    "true" and the ill-typed "none"^^xsd:boolean into "false")."""
    graph = Graph()
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
        graph.add(triple_to_rdflib(triple))  # type: ignore[arg-type]
    return graph


def _file(node: Node) -> Path:
    return Path(str(node).removeprefix("file://"))


def core_tests(folder: Path = CORE) -> Iterator[ShaclTest]:
    """Every ``sht:Validate`` test under ``folder``, following ``mf:include`` in order."""
    manifest = _load(folder / "manifest.ttl")
    yield from _tests(manifest, folder / "manifest.ttl", folder)


def _tests(graph: Graph, path: Path, root: Path) -> Iterator[ShaclTest]:
    for node in graph.subjects(RDF.type, MF.Manifest):
        for included in sorted(graph.objects(node, MF.include), key=str):
            child = _file(included)
            yield from _tests(_load(child), child, root)
        entries = graph.value(node, MF.entries)
        if entries is None:
            continue
        for entry in graph.items(entries):
            if (entry, RDF.type, SHT.Validate) not in graph:
                continue
            action = graph.value(entry, MF.action)
            name = str(entry).rsplit("/", 1)[-1]
            yield ShaclTest(
                id=str(path.parent.relative_to(root) / name),
                label=str(graph.value(entry, RDFS.label) or name),
                data=_file(graph.value(action, SHT.dataGraph)),
                shapes=_file(graph.value(action, SHT.shapesGraph)),
                manifest=graph,
                expected=graph.value(entry, MF.result),  # type: ignore[arg-type]
            )


def reduced(graph: Graph, report: Node) -> Graph:
    """The part of a report the suite compares: conforms, and each result's key triples."""
    out = Graph()
    out.add((report, RDF.type, SH.ValidationReport))
    conforms = graph.value(report, SH.conforms)
    if conforms is not None:
        out.add((report, SH.conforms, Literal(bool(Literal(conforms).toPython()))))
    for result in graph.objects(report, SH.result):
        out.add((report, SH.result, result))
        for predicate in _RESULT_PREDICATES:
            for value in graph.objects(result, predicate):
                if predicate == SH.resultPath:
                    value = _copy_tree(graph, value, out)
                out.add((result, predicate, value))
    return out


def _copy_tree(graph: Graph, node: Node, out: Graph) -> Node:
    """A complex path is a tree of blank nodes, compared by its shape: each result gets its
    own copy, whether a report shares one path node between results or not."""
    if not isinstance(node, BNode):
        return node
    copy = BNode()
    for predicate, value in graph.predicate_objects(node):
        out.add((copy, predicate, _copy_tree(graph, value, out)))
    return copy


def report_root(report: Graph) -> Node:
    roots = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(roots) == 1, f"{len(roots)} sh:ValidationReport nodes in the report"
    return roots[0]


def difference(actual: Graph, test: ShaclTest) -> str | None:
    """``None`` when the report is the one the test expects, else what differs, readably."""
    mine = reduced(actual, report_root(actual))
    expected = reduced(test.manifest, test.expected)
    if isomorphic(mine, expected):
        return None
    _, only_mine, only_expected = graph_diff(to_isomorphic(mine), to_isomorphic(expected))
    return (
        f"{test.id}: the report differs from the expected one\n"
        f"  only in ours:\n{_lines(only_mine)}\n  only in the expected report:\n"
        f"{_lines(only_expected)}"
    )


def _lines(graph: Graph) -> str:
    return "\n".join(
        sorted(f"    {s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)  # type: ignore[union-attr]
    )


#: Per validator, per test id: (passed, validated wholly by compiled queries), for the
#: summary printed at the end of a run (``tests/w3c/conftest.py``).
SCORES: dict[str, dict[str, tuple[bool, bool]]] = defaultdict(dict)


def score_lines() -> list[str]:
    lines = []
    for validator, outcomes in SCORES.items():
        passed = sum(ok for ok, _ in outcomes.values())
        line = f"W3C SHACL Core through validate(validator={validator!r}): {passed}/{len(outcomes)}"
        if validator == "sparql":
            compiled = sum(ok and alone for ok, alone in outcomes.values())
            line += f" ({compiled} answered by compiled queries alone, the rest with a fallback)"
        lines.append(line)
    return lines

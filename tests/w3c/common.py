"""Reading W3C test manifests and comparing SPARQL answers the way the test suites mean.

Solutions are compared as multisets, with blank nodes matched by a consistent renaming;
graphs by rdflib's isomorphism check.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD

W3C = (Path(__file__).resolve().parents[2] / ".." / "shared" / "w3c" / "rdf-tests").resolve()
SPARQL11 = W3C / "sparql" / "sparql11"
MISSING = f"the W3C test suites are not at {W3C.resolve()} (clone ../shared beside the repo)"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

Term = URIRef | BNode | Literal
Solution = dict[str, Term]


@dataclass
class EvalTest:
    name: str
    folder: str
    query: Path
    data: list[Path] = field(default_factory=list)
    graph_data: list[Path] = field(default_factory=list)
    result: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}"

    @property
    def result_set(self) -> tuple[bool | None, list[Solution]] | None:
        """Expected solutions written in RDF (the DAWG result-set vocabulary), if so."""
        if self.result is None or self.result.suffix not in (".ttl", ".rdf"):
            return None
        fmt = "turtle" if self.result.suffix == ".ttl" else "xml"
        return parse_rdf_result_set(Graph().parse(self.result, format=fmt))


def _path(node: object) -> Path:
    return Path(str(node).removeprefix("file://"))


def eval_tests(folder: str) -> Iterator[EvalTest]:
    """Query-evaluation tests of one sparql11 folder, in manifest order."""
    manifest_path = SPARQL11 / folder / "manifest.ttl"
    graph = Graph()
    graph.parse(manifest_path, format="turtle", publicID=manifest_path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = graph.value(manifest, MF.entries)
    for entry in Collection(graph, entries):
        kind = graph.value(entry, RDF.type)
        if kind not in (MF.QueryEvaluationTest, MF.CSVResultFormatTest):
            continue
        if graph.value(entry, DAWGT.approval) == DAWGT.Withdrawn:
            continue
        action = graph.value(entry, MF.action)
        result = graph.value(entry, MF.result)
        yield EvalTest(
            name=str(entry).rsplit("#", 1)[-1],
            folder=folder,
            query=_path(graph.value(action, QT.query)),
            data=sorted(_path(d) for d in graph.objects(action, QT.data)),
            graph_data=sorted(_path(d) for d in graph.objects(action, QT.graphData)),
            result=_path(result) if result is not None else None,
        )


# -- parsing SPARQL results ------------------------------------------------------------------

_SRX = "{http://www.w3.org/2005/sparql-results#}"


def _srx_term(node: ElementTree.Element) -> Term:
    if node.tag == _SRX + "uri":
        return URIRef(node.text or "")
    if node.tag == _SRX + "bnode":
        return BNode(node.text or "")
    lang = node.get("{http://www.w3.org/XML/1998/namespace}lang")
    datatype = node.get("datatype")
    return Literal(node.text or "", lang=lang, datatype=URIRef(datatype) if datatype else None)


def parse_srx(data: bytes) -> tuple[bool | None, list[Solution]]:
    root = ElementTree.fromstring(data)
    boolean = root.find(_SRX + "boolean")
    if boolean is not None:
        return (boolean.text or "").strip() == "true", []
    rows = []
    for result in root.iter(_SRX + "result"):
        row: Solution = {}
        for binding in result.findall(_SRX + "binding"):
            row[binding.get("name") or ""] = _srx_term(binding[0])
        rows.append(row)
    return None, rows


def _srj_term(value: dict[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    datatype = value.get("datatype")
    return Literal(
        value["value"], lang=value.get("xml:lang"), datatype=URIRef(datatype) if datatype else None
    )


def parse_srj(data: bytes) -> tuple[bool | None, list[Solution]]:
    body = json.loads(data)
    if "boolean" in body:
        return bool(body["boolean"]), []
    return None, [{k: _srj_term(v) for k, v in row.items()} for row in body["results"]["bindings"]]


def _tsv_term(text: str) -> Term | None:
    if text == "":
        return None
    graph = Graph()
    graph.parse(data=f"<urn:s> <urn:p> {text} .", format="turtle")
    term = next(iter(graph.objects()))
    assert isinstance(term, URIRef | BNode | Literal)
    if isinstance(term, Literal) and term.datatype is None and term.language is None:
        return Literal(str(term))
    return term


def parse_tsv(data: bytes) -> list[Solution]:
    lines = data.decode("utf-8").split("\n")
    names = [v.lstrip("?$") for v in lines[0].rstrip("\r").split("\t")]
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        row: Solution = {}
        for name, cell in zip(names, line.rstrip("\r").split("\t"), strict=False):
            term = _tsv_term(cell)
            if term is not None:
                row[name] = term
        rows.append(row)
    return rows


def parse_csv(data: bytes) -> list[dict[str, object]]:
    """CSV keeps only lexical forms: rows of strings, blank nodes (``_:x``) told apart."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader)
    return [
        {
            n: BNode(v[2:]) if v.startswith("_:") else v
            for n, v in zip(header, row, strict=False)
            if v != ""
        }
        for row in reader
    ]


# -- comparing ---------------------------------------------------------------------------------


_NUMERIC = {str(XSD.integer), str(XSD.decimal), str(XSD.double), str(XSD.float)}


def _normal(term: object) -> object:
    """Compare literals by datatype and value for numbers (``2.0`` is ``2.00``), else by
    lexical form, datatype and (lower-cased) language tag."""
    if isinstance(term, Literal) and str(term.datatype) in _NUMERIC:
        try:
            return ("N", float(str(term)), str(term.datatype))
        except ValueError:
            pass
    if isinstance(term, str) and not isinstance(term, URIRef | BNode | Literal):
        try:  # a CSV cell: numbers by value too, as for typed literals
            return ("N", float(term), "")
        except ValueError:
            return ("S", term)
    if isinstance(term, Literal):
        datatype = term.datatype
        if datatype is None and term.language is None:
            datatype = XSD.string
        return ("L", str(term), str(datatype or ""), (term.language or "").lower())
    if isinstance(term, BNode):
        return ("B", str(term))
    return ("U", str(term))


def _row_match(
    row: dict[str, object], other: dict[str, object], mapping: dict[str, str]
) -> dict[str, str] | None:
    """``mapping`` extended so that ``row`` equals ``other``, or None if it cannot be."""
    if row.keys() != other.keys():
        return None
    extended = dict(mapping)
    used = set(extended.values())
    for name, term in row.items():
        theirs = other[name]
        if isinstance(term, BNode) and isinstance(theirs, BNode):
            bound = extended.get(str(term))
            if bound is None:
                if str(theirs) in used:
                    return None
                extended[str(term)] = str(theirs)
                used.add(str(theirs))
            elif bound != str(theirs):
                return None
        elif _normal(term) != _normal(theirs):
            return None
    return extended


def same_solutions(actual: list[dict[str, object]], expected: list[dict[str, object]]) -> bool:
    """Multiset equality up to a consistent renaming of blank nodes (row-wise search)."""
    if len(actual) != len(expected):
        return False
    if not any(isinstance(t, BNode) for r in (*actual, *expected) for t in r.values()):
        key = lambda r: tuple(sorted((n, _normal(t)) for n, t in r.items()))  # noqa: E731
        return Counter(map(key, actual)) == Counter(map(key, expected))
    return _search(actual, expected, [False] * len(expected), {})


def _search(
    actual: list[dict[str, object]],
    expected: list[dict[str, object]],
    taken: list[bool],
    mapping: dict[str, str],
) -> bool:
    index = taken.count(True)
    if index == len(actual):
        return True
    for j, other in enumerate(expected):
        if taken[j]:
            continue
        extended = _row_match(actual[index], other, mapping)
        if extended is None:
            continue
        taken[j] = True
        if _search(actual, expected, taken, extended):
            return True
        taken[j] = False
    return False


RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")


def parse_rdf_result_set(graph: Graph) -> tuple[bool | None, list[Solution]] | None:
    """The DAWG result-set vocabulary (results written as RDF), or None if not one."""
    result_set = next(graph.subjects(RDF.type, RS.ResultSet), None)
    if result_set is None:
        return None
    boolean = graph.value(result_set, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython()), []
    rows = []
    for solution in graph.objects(result_set, RS.solution):
        row: Solution = {}
        for binding in graph.objects(solution, RS.binding):
            value = graph.value(binding, RS.value)
            assert isinstance(value, URIRef | BNode | Literal)
            row[str(graph.value(binding, RS.variable))] = value
        rows.append(row)
    return None, rows

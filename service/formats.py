"""The RDF and SPARQL-results serialisations the project reads and writes.

One table links media types, file extensions and the engine's format objects, so that
parsing, dumping and content negotiation all agree on the same names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service.errors import UnsupportedFormat
from service.jsonld import compact
from service.namespaces import PREFIXES


class FormatKind(StrEnum):
    RDF = "rdf"
    RESULTS = "results"


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name (for ``format=``), media type and extensions."""

    name: str
    media_type: str
    kind: FormatKind
    extensions: tuple[str, ...]
    datasets: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def rdflib_name(self) -> str:
        """The name rdflib's parser and serialiser plugins know this format by."""
        return _RDFLIB_NAMES[self.name]

    @property
    def oxigraph_rdf(self) -> ox.RdfFormat:
        found = ox.RdfFormat.from_media_type(self.media_type)
        assert found is not None, self.media_type
        return found

    @property
    def oxigraph_results(self) -> ox.QueryResultsFormat:
        found = ox.QueryResultsFormat.from_media_type(self.media_type)
        assert found is not None, self.media_type
        return found


TURTLE = Format("turtle", "text/turtle", FormatKind.RDF, (".ttl",), aliases=("ttl",))
NTRIPLES = Format("ntriples", "application/n-triples", FormatKind.RDF, (".nt",), aliases=("nt",))
NQUADS = Format("nquads", "application/n-quads", FormatKind.RDF, (".nq",), True, ("nq",))
TRIG = Format("trig", "application/trig", FormatKind.RDF, (".trig",), True)
JSONLD = Format(
    "jsonld", "application/ld+json", FormatKind.RDF, (".jsonld", ".json"), True, ("json-ld",)
)
RDFXML = Format("rdfxml", "application/rdf+xml", FormatKind.RDF, (".rdf", ".owl"), aliases=("xml",))

RESULTS_JSON = Format(
    "json", "application/sparql-results+json", FormatKind.RESULTS, (".srj",), aliases=("srj",)
)
RESULTS_XML = Format(
    "xml", "application/sparql-results+xml", FormatKind.RESULTS, (".srx",), aliases=("srx",)
)
RESULTS_CSV = Format("csv", "text/csv", FormatKind.RESULTS, (".csv",))
RESULTS_TSV = Format("tsv", "text/tab-separated-values", FormatKind.RESULTS, (".tsv",))

_RDFLIB_NAMES = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}

RDF_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)


def rdf_format_for_path(path: Path) -> Format:
    """The RDF format a file's extension announces."""
    suffix = path.suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    raise UnsupportedFormat(path.name)


def rdf_format_for_media_type(media_type: str) -> Format:
    """The RDF format for a Content-Type value (parameters such as charset are ignored)."""
    bare = media_type.split(";", 1)[0].strip().lower()
    for fmt in RDF_FORMATS:
        if fmt.media_type == bare:
            return fmt
    if bare in ("application/x-turtle", "text/n3"):
        return TURTLE
    if bare in ("text/plain",):
        return NTRIPLES
    raise UnsupportedFormat(media_type)


def rdf_extensions() -> frozenset[str]:
    """Every file extension the build reads."""
    return frozenset(ext for fmt in RDF_FORMATS for ext in fmt.extensions if ext != ".json")


#: Formats that can declare prefixes, so that their answers read ``rdfs:label``.
_PREFIXED = ("turtle", "trig", "rdfxml")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Literals written without their datatype: no prefix is needed for them.
_PLAIN = (
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
)


def _namespace(iri: str) -> str:
    return iri[: max(iri.rfind("#"), iri.rfind("/")) + 1]


def _by_subject(triples: Iterable[ox.Triple]) -> tuple[list[ox.Triple], set[str]]:
    """The triples with each subject's together (first seen first), its types then its
    properties by name; and the namespaces of every IRI they use."""
    groups: dict[object, list[ox.Triple]] = {}
    namespaces: set[str] = set()
    for triple in triples:
        groups.setdefault(triple.subject, []).append(triple)
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                namespaces.add(_namespace(term.value))
            elif isinstance(term, ox.Literal) and term.datatype.value not in _PLAIN:
                namespaces.add(_namespace(term.datatype.value))

    def order(triple: ox.Triple) -> tuple[bool, str]:
        return triple.predicate.value != _RDF_TYPE, triple.predicate.value

    return [t for group in groups.values() for t in sorted(group, key=order)], namespaces


def write_triples(
    triples: Iterable[ox.Triple], fmt: Format, *, context: str | None = None
) -> bytes:
    """Triples written to be read: each subject's triples together, with the project's
    prefixes (those the triples use) in Turtle, TriG and RDF/XML, and JSON-LD compacted
    against ``context`` (the published context's URL; None embeds it). A dataset format
    puts the triples in the default graph.

    The engine writes triples in the order it found them, so the same subject came back in
    several blocks and IRIs in full; this costs a sort, small next to the query.
    """
    ordered, namespaces = _by_subject(triples)
    if fmt.name == "jsonld":
        return compact(ordered, context)
    prefixes = None
    if fmt.name in _PREFIXED:
        prefixes = {p: ns for p, ns in PREFIXES.items() if ns in namespaces}
    items: list[ox.Triple] | list[ox.Quad] = ordered
    if fmt.datasets:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in ordered]
    out = ox.serialize(items, format=fmt.oxigraph_rdf, prefixes=prefixes)
    assert out is not None
    return out


def rewrite_ntriples(ntriples: bytes, fmt: Format, *, context: str | None = None) -> bytes:
    """N-Triples (what the engine writes fastest) in ``fmt``, by :func:`write_triples`."""
    return write_triples(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), fmt, context=context)


def serialize_graph(graph: Graph, fmt: Format, *, context: str | None = None) -> bytes:
    """A small graph built in Python (descriptions, reports) written by :func:`write_triples`,
    whatever the format: a dataset format gets the graph as its default graph."""
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    assert isinstance(ntriples, bytes)
    return rewrite_ntriples(ntriples, fmt, context=context)

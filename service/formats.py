"""The RDF and SPARQL-results serialisations the project reads and writes.

One table links media types, file extensions and the engine's format objects, so that
parsing, dumping and content negotiation all agree on the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from service.errors import UnsupportedFormat


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


def serialize_graph(graph: Graph, fmt: Format) -> bytes:
    """A small graph built in Python (descriptions, reports) written out with rdflib."""
    out = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    assert isinstance(out, bytes)
    return out

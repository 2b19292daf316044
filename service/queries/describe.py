"""The catalogue as RDF, the way SIB's ``sparql-examples`` publishes its queries.

Each query is a ``sh:SPARQLExecutable`` (and ``sh:SPARQLSelectExecutable`` /
``sh:SPARQLConstructExecutable`` / ``sh:SPARQLAskExecutable``) carrying its text in
``sh:select``/``sh:construct``/``sh:ask``, bilingual ``rdfs:label`` and ``rdfs:comment``,
``schema:keywords`` for its tags and ``schema:target`` for the endpoint it runs against, so
that generic tools (query editors, the SIB validators) can list and run our examples.
"""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

from service.queries.catalogue import CannedQuery, Catalogue
from service.store.base import QueryKind

SCHEMA = Namespace("https://schema.org/")

_EXECUTABLE = {
    QueryKind.SELECT: (SH.SPARQLSelectExecutable, SH.select),
    QueryKind.ASK: (SH.SPARQLAskExecutable, SH.ask),
    QueryKind.GRAPH: (SH.SPARQLConstructExecutable, SH.construct),
}


def query_iri(base: str, query: CannedQuery) -> URIRef:
    """The query's identifier: ``<public base>queries/<area>/<name>``."""
    return URIRef(f"{base}queries/{query.id}")


def describe(catalogue: Catalogue, base: str, endpoint: str) -> Graph:
    """One graph describing every query of the catalogue."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("schema", SCHEMA)
    graph.bind("rdfs", RDFS)
    for query in catalogue:
        node = query_iri(base, query)
        kind_class, text_property = _EXECUTABLE[query.kind]
        graph.add((node, RDF.type, SH.SPARQLExecutable))
        graph.add((node, RDF.type, kind_class))
        for lang in ("fr", "en"):
            graph.add((node, RDFS.label, Literal(query.header.summary[lang], lang=lang)))
            graph.add((node, RDFS.comment, Literal(query.header.description[lang], lang=lang)))
        graph.add((node, text_property, Literal(query.text)))
        graph.add((node, SCHEMA.target, URIRef(endpoint)))
        graph.add((node, SCHEMA.identifier, Literal(query.id)))
        for tag in query.header.tags:
            graph.add((node, SCHEMA.keywords, Literal(tag)))
    return graph

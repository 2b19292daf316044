"""The queries every client runs, the engine's own answers to them, and one spelling of terms.

Each client hands answers back in its own currency (JSON dictionaries, DOM nodes, rdflib
terms, CSV text, Jena's and Comunica's outputs). Each is turned into N-Triples term strings
(``<iri>``, ``"v"@fr``, ``"12"^^<…#integer>``), so that a row compares with the oracle's
row exactly, datatypes and language tags included. CSV keeps no term types, so a CSV answer
compares with the oracle's lexical forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

PREFIXES = (
    "PREFIX ess: <https://w3id.org/esskg/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
#: French labels of every SPASER: IRIs, language-tagged literals with accents, in order.
SELECT = PREFIXES + (
    "SELECT ?spaser ?label WHERE { ?spaser a ess:SPASER ; rdfs:label ?label "
    'FILTER(LANG(?label) = "fr") } ORDER BY ?spaser ?label'
)
#: Quantified targets: integers and decimals, years, and unbound values.
TYPED = PREFIXES + (
    "SELECT ?target ?value ?year WHERE { ?target ess:targetValue ?value "
    "OPTIONAL { ?target ess:targetYear ?year } } ORDER BY ?target ?value"
)
ASK_TRUE = PREFIXES + "ASK { ?spaser a ess:SPASER }"
ASK_FALSE = PREFIXES + "ASK { ?spaser a <http://example.org/interop/Nothing> }"
CONSTRUCT = PREFIXES + (
    "CONSTRUCT { ?spaser a ess:SPASER ; rdfs:label ?label } "
    "WHERE { ?spaser a ess:SPASER ; rdfs:label ?label }"
)
#: Where each client writes: a graph of its own, read back over the Graph Store Protocol.
WRITES = "http://example.org/interop/"

Row = dict[str, str]


def ox_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """The N-Triples spelling of an engine term (blank nodes as ``_:``)."""
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def json_term(term: Mapping[str, Any]) -> str:
    """A term of the SPARQL JSON results format."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return str(ox.NamedNode(value))
    if kind == "bnode":
        return "_:"
    datatype = term.get("datatype")
    literal = ox.Literal(
        value,
        language=term.get("xml:lang"),
        datatype=ox.NamedNode(datatype) if datatype and not term.get("xml:lang") else None,
    )
    return str(literal)


def json_rows(document: Mapping[str, Any]) -> list[Row]:
    return [
        {name: json_term(term) for name, term in binding.items()}
        for binding in document["results"]["bindings"]
    ]


def rdflib_term(term: Node) -> str:
    """An rdflib term (what rdflib's result parsers and SPARQLWrapper's graphs give)."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, BNode):
        return "_:"
    assert isinstance(term, Literal), term
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
    return str(ox.Literal(str(term), datatype=datatype))


def lexical(term: str) -> str:
    """What CSV keeps of a term: an IRI's text, a literal's lexical form."""
    parsed = ox.parse(f"<urn:s> <urn:p> {term} .", format=ox.RdfFormat.N_TRIPLES)
    value = next(iter(parsed)).object
    return "" if isinstance(value, ox.BlankNode) else value.value


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    data = "".join(f"{t} .\n" for t in triples)
    return Graph().parse(data=data, format="nt")


class Oracle:
    """The engine's answers over the build's snapshot, whose default graph holds the union of
    all graphs as a set, as the served store's does (``service.store.union``)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def _query(self, text: str) -> Any:
        return self.store.query(text)

    def rows(self, text: str) -> list[Row]:
        solutions = self._query(text)
        names = [v.value for v in solutions.variables]
        return [
            {name: ox_term(s[name]) for name in names if s[name] is not None} for s in solutions
        ]

    def lexical_rows(self, text: str) -> list[list[str]]:
        """Rows as CSV has them: every variable, in order, '' where unbound."""
        solutions = self._query(text)
        names = [v.value for v in solutions.variables]
        return [
            [lexical(ox_term(s[n])) if s[n] is not None else "" for n in names] for s in solutions
        ]

    def variables(self, text: str) -> list[str]:
        return [v.value for v in self._query(text).variables]

    def ask(self, text: str) -> bool:
        return bool(self._query(text))

    def graph(self, text: str) -> Graph:
        return rdflib_graph(self._query(text))


def same_graph(got: Graph, expected: Graph) -> bool:
    """Equal up to blank node names, and not empty (a vacuous pass proves nothing)."""
    return len(expected) > 0 and isomorphic(got, expected)

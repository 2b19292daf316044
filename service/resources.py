"""What the graph says about one resource: the data behind ``/id/…``, ``/data/…``, ``/page/…``.

A description is the resource's symmetric concise bounded description: the triples it is the
subject of (with the blank nodes they lead to) and the triples that point at it, so that an
application following links sees both directions without writing SPARQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice

from rdflib import Literal, URIRef

from service.formats import Format
from service.namespaces import INFERRED_GRAPH
from service.sparql.answers import write_answer
from service.sparql.execution import Answer
from service.store.base import QueryKind, QueryResult, Row, Store, Term
from service.store.terms import checked_iri

_DESCRIBE = """
CONSTRUCT { ?r ?p ?o . ?o ?p2 ?o2 . ?s ?pi ?r }
WHERE {
  { ?r ?p ?o OPTIONAL { FILTER(isBlank(?o)) ?o ?p2 ?o2 } }
  UNION
  { ?s ?pi ?r }
}
"""

_EXISTS = "ASK WHERE { { ?r ?p ?o } UNION { ?s ?p ?r } }"

#: A value's label in the page's language (``?lang``), else in French: values are shown by
#: name, concepts by their ``skos:prefLabel``.
_LABEL_OF = """
  OPTIONAL {{ {node} rdfs:label|skos:prefLabel ?wanted FILTER(langMatches(lang(?wanted), ?lang)) }}
  OPTIONAL {{ {node} rdfs:label|skos:prefLabel ?french FILTER(langMatches(lang(?french), "fr")) }}
  BIND(COALESCE(?wanted, ?french) AS ?label)
"""

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_OUTGOING = (
    _PREFIXES
    + "SELECT ?p ?o ?g ?label WHERE {\n  GRAPH ?g { ?r ?p ?o }"
    + _LABEL_OF.format(node="?o")
    + "}"
)

_INCOMING = (
    _PREFIXES
    + "SELECT ?s ?p ?g ?label WHERE {\n  GRAPH ?g { ?s ?p ?r }"
    + _LABEL_OF.format(node="?s")
    + "}"
)

_LABELS = _PREFIXES + "SELECT ?label WHERE { ?r rdfs:label|skos:prefLabel ?label }"


def resource_iri(public_base: str, path: str) -> URIRef:
    """The persistent IRI of the resource served under ``/id/<path>`` (:class:`InvalidIri`
    when the path cannot be part of one: a space, a control character, a bad escape)."""
    return URIRef(checked_iri(f"{public_base}id/{path}", "path"))


def exists(store: Store, iri: URIRef) -> bool:
    return store.ask(_EXISTS, bindings={"r": iri})


def describe(store: Store, iri: URIRef) -> QueryResult:
    """The resource's description, for the engine to serialise in the negotiated format."""
    return store.query(_DESCRIBE, bindings={"r": iri})


def description(
    store: Store, iri: URIRef, fmt: Format, cap: int, context: str | None = None
) -> Answer | None:
    """``/data``: at most ``cap`` triples of the description, or None for an unknown IRI;
    ``context`` is the URL of the JSON-LD context a JSON-LD answer refers to.

    Run as a job of the query engine (``AppState.read``), like every read of a request."""
    if not exists(store, iri):
        return None
    body, truncated = write_answer(describe(store, iri), fmt, cap, context=context)
    return Answer(QueryKind.GRAPH, fmt, body, truncated)


def known_page(store: Store, iri: URIRef, lang: str, cap: int) -> Page | None:
    """``/page``: the page's statements (at most ``cap`` each way), or None for an unknown IRI.

    Run as a job of the query engine (``AppState.read``), like every read of a request."""
    return capped_page(store, iri, lang, cap) if exists(store, iri) else None


def capped_page(store: Store, iri: URIRef, lang: str, cap: int) -> Page:
    """:func:`page` with at most ``cap`` statements each way (a job of the query engine)."""
    return page(store, iri, lang, cap=cap)


@dataclass(frozen=True)
class Statement:
    """One triple about the resource, with the graph (the source) that states it."""

    predicate: URIRef
    value: Term
    value_label: str | None
    graph: str

    @property
    def inferred(self) -> bool:
        return self.graph == INFERRED_GRAPH


@dataclass
class Page:
    """What a person reading the resource's page needs, in display order."""

    iri: URIRef
    labels: dict[str, str] = field(default_factory=dict)
    outgoing: dict[URIRef, list[Statement]] = field(default_factory=dict)
    incoming: dict[URIRef, list[Statement]] = field(default_factory=dict)

    def title(self, lang: str = "fr") -> str:
        return (
            self.labels.get(lang)
            or self.labels.get("fr")
            or self.labels.get("en")
            or next(iter(self.labels.values()), str(self.iri))
        )


def _label(value: object) -> str | None:
    return str(value) if isinstance(value, Literal) else None


def page(store: Store, iri: URIRef, lang: str = "fr", *, cap: int | None = None) -> Page:
    """Everything stated about ``iri``, grouped by property, each with its source graph and
    the other end's label in ``lang`` (else French), at most ``cap`` statements each way."""
    result = Page(iri)
    bindings: dict[str, Term] = {"r": iri, "lang": Literal(lang)}

    def rows(text: str, bound: dict[str, Term]) -> list[Row]:
        return list(islice(store.query(text, bindings=bound).rows(), cap))

    for row in rows(_LABELS, {"r": iri}):
        label = row["label"]
        if isinstance(label, Literal):
            result.labels.setdefault(label.language or "", str(label))
    result.outgoing = _grouped(rows(_OUTGOING, bindings), "o")
    result.incoming = _grouped(rows(_INCOMING, bindings), "s")
    return result


def _grouped(rows: list[Row], other: str) -> dict[URIRef, list[Statement]]:
    """Rows of (predicate, the other end, its label, graph) grouped by predicate, sorted."""
    groups: dict[URIRef, list[Statement]] = defaultdict(list)
    for row in rows:
        predicate = row["p"]
        assert isinstance(predicate, URIRef)
        groups[predicate].append(
            Statement(predicate, row[other], _label(row.get("label")), str(row["g"]))
        )
    return {p: sorted(v, key=_order) for p, v in sorted(groups.items())}


def _order(statement: Statement) -> tuple[bool, str, str]:
    return (statement.inferred, str(statement.value), statement.graph)

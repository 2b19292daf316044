"""A resource's page as a person reads it: properties by their ontology labels, each value
once with every source graph that states it, dates and numbers the French way."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF

from service.api.web.formatting import compact, literal_text, local_href
from service.api.web.vocabulary import Vocabulary
from service.namespaces import GRAPH, INFERRED_GRAPH
from service.resources import Page, Statement
from service.store.base import Term


@dataclass(frozen=True)
class SourceLink:
    iri: str
    name: str
    href: str | None  # None for the inferred graph: there is no page that states it


@dataclass
class ValueView:
    text: str
    href: str | None
    lang: str | None
    sources: list[SourceLink] = field(default_factory=list)

    @property
    def inferred_only(self) -> bool:
        return all(s.href is None for s in self.sources)


@dataclass
class PropertyRow:
    predicate: str
    label: str
    values: list[ValueView]


@dataclass
class ResourceView:
    iri: str
    title: str
    other_labels: list[tuple[str, str]]
    outgoing: list[PropertyRow]
    incoming: list[PropertyRow]


def source_link(graph: str) -> SourceLink:
    if graph == INFERRED_GRAPH:
        return SourceLink(graph, "inferred", None)
    name = graph[len(GRAPH) :] if graph.startswith(GRAPH) else graph
    return SourceLink(graph, name.removeprefix("source/"), local_href(graph))


def _value(statement: Statement, vocab: Vocabulary, lang: str, public_base: str) -> ValueView:
    term: Term = statement.value
    if isinstance(term, URIRef):
        iri = str(term)
        text = statement.value_label or (
            vocab.label(iri, lang) if iri in vocab.labels else compact(iri)
        )
        return ValueView(text, local_href(iri, public_base), None)
    if isinstance(term, BNode):
        return ValueView(f"_:{term}", None, None)
    assert isinstance(term, Literal)
    return ValueView(literal_text(term, lang), None, term.language)


def _rows(
    groups: dict[URIRef, list[Statement]], vocab: Vocabulary, lang: str, public_base: str
) -> list[PropertyRow]:
    rows = []
    for predicate, statements in groups.items():
        values: dict[Term, ValueView] = {}
        for statement in statements:
            view = values.get(statement.value)
            if view is None:
                view = values[statement.value] = _value(statement, vocab, lang, public_base)
            link = source_link(statement.graph)
            if link not in view.sources:
                view.sources.append(link)
        for view in values.values():
            view.sources.sort(key=lambda s: (s.href is None, s.name))
        ordered = sorted(values.values(), key=lambda v: (v.inferred_only, v.text.lower()))
        rows.append(PropertyRow(str(predicate), vocab.label(str(predicate), lang), ordered))
    rows.sort(key=lambda r: (r.predicate != str(RDF.type), r.label.lower()))
    return rows


def resource_view(page: Page, vocab: Vocabulary, lang: str, public_base: str) -> ResourceView:
    title = page.title(lang)
    others = [(code, text) for code, text in sorted(page.labels.items()) if text != title and code]
    return ResourceView(
        str(page.iri),
        title,
        others,
        _rows(page.outgoing, vocab, lang, public_base),
        _rows(page.incoming, vocab, lang, public_base),
    )


def query_link(iri: str) -> str:
    """The editor, opened on a query listing what every graph says about ``iri``."""
    text = (
        "SELECT ?property ?value ?graph WHERE {\n"
        f"  GRAPH ?graph {{ <{iri}> ?property ?value }}\n"
        "}\nORDER BY ?property ?value"
    )
    return "/editor?" + urlencode({"query": text})

"""What the home page says the graph holds: counts by class and named graph, the source
pages with their provenance, and when the data was built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Literal, URIRef

from service.api.web.formatting import format_number, literal_text
from service.api.web.vocabulary import Vocabulary
from service.graph.build import current_build, read_manifest
from service.namespaces import DEF, GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.settings import Settings
from service.store.base import Store

_CLASSES = f"""
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?c }}
  FILTER(?g NOT IN (<{INFERRED_GRAPH}>, <{ONTOLOGY_GRAPH}>, <{SHAPES_GRAPH}>))
  FILTER(STRSTARTS(STR(?c), "{DEF}"))
}} GROUP BY ?c ORDER BY DESC(?n) ?c
"""

_SOURCES = f"""
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX ess: <{DEF}>
SELECT ?src ?title ?date ?publisher ?publisherLabel ?restricted WHERE {{
  ?src a ess:SourcePage .
  OPTIONAL {{ ?src rdfs:label ?title }}
  OPTIONAL {{ ?src dcterms:date ?date }}
  OPTIONAL {{ ?src dcterms:publisher ?publisher }}
  OPTIONAL {{ ?publisher rdfs:label ?publisherLabel
             FILTER(langMatches(lang(?publisherLabel), ?lang)) }}
  OPTIONAL {{ ?src ess:accessRestricted ?restricted }}
}} ORDER BY ?date ?src
"""


@dataclass(frozen=True)
class Counted:
    iri: str
    name: str
    label: str
    count: str


@dataclass(frozen=True)
class Source:
    iri: str
    title: str
    date: str
    publisher: str | None
    publisher_label: str
    restricted: bool
    triples: str


@dataclass(frozen=True)
class Overview:
    triples_text: str
    classes: list[Counted]
    graph_counts: list[Counted]
    sources: list[Source]
    built: str | None


def overview(
    store: Store,
    settings: Settings,
    vocab: Vocabulary,
    lang: str,
    counted: Callable[[], tuple[int, dict[str, int]]] | None = None,
) -> Overview:
    """The home page's figures. ``counted``: the triples in all and per graph, when the
    caller knows them without a count of the store (the build's, served unchanged:
    :meth:`service.api.runtime.AppState.counts`)."""
    if counted is not None:
        total, counts = counted()
    else:
        counts = {name: store.count(name, all_graphs=False) for name in store.graph_names()}
        total = store.count()
    classes = [
        Counted(
            str(row["c"]),
            str(row["c"])[len(DEF) :],
            vocab.label(str(row["c"]), lang),
            format_number(str(row["n"]), lang),
        )
        for row in store.select(_CLASSES)
    ]
    graphs = []
    for name in sorted(counts):
        short = name[len(GRAPH) :] if name.startswith(GRAPH) else name
        graphs.append(Counted(name, short, short, format_number(str(counts[name]), lang)))
    sources: dict[str, Source] = {}
    for row in store.select(_SOURCES, bindings={"lang": Literal(lang)}):
        iri = str(row["src"])
        if iri in sources:
            continue
        date = row.get("date")
        publisher = row.get("publisher")
        restricted = row.get("restricted")
        sources[iri] = Source(
            iri,
            str(row.get("title") or iri.rsplit("/", 1)[-1]),
            literal_text(date, lang) if isinstance(date, Literal) else "",
            str(publisher) if isinstance(publisher, URIRef) else None,
            str(row.get("publisherLabel") or ""),
            isinstance(restricted, Literal) and restricted.toPython() is True,
            format_number(str(counts.get(iri, 0)), lang),
        )
    folder = current_build(settings)
    manifest = read_manifest(folder) if folder is not None else None
    built = manifest.built_at[:19].replace("T", " ") + " UTC" if manifest else None
    return Overview(
        format_number(str(total), lang),
        classes,
        graphs,
        list(sources.values()),
        built,
    )

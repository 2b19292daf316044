"""Answers written for their readers: compact JSON-LD (``service.jsonld``), Turtle with
prefixes (``service.formats``), ASK as a table (``service.sparql.answers``), and syntax
errors that name the missing prefix (``service.sparql.diagnostics``)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from service.formats import JSONLD, NQUADS, RESULTS_CSV, RESULTS_TSV, TURTLE, rewrite_ntriples
from service.jsonld import compact, context_document
from service.sparql.answers import ask_table
from service.sparql.diagnostics import undeclared_prefix
from service.sparql.safety import scan

TTL = """\
@prefix ess: <https://w3id.org/esskg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/esskg/id/spaser/x> a ess:SPASER ;
    rdfs:label "Schéma \\"x\\""@fr, "Scheme x"@en ;
    ess:adoptedOn "2019-06-20"^^xsd:date ;
    ess:hasAxis [ rdfs:label "plain" ] ;
    <http://example.org/odd> <https://schema.org///not-a-compact-iri> .
<http://example.org/other> <http://example.org/p> "1.50"^^xsd:decimal .
"""
#: The same triples as N-Triples, what the engine hands the writers.
NT = Graph().parse(data=TTL, format="turtle").serialize(format="nt")


def triples() -> list[ox.Triple]:
    return list(ox.parse(NT.encode(), format=ox.RdfFormat.N_TRIPLES))


def test_compact_json_ld_reads_back_to_the_same_triples() -> None:
    document = compact(triples(), None)
    graph = Graph().parse(data=document, format="json-ld")
    assert isomorphic(graph, Graph().parse(data=NT, format="nt"))


def test_compact_json_ld_has_each_node_once_with_prefixed_names() -> None:
    document = json.loads(compact(triples(), "http://x/context.jsonld"))
    assert document["@context"] == "http://x/context.jsonld"
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids)) == 3
    nodes = {node["@id"]: node for node in document["@graph"]}
    spaser = nodes["https://w3id.org/esskg/id/spaser/x"]
    assert spaser["@type"] == "ess:SPASER"
    assert sorted(spaser["rdfs:label"], key=str) == sorted(
        [{"@value": 'Schéma "x"', "@language": "fr"}, {"@value": "Scheme x", "@language": "en"}],
        key=str,
    )
    assert spaser["ess:adoptedOn"] == {"@value": "2019-06-20", "@type": "xsd:date"}
    assert spaser["http://example.org/odd"] == {"@id": "https://schema.org///not-a-compact-iri"}
    other = nodes["http://example.org/other"]
    assert other["http://example.org/p"] == {"@value": "1.50", "@type": "xsd:decimal"}


def test_the_published_context_is_prefixes_only() -> None:
    context = context_document()["@context"]
    assert context["ess"] == "https://w3id.org/esskg/def#"
    assert all(isinstance(iri, str) and iri[-1] in "#/" for iri in context.values())


def test_turtle_declares_the_prefixes_it_uses_and_groups_subjects() -> None:
    text = rewrite_ntriples(NT.encode(), TURTLE).decode()
    assert "@prefix ess: <https://w3id.org/esskg/def#> ." in text
    assert "@prefix foaf:" not in text
    assert text.count("<https://w3id.org/esskg/id/spaser/x> a ess:SPASER") == 1
    assert isomorphic(
        Graph().parse(data=text, format="turtle"), Graph().parse(data=NT, format="nt")
    )


def test_a_dataset_format_gets_the_triples_in_its_default_graph() -> None:
    quads = list(ox.parse(rewrite_ntriples(NT.encode(), NQUADS), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(triples())
    assert {q.graph_name for q in quads} == {ox.DefaultGraph()}


def test_json_ld_through_the_same_door() -> None:
    document = json.loads(rewrite_ntriples(NT.encode(), JSONLD))
    assert isinstance(document["@context"], dict)  # standing alone: the context is inside


@pytest.mark.parametrize(
    ("answer", "fmt", "expected"),
    [
        (True, RESULTS_CSV, b"_askResult\r\ntrue\r\n"),
        (False, RESULTS_CSV, b"_askResult\r\nfalse\r\n"),
        (True, RESULTS_TSV, b"?_askResult\ntrue\n"),
    ],
)
def test_ask_as_a_table_has_fusekis_header(answer: bool, fmt: object, expected: bytes) -> None:
    assert ask_table(answer, fmt) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SELECT * WHERE { ?s ess:x ?o }",
            "unknown prefix `ess:` — add `PREFIX ess: <https://w3id.org/esskg/def#>`",
        ),
        (
            "PREFIX a: <x:>\nSELECT * {\n ?s a:b zz:c }",
            "unknown prefix `zz:` — add `PREFIX zz: <…>`",
        ),
        ("SELECT * { ?s <http://a:b/c> 'ess:not' } # ess:comment", None),
        ("PREFIX ess: <https://w3id.org/esskg/def#> ASK { ?s a ess:SPASER }", None),
        (
            "INSERT DATA { <a:b> skos:c 1 }",
            "unknown prefix `skos:` — add `PREFIX skos: <http://www.w3.org/2004/02/skos/core#>`",
        ),
    ],
)
def test_an_undeclared_prefix_is_named_with_the_line_to_add(
    text: str, expected: str | None
) -> None:
    found = undeclared_prefix(text, scan(text))
    assert (found.message if found is not None else None) == expected


def test_the_prefix_error_points_at_its_use() -> None:
    text = "PREFIX a: <x:>\nSELECT * {\n ?s a:b zz:c }"
    found = undeclared_prefix(text, scan(text))
    assert found is not None and (found.line, found.column) == (3, 9)

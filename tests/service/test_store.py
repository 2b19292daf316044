"""The store interface, exercised on the embedded engine (the remote one will join here)."""

from __future__ import annotations

import io
from csv import reader
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from service.errors import QuerySyntaxError
from service.formats import NTRIPLES, RESULTS_CSV, RESULTS_JSON
from service.store.base import QueryKind, Store
from service.store.oxigraph import OxigraphStore

A, B = URIRef("http://example.org/a"), URIRef("http://example.org/b")
P = URIRef("http://example.org/p")
G1, G2 = "http://example.org/g1", "http://example.org/g2"


@pytest.fixture(params=["embedded", "oxigraph-server", "virtuoso"])
def store(request: pytest.FixtureRequest) -> Store:
    """Every test of the interface runs on the embedded store and on real remote engines."""
    s: Store
    if request.param == "embedded":
        s = OxigraphStore.in_memory()
    else:
        s = request.getfixturevalue(request.param.replace("-", "_") + "_store")
    s.put_graph(G1, [(A, P, Literal("un", lang="fr")), (A, P, B)])
    s.put_graph(G2, [(B, P, Literal("2", datatype=XSD.integer))])
    return s


def test_graph_names_and_counts(store: Store) -> None:
    assert store.graph_names() == [G1, G2]
    assert store.count() == 3
    assert store.count(G1, all_graphs=False) == 2


def test_default_graph_is_union_unless_dataset_given(store: Store) -> None:
    assert len(store.select("SELECT * { ?s ?p ?o }")) == 3
    rows = store.select("SELECT ?o { ?s ?p ?o }", default_graphs=[G2])
    assert rows == [{"o": Literal("2", datatype=XSD.integer)}]
    named = store.select("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G1])
    assert {r["g"] for r in named} == {URIRef(G1)}


def test_bindings_are_terms_not_text(store: Store) -> None:
    rows = store.select("SELECT ?o WHERE { ?s ?p ?o }", bindings={"s": B})
    assert rows == [{"o": Literal("2", datatype=XSD.integer)}]
    hostile = Literal('x" } ; DROP ALL ; SELECT * { ?s ?p "', lang="fr")
    assert store.select("SELECT ?s { ?s ?p ?o }", bindings={"o": hostile}) == []
    assert store.count() == 3


def test_syntax_error_keeps_parser_position(store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        store.select("SELECT * WHERE {\n  ?s ?p\n}")
    assert error.value.line == 3
    if isinstance(store, OxigraphStore):
        assert error.value.column is not None


def test_replace_graphs_is_atomic(store: Store) -> None:
    store.replace_graphs({G1: [(B, P, A)], G2: None})
    assert store.graph_names() == [G1]
    assert set(store.get_graph(G1)) == {(B, P, A)}


def test_post_graph_merges_and_keeps_blank_nodes(store: Store) -> None:
    node = BNode()
    store.post_graph(G2, [(node, P, Literal("x")), (A, P, node)])
    graph = store.get_graph(G2)
    assert len(graph) == 3
    (subject,) = graph.subjects(P, Literal("x"))
    assert (A, P, subject) in graph


def test_results_serialise_in_engine_formats(store: Store) -> None:
    csv = store.query("SELECT ?o WHERE { <http://example.org/b> ?p ?o }").serialize(RESULTS_CSV)
    assert list(reader(io.StringIO(csv.decode("utf-8")))) == [["o"], ["2"]]
    assert store.query("ASK { ?s ?p ?o }").serialize(RESULTS_JSON).count(b"true") == 1
    result = store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=[G2])
    assert result.kind is QueryKind.GRAPH
    parsed = Graph().parse(data=result.serialize(NTRIPLES), format="nt")
    assert set(parsed) == {(B, P, Literal("2", datatype=XSD.integer))}


def test_writes_are_persisted_to_disk(tmp_path: Path) -> None:
    path = tmp_path / "db"
    created = OxigraphStore.create(path)
    created.close()
    served = OxigraphStore.open(path, in_memory=True)
    served.put_graph(G1, [(A, P, B)])
    served.close()
    del served
    reopened = OxigraphStore.open(path, in_memory=False, read_only=True)
    assert reopened.select("SELECT ?o { ?s ?p ?o }") == [{"o": B}]

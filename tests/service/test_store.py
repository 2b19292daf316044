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


G3 = "http://example.org/g3"
SHARED = (A, P, Literal("shared", lang="fr"))
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(store: Store, query: str = COUNT) -> int:
    (row,) = store.select(query)
    return int(row["n"])


def test_default_graph_matches_a_triple_once_however_many_graphs_state_it(store: Store) -> None:
    """The default graph is the union of the graphs as a set (an RDF merge), while every
    named graph keeps its statements: a triple in three graphs is matched once, three times
    with GRAPH ?g."""
    for name in (G1, G2, G3):
        store.post_graph(name, [SHARED])
    pattern = f"{SHARED[0].n3()} {SHARED[1].n3()} {SHARED[2].n3()}"
    assert len(store.select(f"SELECT * WHERE {{ {pattern} }}")) == 1
    assert len(store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}")) == 3
    assert _count(store) == 4  # the 3 distinct triples of the fixture, and the shared one
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 6
    assert store.count() == 6  # the dataset as written: named graphs keep every statement


def test_the_union_follows_every_write(store: Store) -> None:
    """A shared triple stays in the default graph while any graph states it, then leaves."""
    pattern = f"ASK {{ {SHARED[0].n3()} {SHARED[1].n3()} {SHARED[2].n3()} }}"
    store.post_graph(G2, [SHARED])
    store.put_graph(G3, [SHARED, (B, P, A)])
    store.put_graph(G2, [(B, P, Literal("2", datatype=XSD.integer))])  # G2 drops it
    assert store.ask(pattern)
    assert _count(store) == 5
    store.delete_graph(G3)  # the last graph stating it
    assert not store.ask(pattern)
    assert _count(store) == 3
    store.replace_graphs({G1: None, G2: None})
    assert _count(store) == 0


def test_the_default_graphs_own_statements_join_the_union() -> None:
    """A write to the default graph itself (Graph Store ``?default``, or an update) is read
    back as written and is part of what queries see."""
    store = OxigraphStore.in_memory()
    store.put_graph(G1, [(A, P, B)])
    store.put_graph(None, [(B, P, A), (A, P, B)])
    assert set(store.get_graph(None)) == {(B, P, A)}  # (A P B) belongs to G1
    assert _count(store) == 2
    store.update("INSERT DATA { <http://example.org/c> <http://example.org/p> 1 }")
    store.update(f"DELETE DATA {{ GRAPH <{G1}> {{ <{A}> <{P}> <{B}> }} }}")
    assert {r["s"] for r in store.select("SELECT ?s WHERE { ?s ?p ?o }")} == {
        B,
        URIRef("http://example.org/c"),
    }
    assert store.count() == 2 and store.graph_names() == []


def test_a_store_written_before_the_union_was_kept_gets_it_on_open(tmp_path: Path) -> None:
    import pyoxigraph as ox

    path = tmp_path / "db"
    old = ox.Store(str(path))
    for name in (G1, G2):
        old.add(ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.NamedNode(B), ox.NamedNode(name)))
    old.flush()
    del old
    store = OxigraphStore.open(path, in_memory=True)
    assert _count(store) == 1
    assert store.count() == 2

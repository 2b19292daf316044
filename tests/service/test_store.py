"""The store interface, exercised on the embedded engine and on real remote engines."""

from __future__ import annotations

import io
from csv import reader
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from service.errors import QuerySyntaxError
from service.formats import NTRIPLES, RESULTS_CSV, RESULTS_JSON
from service.store.base import QueryKind, Store
from service.store.delta import Delta, adding, in_graph, replacing
from service.store.oxigraph import OxigraphStore

A, B = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")
P = ox.NamedNode("http://example.org/p")
G1, G2 = "http://example.org/g1", "http://example.org/g2"
UN = ox.Literal("un", language="fr")
TWO = ox.Literal("2", datatype=ox.NamedNode(str(XSD.integer)))


def q(
    s: ox.NamedNode | ox.BlankNode, o: ox.NamedNode | ox.BlankNode | ox.Literal, g: str
) -> ox.Quad:
    return ox.Quad(s, P, o, ox.NamedNode(g))


def triples(store: Store, name: str) -> set[ox.Triple]:
    return {quad.triple for quad in store.quads(name)}


@pytest.fixture(params=["embedded", "oxigraph-server", "virtuoso"])
def store(request: pytest.FixtureRequest) -> Store:
    """Every test of the interface runs on the embedded store and on real remote engines."""
    s: Store
    if request.param == "embedded":
        s = OxigraphStore.in_memory()
    else:
        s = request.getfixturevalue(request.param.replace("-", "_") + "_store")
    s.apply(Delta(added=frozenset({q(A, UN, G1), q(A, B, G1), q(B, TWO, G2)})))
    return s


def test_graph_names_and_counts(store: Store) -> None:
    assert store.graph_names() == [G1, G2]
    assert store.count() == 3
    assert store.count(G1, all_graphs=False) == 2
    assert store.size() == (3, 2)


def test_default_graph_is_union_unless_dataset_given(store: Store) -> None:
    assert len(store.select("SELECT * { ?s ?p ?o }")) == 3
    rows = store.select("SELECT ?o { ?s ?p ?o }", default_graphs=[G2])
    assert rows == [{"o": Literal("2", datatype=XSD.integer)}]
    named = store.select("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G1])
    assert {r["g"] for r in named} == {URIRef(G1)}


def test_bindings_are_terms_not_text(store: Store) -> None:
    rows = store.select("SELECT ?o WHERE { ?s ?p ?o }", bindings={"s": URIRef(B.value)})
    assert rows == [{"o": Literal("2", datatype=XSD.integer)}]
    hostile = Literal('x" } ; DROP ALL ; SELECT * { ?s ?p "', lang="fr")
    assert store.select("SELECT ?s { ?s ?p ?o }", bindings={"o": hostile}) == []
    assert store.count() == 3


def test_syntax_error_keeps_parser_position(store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        store.select("SELECT * WHERE {\n  ?s ?p\n}")
    assert error.value.line == 3
    if store.local:
        assert error.value.column is not None


def test_a_delta_is_one_commit_and_an_emptied_graph_is_gone(store: Store) -> None:
    store.apply(
        Delta(frozenset({q(A, UN, G1), q(A, B, G1), q(B, TWO, G2)}), frozenset({q(B, A, G1)}))
    )
    assert store.graph_names() == [G1]
    assert triples(store, G1) == {ox.Triple(B, P, A)}
    assert store.size() == (1, 1)


def test_engine_terms_come_back_as_they_were_stored(store: Store) -> None:
    assert triples(store, G1) == {ox.Triple(A, P, UN), ox.Triple(A, P, B)}
    assert store.present([q(A, UN, G1), q(A, UN, G2), q(B, TWO, G2)]) == {
        q(A, UN, G1),
        q(B, TWO, G2),
    }
    assert set(store.match(A, None, None, None)) == {q(A, UN, G1), q(A, B, G1)}
    assert set(store.match(None, None, TWO, ox.NamedNode(G2))) == {q(B, TWO, G2)}
    assert set(store.all_quads(excluding=[G1])) == {q(B, TWO, G2)}
    (row,) = list(
        store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G2]).solutions()
    )
    assert row == (TWO,)


def test_blank_nodes_are_added_and_removed_exactly(store: Store) -> None:
    node = ox.BlankNode()
    store.apply(adding(store, G2, [ox.Triple(node, P, ox.Literal("x")), ox.Triple(A, P, node)]))
    stored = triples(store, G2)
    assert len(stored) == 3
    (subject,) = [t.subject for t in stored if t.object == ox.Literal("x")]
    assert ox.Triple(A, P, subject) in stored
    # a second blank node structure in the same graph; removing one leaves the other whole
    other = ox.BlankNode()
    store.apply(adding(store, G2, [ox.Triple(other, P, ox.Literal("y")), ox.Triple(B, P, other)]))
    gone = {quad for quad in store.quads(G2) if subject in (quad.subject, quad.object)}
    store.apply(Delta(removed=frozenset(gone)))
    left = triples(store, G2)
    assert len(left) == 3 and ox.Triple(B, P, TWO) in left
    (kept,) = [t.subject for t in left if t.object == ox.Literal("y")]
    assert ox.Triple(B, P, kept) in left


def test_replacing_a_graph_changes_only_what_differs(store: Store) -> None:
    delta = replacing(store, G1, [ox.Triple(A, P, UN), ox.Triple(B, P, A)])
    assert delta == Delta(frozenset({q(A, B, G1)}), frozenset({q(B, A, G1)}))


def test_results_serialise_in_engine_formats(store: Store) -> None:
    csv = store.query("SELECT ?o WHERE { <http://example.org/b> ?p ?o }").serialize(RESULTS_CSV)
    assert list(reader(io.StringIO(csv.decode("utf-8")))) == [["o"], ["2"]]
    assert store.query("ASK { ?s ?p ?o }").serialize(RESULTS_JSON).count(b"true") == 1
    result = store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=[G2])
    assert result.kind is QueryKind.GRAPH
    parsed = Graph().parse(data=result.serialize(NTRIPLES), format="nt")
    assert set(parsed) == {(URIRef(B.value), URIRef(P.value), Literal("2", datatype=XSD.integer))}


def test_writes_are_persisted_to_disk(tmp_path: Path) -> None:
    path = tmp_path / "db"
    created = OxigraphStore.create(path)
    created.close()
    served = OxigraphStore.open(path, in_memory=True)
    served.apply(Delta(added=frozenset({q(A, B, G1)})))
    served.close()
    del served
    reopened = OxigraphStore.open(path, in_memory=False, read_only=True)
    assert reopened.select("SELECT ?o { ?s ?p ?o }") == [{"o": URIRef(B.value)}]


def test_a_loaded_copy_keeps_blank_node_labels() -> None:
    """The query engine's copy must hold the store's very blank nodes: deltas name them."""
    node = ox.BlankNode("d68b5a2c8dd0ebc15316af8751fb3e51")
    quads = [q(node, UN, G1), q(A, node, G1), q(A, B, G2)]
    original = OxigraphStore.in_memory()
    original.add_quads(quads)
    out = io.BytesIO()
    original.dump_to(out)
    out.seek(0)
    copy = OxigraphStore.loaded(out)
    assert set(copy.all_quads()) == set(quads)


G3 = "http://example.org/g3"
SHARED = ox.Triple(A, P, ox.Literal("shared", language="fr"))
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(store: Store, query: str = COUNT) -> int:
    (row,) = store.select(query)
    return int(row["n"])


def _put(store: Store, name: str | None, content: list[ox.Triple]) -> None:
    store.apply(replacing(store, name, content))


def _drop(store: Store, name: str) -> None:
    store.apply(Delta(removed=frozenset(store.quads(name))))


def test_default_graph_matches_a_triple_once_however_many_graphs_state_it(store: Store) -> None:
    """The default graph is the union of the graphs as a set (an RDF merge), while every
    named graph keeps its statements: a triple in three graphs is matched once, three times
    with GRAPH ?g."""
    for name in (G1, G2, G3):
        store.apply(adding(store, name, [SHARED]))
    pattern = str(SHARED)
    assert len(store.select(f"SELECT * WHERE {{ {pattern} }}")) == 1
    assert len(store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}")) == 3
    assert _count(store) == 4  # the 3 distinct triples of the fixture, and the shared one
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 6
    assert store.count() == 6  # the dataset as written: named graphs keep every statement
    assert store.size() == (6, 3)


def test_the_union_follows_every_delta(store: Store) -> None:
    """A shared triple stays in the default graph while any graph states it, then leaves."""
    pattern = f"ASK {{ {SHARED} }}"
    store.apply(adding(store, G2, [SHARED]))
    _put(store, G3, [SHARED, ox.Triple(B, P, A)])
    _put(store, G2, [ox.Triple(B, P, TWO)])  # G2 drops it
    assert store.ask(pattern)
    assert _count(store) == 5
    _drop(store, G3)  # the last graph stating it
    assert not store.ask(pattern)
    assert _count(store) == 3
    _drop(store, G1)
    _drop(store, G2)
    assert _count(store) == 0


def test_one_delta_moving_or_dropping_a_shared_triple_keeps_the_union_exact(store: Store) -> None:
    """Within one delta: a triple leaving one graph for another stays in the union; a
    triple leaving every graph that holds it, at once, leaves it."""
    pattern = f"ASK {{ {SHARED} }}"
    store.apply(adding(store, G1, [SHARED]))
    store.apply(adding(store, G2, [SHARED]))
    both = Delta(removed=frozenset(in_graph([SHARED], G1) | in_graph([SHARED], G2)))
    moved = Delta(
        removed=frozenset(in_graph([SHARED], G1)), added=frozenset(in_graph([SHARED], G3))
    )
    store.apply(moved)
    assert store.ask(pattern)
    assert {r["g"] for r in store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ {SHARED} }} }}")} == {
        URIRef(G2),
        URIRef(G3),
    }
    store.apply(Delta(removed=frozenset(in_graph([SHARED], G3))))
    assert store.ask(pattern)  # G2 still holds it
    store.apply(adding(store, G1, [SHARED]))
    store.apply(both)
    assert not store.ask(pattern)


def test_blank_nodes_leave_the_union_with_their_last_graph(store: Store) -> None:
    node = ox.BlankNode()
    store.apply(adding(store, G1, [ox.Triple(node, P, UN)]))
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isBlank(?s)) }") == 1
    _drop(store, G1)
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isBlank(?s)) }") == 0
    assert _count(store) == 1


def test_the_default_graphs_own_statements_join_the_union() -> None:
    """A write to the default graph itself (Graph Store ``?default``, or an update) is read
    back as written and is part of what queries see."""
    store = OxigraphStore.in_memory()
    _put(store, G1, [ox.Triple(A, P, B)])
    _put(store, None, [ox.Triple(B, P, A), ox.Triple(A, P, B)])
    assert {q.triple for q in store.quads(None)} == {ox.Triple(B, P, A)}  # (A P B) is G1's
    assert _count(store) == 2
    store.update("INSERT DATA { <http://example.org/c> <http://example.org/p> 1 }")
    store.update(f"DELETE DATA {{ GRAPH <{G1}> {{ {A} {P} {B} }} }}")
    assert {r["s"] for r in store.select("SELECT ?s WHERE { ?s ?p ?o }")} == {
        URIRef(B.value),
        URIRef("http://example.org/c"),
    }
    assert store.count() == 2 and store.graph_names() == []


def test_a_store_written_before_the_union_was_kept_gets_it_on_open(tmp_path: Path) -> None:
    path = tmp_path / "db"
    old = ox.Store(str(path))
    for name in (G1, G2):
        old.add(ox.Quad(A, P, B, ox.NamedNode(name)))
    old.flush()
    del old
    store = OxigraphStore.open(path, in_memory=True)
    assert _count(store) == 1
    assert store.count() == 2

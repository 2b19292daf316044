"""Incremental validation re-checks exactly what a write can change, whatever the shapes.

The project's shapes use plain predicate paths; these use every kind of path (sequence,
inverse, alternative, zero-or-more, one-or-more), nesting (``sh:node``, ``sh:or``,
``sh:not``, ``sh:qualifiedValueShape``, a property shape inside a nested node shape), every
kind of target, a SPARQL-based constraint joining two variables, and blank nodes, over
random small data. After each random write the kept results must equal a full
:func:`validate` of the data (the oracle).
"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from service.graph import shacl_sparql
from service.graph.incremental_validation import IncrementalValidator
from service.graph.shacl_sparql import Row, report_graph
from service.graph.shape_dependencies import (
    EMPTY,
    Repeat,
    Seq,
    Step,
    Unbounded,
    inverse,
    query_dependencies,
    reads,
)
from service.graph.validate import outcome_of, validate
from tests.service.incremental_model import keep_union, results

EX = "https://example.org/"
ONTOLOGY = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}A> rdfs:subClassOf <{EX}B> .
"""
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix : <{EX}> .
:S1 a sh:NodeShape ; sh:targetClass :B ;
    sh:property [ sh:path ( :p :q ) ; sh:class :C ] ,
        [ sh:path [ sh:inversePath :r ] ; sh:minCount 1 ] ,
        [ sh:path [ sh:zeroOrMorePath :part ] ; sh:node :Named ] ,
        [ sh:path :m ; sh:qualifiedValueShape [ sh:class :C ] ; sh:qualifiedMinCount 1 ] .
:Named a sh:NodeShape ; sh:property [ sh:path :name ; sh:minCount 1 ] .
:S2 a sh:NodeShape ; sh:targetNode :i1 , :i2 ;
    sh:property [ sh:path [ sh:alternativePath ( :p [ sh:inversePath :q ] ) ] ; sh:maxCount 1 ] .
:S3 a sh:NodeShape ; sh:targetSubjectsOf :r ; sh:or ( [ sh:class :C ] [ sh:class :D ] ) .
:S4 a sh:NodeShape ; sh:targetObjectsOf :m ; sh:not [ sh:class :D ] .
:S5 a sh:NodeShape ; sh:targetClass :C ;
    sh:property [ sh:path [ sh:oneOrMorePath :part ] ; sh:maxCount 2 ] ,
        [ sh:path :p ; sh:node [ sh:property [ sh:path :q ; sh:class :D ] ] ] .
:S6 a sh:NodeShape ; sh:targetClass :D ;
    sh:sparql [ sh:select \"\"\"SELECT $this ?y WHERE {{ $this <{EX}p> ?x . ?x <{EX}q> ?y .
        FILTER NOT EXISTS {{ ?y <{EX}name> ?n }} }}\"\"\" ] .
:D a rdfs:Class , sh:NodeShape ; sh:property [ sh:path :name ; sh:maxCount 1 ] .
"""
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
NODES: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(f"{EX}i{i}") for i in range(6)]
NODES += [ox.BlankNode("b1"), ox.BlankNode("b2")]
CLASSES = [ox.NamedNode(EX + c) for c in "ABCD"]
PREDICATES = [ox.NamedNode(EX + p) for p in ("p", "q", "r", "part", "m", "name")]
GRAPHS = [ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")]
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/esskg/graph/ontology")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(data=SHAPES, format="turtle")


@pytest.fixture(scope="module")
def validator(shapes: Graph) -> IncrementalValidator:
    return IncrementalValidator(shapes)


def _quad(rng: random.Random) -> ox.Quad:
    s, graph = rng.choice(NODES), rng.choice(GRAPHS)
    if rng.random() < 0.3:
        return ox.Quad(s, TYPE, rng.choice(CLASSES), graph)
    p = rng.choice(PREDICATES)
    o = ox.Literal(rng.choice(["a", "b"])) if p.value.endswith("name") else rng.choice(NODES)
    return ox.Quad(s, p, o, graph)


def _store() -> ox.Store:
    store = ox.Store()
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    store.bulk_extend(
        ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.NamedNode(str(o)), ONTOLOGY_GRAPH)
        for s, p, o in ontology
    )
    return store


def _oracle(store: ox.Store, shapes: Graph) -> list[tuple[str, ...]]:
    data = [q for q in store if q.graph_name in GRAPHS]
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    shapes_copy = Graph()
    shapes_copy += shapes
    return results(validate(data, shapes_copy, ontology))


def _kept(rows: list[Row], shapes: Graph) -> list[tuple[str, ...]]:
    return results(outcome_of(report_graph(rows)[0]))


def test_every_check_is_compiled_and_bounded(validator: IncrementalValidator) -> None:
    assert validator.everything is None
    assert validator.unbounded == {}
    assert len(validator.compiled.checks) > 10


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), writes=st.integers(1, 6))
def test_random_writes_keep_the_report_of_a_full_validation(
    validator: IncrementalValidator, shapes: Graph, seed: int, writes: int
) -> None:
    rng = random.Random(seed)
    store = _store()
    quads = [_quad(rng) for _ in range(30)]
    store.bulk_extend(quads)
    keep_union(store, [], quads)
    rows = validator.rows(store)
    assert _kept(rows, shapes) == _oracle(store, shapes)
    for _ in range(writes):
        data = sorted((q for q in store if q.graph_name in GRAPHS), key=str)
        removed = rng.sample(data, min(len(data), rng.randint(0, 3)))
        added = [_quad(rng) for _ in range(rng.randint(0, 3))]
        for quad in removed:
            store.remove(quad)
        for quad in added:
            store.add(quad)
        keep_union(store, removed, added)
        delta = validator.validate(store, removed, added)
        assert delta.full is None
        rows = delta.merged(rows)
        assert _kept(rows, shapes) == _oracle(store, shapes)


def test_a_write_re_checks_only_the_nodes_it_reaches(
    validator: IncrementalValidator, shapes: Graph
) -> None:
    store = _store()
    i = [ox.NamedNode(f"{EX}i{n}") for n in range(6)]
    p, q, graph = PREDICATES[0], PREDICATES[1], GRAPHS[0]
    store.bulk_extend(
        [
            ox.Quad(i[0], TYPE, CLASSES[0], graph),  # i0 a :A, so a focus node of :S1 (:B)
            ox.Quad(i[0], p, i[1], graph),
            ox.Quad(i[1], q, i[2], graph),  # i0 p/q i2: i2 must be a :C
            ox.Quad(i[3], TYPE, CLASSES[0], graph),  # i3: an unrelated focus node
        ]
    )
    added = [ox.Quad(i[2], TYPE, CLASSES[2], graph)]
    store.add(added[0])
    delta = validator.validate(store, [], added)
    reached = set().union(*(nodes or set() for nodes in delta.evaluated.values()))
    assert i[0] in reached  # through the sequence path, backwards from i2
    assert i[3] not in reached


def test_a_write_to_the_class_hierarchy_re_checks_everything(
    validator: IncrementalValidator,
) -> None:
    store = _store()
    sub = ox.Quad(CLASSES[2], ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                  CLASSES[3], GRAPHS[0])  # fmt: skip
    store.add(sub)
    delta = validator.validate(store, [], [sub])
    assert delta.full is not None
    assert set(delta.evaluated.values()) == {None}


def test_a_sparql_pattern_not_joined_to_this_is_checked_on_every_focus_node() -> None:
    shapes = Graph().parse(
        data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{EX}S> a sh:NodeShape ; sh:targetSubjectsOf <{EX}p> ;
            sh:sparql [ sh:select
                "SELECT $this WHERE {{ $this <{EX}p> ?x . ?y <{EX}flag> true }}" ] .
        """,
        format="turtle",
    )
    validator = IncrementalValidator(shapes)
    assert len(validator.unbounded) == 1
    store = _store()
    store.add(ox.Quad(NODES[0], PREDICATES[0], NODES[1], GRAPHS[0]))
    rows = validator.rows(store)
    flag = ox.Quad(NODES[3], ox.NamedNode(EX + "flag"), ox.Literal(True), GRAPHS[0])
    store.add(flag)
    delta = validator.validate(store, [], [flag])
    assert _kept(delta.merged(rows), shapes) == _oracle(store, shapes)
    assert len(delta.rows) == 1


def test_restricted_queries_give_the_full_results_on_their_nodes(
    validator: IncrementalValidator, shapes: Graph
) -> None:
    rng = random.Random(7)
    store = _store()
    store.bulk_extend(_quad(rng) for _ in range(40))
    graphs = [ox.DefaultGraph(), *GRAPHS, ONTOLOGY_GRAPH]
    for check in validator.compiled.checks:
        every = {s["this"] for s in store.query(check.query, default_graph=graphs)}  # type: ignore[union-attr]
        some = {n for n in every if isinstance(n, ox.NamedNode)}
        values = " ".join(str(n) for n in some) or "<urn:none>"
        query = shacl_sparql.restricted(check, f"VALUES ?this {{ {values} }}")
        restricted = {s["this"] for s in store.query(query, default_graph=graphs)}  # type: ignore[union-attr]
        assert restricted == some


def test_path_reads_locate_each_triple_from_the_focus_node() -> None:
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    path = Seq((Step(p), Repeat(Step(q))))
    assert set(reads(path)) == {
        (EMPTY, Step(p)),
        (Seq((Step(p), Repeat(Step(q)))), Step(q)),
    }
    assert inverse(path) == Seq((Repeat(Step(q, inverse=True)), Step(p, inverse=True)))


def test_a_sparql_constraint_reads_through_its_variables() -> None:
    siren = ox.NamedNode(EX + "siren")
    query = (
        f"SELECT ?this ?value WHERE {{ ?this <{siren.value}> ?value . "
        f"?other <{siren.value}> ?value . FILTER (?other != ?this) }}"
    )
    found = set(query_dependencies(query))
    assert (EMPTY, Step(siren)) in found
    assert (Step(siren), Step(siren, inverse=True)) in found  # another holder of the value
    with pytest.raises(Unbounded):
        set(query_dependencies(f"SELECT ?this WHERE {{ ?x <{siren.value}> ?y }}"))

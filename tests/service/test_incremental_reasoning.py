"""Incremental reasoning equals :func:`materialise` for every construct the rules compile.

The shipped ontology uses few OWL 2 RL constructs; this one uses all that
:mod:`service.graph.owl_rules` compiles (transitive, symmetric, inverse and equivalent
properties, chains, domains and ranges, existential, universal and value restrictions,
intersections, unions) and the consistency rules (disjoint classes, functional
properties). Random writes on random small data must leave the inferred graph and the
inconsistencies a full materialisation finds; writes the incremental path cannot follow
(a schema triple, a literal value of a property with an inverse) fall back, still exact;
and the incremental path reads the store through its indexes, never a full scan.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from service.graph.incremental_reasoning import IncrementalReasoner
from service.graph.layout import Layout
from service.graph.materialise import materialise
from tests.service.incremental_model import keep_union
from tests.service.test_materialise import CONSTRUCTS as RULE_CONSTRUCTS

EX = "https://example.org/"
#: test_materialise's constructs, with consistency rules and a range for literals
CONSTRUCTS = (
    RULE_CONSTRUCTS
    + """
:Plant owl:disjointWith :Person .
:mother a owl:FunctionalProperty .
:label rdfs:range :Text .
"""
)
LAYOUT = Layout()
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
INDIVIDUALS = [ox.NamedNode(f"{EX}i{i}") for i in range(7)] + [ox.NamedNode(EX + "bretagne")]
PROPERTIES = [
    ox.NamedNode(EX + p)
    for p in ("partOf", "hasPart", "related", "knows", "parent", "grandParent", "sameTown",
              "coLocated", "memberOf", "region", "eats", "mother")
]  # fmt: skip
CLASSES = [
    ox.NamedNode(EX + c)
    for c in ("Club", "Vegan", "Plant", "Person", "Breton", "Member", "BretonMember", "Anyone")
]
GRAPHS = [ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")]
ONTOLOGY = Graph().parse(data=CONSTRUCTS, format="turtle")


def _quad(rng: random.Random, odd: float = 0.0) -> ox.Quad:
    s, graph = rng.choice(INDIVIDUALS), rng.choice(GRAPHS)
    roll = rng.random()
    if roll < odd / 2:  # a literal value of a property with an inverse: a full run
        number = ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        return ox.Quad(s, rng.choice(PROPERTIES[:4]), number, graph)
    if roll < odd:  # a schema triple in the data: a full run
        sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
        return ox.Quad(rng.choice(CLASSES), sub, rng.choice(CLASSES), graph)
    if roll < 0.35:
        return ox.Quad(s, TYPE, rng.choice(CLASSES), graph)
    if roll < 0.4:
        return ox.Quad(s, ox.NamedNode(EX + "label"), ox.Literal("x"), graph)
    return ox.Quad(s, rng.choice(PROPERTIES), rng.choice(INDIVIDUALS), graph)


def _built(quads: list[ox.Quad]) -> tuple[ox.Store, list[Any]]:
    """A store as the build leaves it: the data, its inferred graph, the union's copy."""
    store = ox.Store()
    store.bulk_extend(quads)
    found = materialise(ONTOLOGY, [q.triple for q in quads])
    inferred = [ox.Quad(*t, LAYOUT.inferred) for t in found.inferred]  # type: ignore[misc]
    store.bulk_extend(inferred)
    keep_union(store, [], [*quads, *inferred])
    return store, found.found


def _write(
    reasoner: IncrementalReasoner,
    store: ox.Store,
    found: list[Any],
    removed: list[ox.Quad],
    added: list[ox.Quad],
    reader: Any = None,
) -> tuple[list[Any], str | None]:
    """Apply a write and its inferred delta (computed reading ``reader``, the store by
    default); compare with a rebuild."""
    delta = reasoner.apply(reader or store, removed, added, found)
    unsaid, said = delta.quads()
    for quad in [*removed, *unsaid]:
        store.remove(quad)
    store.bulk_extend([*added, *said])
    keep_union(store, [*removed, *unsaid], [*added, *said])
    full = materialise(ONTOLOGY, [q.triple for q in store if LAYOUT.is_data(q.graph_name)])
    inferred = {q.triple for q in store.quads_for_pattern(None, None, None, LAYOUT.inferred)}
    assert inferred == set(full.inferred)
    assert delta.inconsistencies == full.inconsistencies
    return delta.found, delta.full


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), odd=st.sampled_from([0.0, 0.0, 0.05]))
def test_random_writes_keep_the_inferences_of_a_full_materialisation(seed: int, odd: float) -> None:
    rng = random.Random(seed)
    store, found = _built([_quad(rng) for _ in range(25)])
    reasoner = IncrementalReasoner(ONTOLOGY)
    for _ in range(6):
        data = sorted((q for q in store if LAYOUT.is_data(q.graph_name)), key=str)
        removed = rng.sample(data, min(len(data), rng.randint(0, 4)))
        added = [_quad(rng, odd) for _ in range(rng.randint(0, 4))]
        found, _ = _write(reasoner, store, found, removed, added)


def _q(s: str, p: str, o: str, g: int = 0) -> ox.Quad:
    predicate = TYPE if p == "a" else ox.NamedNode(EX + p)
    return ox.Quad(ox.NamedNode(EX + s), predicate, ox.NamedNode(EX + o), GRAPHS[g])


def test_a_transitive_chain_loses_only_what_its_cut_link_supported() -> None:
    store, found = _built([_q("a", "partOf", "b"), _q("b", "partOf", "c"), _q("c", "partOf", "d"),
                           _q("a", "partOf", "c", 1)])  # fmt: skip
    reasoner = IncrementalReasoner(ONTOLOGY)
    found, full = _write(reasoner, store, found, [_q("b", "partOf", "c")], [])
    assert full is None
    inferred = {q.triple for q in store.quads_for_pattern(None, None, None, LAYOUT.inferred)}
    assert _q("a", "partOf", "d").triple in inferred  # still through a partOf c (graph 2)
    assert _q("b", "partOf", "d").triple not in inferred  # its last support is gone


def test_inconsistencies_appear_and_go_with_the_write() -> None:
    store, found = _built([_q("x", "parent", "y")])  # x and y are Persons
    reasoner = IncrementalReasoner(ONTOLOGY)
    found, _ = _write(reasoner, store, found, [], [_q("y", "a", "Plant")])
    assert any("Disjoint classes" in p.message for p in found)
    found, _ = _write(
        reasoner, store, found, [], [_q("z", "mother", "m1"), _q("z", "mother", "m2")]
    )
    assert any("owl:sameAs merges" in p.message for p in found)
    found, _ = _write(reasoner, store, found, [_q("x", "parent", "y")], [])
    assert not any("Disjoint classes" in p.message for p in found)


def test_writes_it_cannot_follow_fall_back_to_a_full_materialisation() -> None:
    store, found = _built([_q("a", "partOf", "b")])
    reasoner = IncrementalReasoner(ONTOLOGY)
    literal = ox.Quad(
        ox.NamedNode(EX + "a"), ox.NamedNode(EX + "partOf"), ox.Literal("b"), GRAPHS[0]
    )
    found, full = _write(reasoner, store, found, [], [literal])
    assert full is not None and "literal" in full
    found, full = _write(reasoner, store, found, [_q("a", "partOf", "b")], [])
    assert full is not None  # the store still holds that literal value
    found, full = _write(reasoner, store, found, [literal], [])
    found, full = _write(reasoner, store, found, [], [_q("a", "partOf", "b")])
    assert full is None  # clean again
    schema = ox.Quad(ox.NamedNode(EX + "Club"),
                     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                     ox.NamedNode(EX + "Person"), GRAPHS[0])  # fmt: skip
    found, full = _write(reasoner, store, found, [], [schema])
    assert full is not None and "schema" in full


class _NoScan:
    """A store that refuses to be read whole: what the incremental path may do."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.queries = 0

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[ox.Quad]:
        assert not (s is None and o is None and (p is None or p.value.endswith("type"))), (
            "a scan of the whole store, or of every typed resource"
        )
        return self.store.quads_for_pattern(s, p, o, g)

    def __contains__(self, quad: ox.Quad) -> bool:
        return quad in self.store

    def __iter__(self) -> Iterator[ox.Quad]:
        raise AssertionError("a scan of the whole store")

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        return self.store.query(*args, **kwargs)


def test_a_write_reads_the_store_through_its_indexes_only() -> None:
    rng = random.Random(3)
    store, found = _built([_quad(rng) for _ in range(60)])
    reasoner = IncrementalReasoner(ONTOLOGY)
    watched = _NoScan(store)
    for step in range(8):
        data = sorted((q for q in store if LAYOUT.is_data(q.graph_name)), key=str)
        removed, added = rng.sample(data, 3), [_quad(rng) for _ in range(3)]
        found, full = _write(reasoner, store, found, removed, added, reader=watched)
        assert full is None
        if step == 0:
            queries = watched.queries  # the one check of the store's state, then none
        assert watched.queries == queries


def test_a_store_without_the_union_copy_may_hold_data_in_its_default_graph() -> None:
    layout = Layout(union=False)
    default = ox.DefaultGraph()

    def in_default(quad: ox.Quad) -> ox.Quad:
        return ox.Quad(quad.subject, quad.predicate, quad.object, default)

    rng = random.Random(5)
    quads = [in_default(_quad(rng)) for _ in range(30)]
    store = ox.Store()
    store.bulk_extend(quads)
    found = materialise(ONTOLOGY, [q.triple for q in quads])
    store.bulk_extend(ox.Quad(*t, layout.inferred) for t in found.inferred)  # type: ignore[misc]
    reasoner = IncrementalReasoner(ONTOLOGY, layout)
    for _ in range(5):
        data = sorted(store.quads_for_pattern(None, None, None, default), key=str)
        removed, added = rng.sample(data, 3), [in_default(_quad(rng)) for _ in range(3)]
        delta = reasoner.apply(store, removed, added, found.found)
        assert delta.full is None
        unsaid, said = delta.quads(layout)
        for quad in [*removed, *unsaid]:
            store.remove(quad)
        store.bulk_extend([*added, *said])
        data = [q.triple for q in store.quads_for_pattern(None, None, None, default)]
        found = materialise(ONTOLOGY, data)
        inferred = {q.triple for q in store.quads_for_pattern(None, None, None, layout.inferred)}
        assert inferred == set(found.inferred)
        assert delta.inconsistencies == found.inconsistencies

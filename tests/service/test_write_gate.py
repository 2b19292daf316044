"""The write gate at the store level: what a commit leaves in the inferred graph, and the
pieces that keep a write cheap on a large store (graph edits, targeted comparison, the
schema closure computed once)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef

from service.graph import materialise as materialise_module
from service.graph.build import ENGINE_DIR, build, current_build
from service.graph.gate import PROTECTED, WriteGate
from service.graph.materialise import materialise
from service.graph.push import push
from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from service.settings import Settings
from service.sparql.updates import GraphEdit, replace_graphs_update
from service.store.oxigraph import OxigraphStore
from service.store.terms import triple_to_rdflib

ESS = "https://w3id.org/esskg/def#"
RES = "https://w3id.org/esskg/id/"
NEW_GRAPH = "https://w3id.org/esskg/graph/source/page-new"
A = URIRef(RES + "collectivite/region-bretagne")


@pytest.fixture
def store(mini_settings: Settings) -> OxigraphStore:
    build(mini_settings)
    folder = current_build(mini_settings)
    assert folder is not None
    return OxigraphStore.open(folder / ENGINE_DIR, in_memory=False)


def closure_of(store: OxigraphStore) -> set[ox.Triple]:
    """What reasoning over the store's asserted data gives, computed from scratch."""
    asserted = [q.triple for q in store.quads_outside(PROTECTED)]
    return set(materialise(store.get_graph(ONTOLOGY_GRAPH), asserted).inferred)


def spaser_adopted_by_a(spaser: URIRef) -> list[tuple[URIRef, URIRef, URIRef]]:
    """A new SPASER adopted by ``A``: the ontology's inverse gives ``A adopted spaser``."""
    return [
        (spaser, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(ESS + "SPASER")),
        (spaser, URIRef(ESS + "adoptedBy"), A),
    ]


def ground(triples: set[ox.Triple]) -> set[ox.Triple]:
    return {
        t
        for t in triples
        if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
    }


def test_after_writes_the_inferred_graph_is_the_closure_of_the_data(
    store: OxigraphStore,
) -> None:
    gate = WriteGate(store)
    spaser = URIRef(RES + "spaser/z")
    blank = BNode()
    # a blank node the rules type (range of adoptedBy): rewritten, not diffed
    blank_adopter = (URIRef(RES + "spaser/paris"), URIRef(ESS + "adoptedBy"), blank)
    gate.put_graph(NEW_GRAPH, [*spaser_adopted_by_a(spaser), blank_adopter])
    inferred = set(store.engine_triples(INFERRED_GRAPH))
    expected = closure_of(store)
    assert ground(inferred) == ground(expected)
    assert len(inferred - ground(inferred)) == len(expected - ground(expected)) > 0
    adopted = ox.Triple(
        ox.NamedNode(str(A)), ox.NamedNode(ESS + "adopted"), ox.NamedNode(str(spaser))
    )
    assert adopted in inferred

    gate.delete_graph(NEW_GRAPH)
    inferred = set(store.engine_triples(INFERRED_GRAPH))
    assert adopted not in inferred
    assert ground(inferred) == ground(closure_of(store))


def test_a_graph_edit_changes_only_what_it_names() -> None:
    g = "http://example.org/g"
    s, p = URIRef("http://example.org/s"), URIRef("http://example.org/p")
    store = ox.Store()
    store.update(
        f"INSERT DATA {{ GRAPH <{g}> {{ <{s}> <{p}> 1, 2, 3 . <{s}> <{p}> _:b . _:b <{p}> 9 }} }}"
    )
    edit = GraphEdit(
        removed=[(s, p, Literal(1))],
        added=[(s, p, Literal(4))],
        blank=[(s, p, BNode("x"))],
    )
    store.update(replace_graphs_update({}, {g: edit}))
    kept = {
        triple_to_rdflib(q.triple)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    }
    ground_kept = {t for t in kept if not isinstance(t[2], BNode)}
    assert ground_kept == {(s, p, Literal(2)), (s, p, Literal(3)), (s, p, Literal(4))}
    blanks = kept - ground_kept
    assert len(blanks) == 1 and next(iter(blanks))[:2] == (s, p)


def test_an_edit_without_blank_nodes_leaves_them_alone() -> None:
    g = "http://example.org/g"
    s, p = URIRef("http://example.org/s"), URIRef("http://example.org/p")
    text = replace_graphs_update({}, {g: GraphEdit(added=[(s, p, Literal(1))])})
    one = '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert text == f"INSERT DATA {{\nGRAPH <{g}> {{\n<{s}> <{p}> {one} .\n}}\n}}"
    assert "isBlank" not in text


def test_changed_graphs_compares_only_the_graphs_named() -> None:
    before = OxigraphStore.in_memory()
    before.update("INSERT DATA { GRAPH <http://example.org/a> { <http://x/s> <http://x/p> 1 } }")
    after = OxigraphStore.copy_of(before)
    after.update("INSERT DATA { GRAPH <http://example.org/a> { <http://x/s> <http://x/p> 2 } }")
    after.update("INSERT DATA { GRAPH <http://example.org/b> { <http://x/s> <http://x/p> 2 } }")
    assert before.changed_graphs(after) == ["http://example.org/a", "http://example.org/b"]
    assert before.changed_graphs(after, among=["http://example.org/b"]) == ["http://example.org/b"]
    assert before.changed_graphs(after, among=[None]) == []


def test_the_schema_closure_is_computed_once_per_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = materialise_module.owlrl_closure

    def counting(schema: Graph) -> Graph:
        calls.append(len(schema))
        return real(schema)

    monkeypatch.setattr(materialise_module, "owlrl_closure", counting)
    monkeypatch.setattr(materialise_module, "_CLOSURES", type(materialise_module._CLOSURES)())
    ontology = Graph()
    ontology.parse(
        data=f"<{ESS}a> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{ESS}b> .",
        format="nt",
    )
    data = [
        ox.Triple(
            ox.NamedNode(RES + "x"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(ESS + "a"),
        )
    ]
    first = materialise(ontology, data).inferred
    second = materialise(ontology, data).inferred
    assert first == second and len(calls) == 1
    ontology.add(
        (
            URIRef(ESS + "b"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
            URIRef(ESS + "c"),
        )
    )
    materialise(ontology, data)
    assert len(calls) == 2


@pytest.mark.parametrize("engine", ["oxigraph_server_store", "virtuoso_store"])
def test_a_write_through_a_remote_engine_edits_its_inferred_graph(
    store: OxigraphStore, engine: str, request: pytest.FixtureRequest
) -> None:
    remote = request.getfixturevalue(engine)
    push(store, remote)
    spaser = URIRef(RES + "spaser/z")
    adopted = f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{A}> <{ESS}adopted> <{spaser}> }} }}"
    gate = WriteGate(remote)
    gate.put_graph(NEW_GRAPH, spaser_adopted_by_a(spaser))
    assert remote.ask(adopted)
    before = remote.count(INFERRED_GRAPH, all_graphs=False)
    gate.delete_graph(NEW_GRAPH)
    assert not remote.ask(adopted)
    assert remote.count(INFERRED_GRAPH, all_graphs=False) < before


def test_a_referential_graph_is_not_written_over_http(store: OxigraphStore) -> None:
    """An official referential changes with its pinned package, by a build, never by a PUT."""
    from service.errors import ProtectedGraph
    from service.namespaces import referential_graph

    gate = WriteGate(store)
    with pytest.raises(ProtectedGraph):
        gate.put_graph(referential_graph("cog"), spaser_adopted_by_a(URIRef(RES + "spaser/x")))

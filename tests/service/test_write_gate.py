"""The write gate at the store level: what a commit leaves in the inferred graph, that a
write reaches the store as its delta and nothing more, and the schema closure computed once."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from service.graph import materialise as materialise_module
from service.graph.build import ENGINE_DIR, build, current_build
from service.graph.consequences import PROTECTED, rdflib_graph
from service.graph.contributions import Contributions
from service.graph.gate import WriteGate
from service.graph.materialise import materialise
from service.graph.push import push
from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from service.settings import Settings
from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore

ESS = "https://w3id.org/esskg/def#"
RES = "https://w3id.org/esskg/id/"
NEW_GRAPH = "https://w3id.org/esskg/graph/source/page-new"
A = RES + "collectivite/region-bretagne"


@pytest.fixture
def store(mini_settings: Settings) -> OxigraphStore:
    build(mini_settings)
    folder = current_build(mini_settings)
    assert folder is not None
    return OxigraphStore.open(folder / ENGINE_DIR, in_memory=False)


def closure_of(store: OxigraphStore) -> set[ox.Triple]:
    """What reasoning over the store's asserted data gives, computed from scratch."""
    asserted = [q.triple for q in store.all_quads(excluding=PROTECTED)]
    return set(materialise(rdflib_graph(store, ONTOLOGY_GRAPH), asserted).inferred)


def inferred(store: OxigraphStore) -> set[ox.Triple]:
    return {q.triple for q in store.quads(INFERRED_GRAPH)}


def spaser_adopted_by_a(spaser: str) -> list[ox.Triple]:
    """A new SPASER adopted by ``A``: the ontology's inverse gives ``A adopted spaser``."""
    return [
        ox.Triple(
            ox.NamedNode(spaser),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(ESS + "SPASER"),
        ),
        ox.Triple(ox.NamedNode(spaser), ox.NamedNode(ESS + "adoptedBy"), ox.NamedNode(A)),
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
    spaser = RES + "spaser/z"
    blank = ox.BlankNode()
    # a blank node the rules type (range of adoptedBy)
    blank_adopter = ox.Triple(
        ox.NamedNode(RES + "spaser/paris"), ox.NamedNode(ESS + "adoptedBy"), blank
    )
    gate.put_graph(NEW_GRAPH, [*spaser_adopted_by_a(spaser), blank_adopter])
    assert inferred(store) == closure_of(store)
    assert any(isinstance(t.subject, ox.BlankNode) for t in inferred(store))
    adopted = ox.Triple(ox.NamedNode(A), ox.NamedNode(ESS + "adopted"), ox.NamedNode(spaser))
    assert adopted in inferred(store)

    gate.delete_graph(NEW_GRAPH)
    assert adopted not in inferred(store)
    assert inferred(store) == closure_of(store)
    assert not any(isinstance(t.subject, ox.BlankNode) for t in inferred(store))


def test_a_write_commits_its_delta_and_nothing_else(
    store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store receives one delta: the written triples and their inferred consequences."""
    committed: list[Delta] = []
    real = store.apply

    def recording(delta: Delta) -> None:
        committed.append(delta)
        real(delta)

    monkeypatch.setattr(store, "apply", recording)
    handed: list[Delta] = []
    gate = WriteGate(store, on_commit=handed.append)
    spaser = RES + "spaser/z"
    gate.put_graph(NEW_GRAPH, spaser_adopted_by_a(spaser))
    (delta,) = committed
    assert handed == [delta]
    assert not delta.removed
    assert {q.triple for q in delta.added if q.graph_name == ox.NamedNode(NEW_GRAPH)} == set(
        spaser_adopted_by_a(spaser)
    )
    assert {q.graph_name.value for q in delta.added} == {NEW_GRAPH, INFERRED_GRAPH}  # type: ignore[union-attr]
    assert len(delta.added) < 20

    committed.clear()
    gate.put_graph(NEW_GRAPH, spaser_adopted_by_a(spaser))  # the same content: nothing to do
    assert committed == []


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
    spaser = RES + "spaser/z"
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


def test_when_the_store_refuses_a_commit_each_file_goes_back_to_what_it_was(
    store: OxigraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are written before the store commits; a refused commit puts them back.
    A PUT's and a DELETE's content after the write is known, not read: the way back is the
    content after with the delta undone, which must be the graph as it was."""
    contributions = Contributions(tmp_path / "contributions")
    gate = WriteGate(store, contributions=contributions)
    first, second = spaser_adopted_by_a(RES + "spaser/z"), spaser_adopted_by_a(RES + "spaser/y")
    gate.put_graph(NEW_GRAPH, first)

    def on_file() -> set[ox.Triple]:
        (kept,) = [c for c in contributions.load() if c.graph == NEW_GRAPH]
        return {t.triple if isinstance(t, ox.Quad) else t for t in kept.content()}

    assert on_file() == set(first)

    def refusing(delta: Delta) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(store, "apply", refusing)
    for write in (
        lambda: gate.put_graph(NEW_GRAPH, second),
        lambda: gate.post_graph(NEW_GRAPH, second),
        lambda: gate.delete_graph(NEW_GRAPH),
    ):
        with pytest.raises(OSError, match="disk is full"):
            write()
        assert on_file() == set(first)
        assert {q.triple for q in store.quads(NEW_GRAPH)} == set(first)
    with pytest.raises(OSError):
        gate.put_graph(NEW_GRAPH + "-other", second)  # a graph the write would have made
    assert {c.graph: c.triples for c in contributions.load()} == {
        NEW_GRAPH: len(first),
        NEW_GRAPH + "-other": 0,  # an empty file, as after a DELETE: no graph
    }


def test_the_gate_reads_no_graph_its_last_commit_wrote_unless_the_store_changed_since(
    store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner refreshing its graph by PUT: the gate knows what its last commit left, so
    the next write of that graph does not read it (the engine scans every quad it still
    keeps as removed). Any other change to the store makes it read the graph again: the
    write's delta must be right either way."""
    gate = WriteGate(store)
    first, second, third = (spaser_adopted_by_a(RES + f"spaser/{n}") for n in "zyx")
    assert gate.put_graph(NEW_GRAPH, first).created
    reads: list[str | None] = []
    read = store.quads

    def counted(name: str | None) -> list[ox.Quad]:
        reads.append(name)
        return read(name)

    monkeypatch.setattr(store, "quads", counted)
    assert not gate.put_graph(NEW_GRAPH, second).created
    assert NEW_GRAPH not in reads
    assert {q.triple for q in read(NEW_GRAPH)} == set(second)

    # behind the gate's back: a quad the next PUT's content lacks, which it must remove
    stray = ox.Quad(first[0].subject, first[0].predicate, first[0].object, ox.NamedNode(NEW_GRAPH))
    store.apply(Delta(added=frozenset({stray})))
    gate.put_graph(NEW_GRAPH, third)
    assert NEW_GRAPH in reads
    assert {q.triple for q in read(NEW_GRAPH)} == set(third)

    reads.clear()
    gate.delete_graph(NEW_GRAPH)
    assert NEW_GRAPH not in reads
    assert not store.has_graph(NEW_GRAPH)
    assert gate.put_graph(NEW_GRAPH, first).created

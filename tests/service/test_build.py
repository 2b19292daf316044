"""``esskg build``: every named graph loaded, failures reported and harmless."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from service.errors import BuildFailed
from service.graph.build import ENGINE_DIR, SNAPSHOT, build, current_build
from service.namespaces import INFERRED_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.settings import Settings
from service.store.factory import open_store

RES = "https://w3id.org/esskg/id/"
DEF = "https://w3id.org/esskg/def#"
PAGE_A = "https://w3id.org/esskg/graph/source/page-a"
PAGE_B = "https://w3id.org/esskg/graph/source/page-b"

PREFIXES = (
    f"PREFIX ess: <{DEF}> PREFIX res: <{RES}>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
COUNT_SPASERS = PREFIXES + "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ess:SPASER }"


def _count_spasers(settings: Settings) -> int:
    store = open_store(settings, read_only=True)
    try:
        return int(store.select(COUNT_SPASERS)[0]["n"])
    finally:
        store.close()


def test_build_loads_every_named_graph(mini_settings: Settings) -> None:
    result = build(mini_settings)
    assert set(result.manifest.graphs) == {
        ONTOLOGY_GRAPH,
        SHAPES_GRAPH,
        LINKS_GRAPH,
        PAGE_A,
        PAGE_B,
        INFERRED_GRAPH,
    }
    assert result.manifest.graphs[PAGE_A] == 6
    assert result.manifest.graphs[LINKS_GRAPH] == 1
    store = open_store(mini_settings, read_only=True)
    try:
        assert store.graph_names() == sorted(result.manifest.graphs)
        assert store.count() == result.manifest.triples
        rows = store.select(
            PREFIXES + "SELECT ?g WHERE { GRAPH ?g { res:spaser\\/ville-paris ess:adoptedBy ?a } }"
        )
        assert rows == [{"g": URIRef(PAGE_A)}]
    finally:
        store.close()


def test_default_graph_is_the_union_of_all_graphs(mini_settings: Settings) -> None:
    build(mini_settings)
    store = open_store(mini_settings, read_only=True)
    try:
        # The label (page A), the identifier (links) and the class (ontology) meet in one BGP.
        rows = store.select(
            PREFIXES
            + """SELECT ?label ?code WHERE {
                 ?c a ess:CollectiviteTerritoriale ; rdfs:label ?label ;
                    <https://schema.org/identifier> ?code .
                 ess:CollectiviteTerritoriale rdfs:subClassOf ?sup
               }"""
        )
        assert [(str(r["label"]), str(r["code"])) for r in rows] == [("Région Bretagne", "53")]
    finally:
        store.close()


def test_syntax_error_names_file_and_line_and_keeps_previous_store(
    mini_settings: Settings, mini_project: Path
) -> None:
    build(mini_settings)
    before = current_build(mini_settings)
    broken = mini_project / "data" / "sources" / "page-b.ttl"
    broken.write_text(broken.read_text() + '\nres:x rdfs:label "unterminated .\n', "utf-8")

    with pytest.raises(BuildFailed) as failure:
        build(mini_settings)

    assert "data/sources/page-b.ttl:8:" in failure.value.report
    assert current_build(mini_settings) == before
    assert _count_spasers(mini_settings) == 1
    assert len(list((mini_project / "var" / "builds").iterdir())) == 1


def test_shape_violation_names_focus_node_and_shape(
    mini_settings: Settings, mini_project: Path
) -> None:
    build(mini_settings)
    page = mini_project / "data" / "sources" / "page-b.ttl"
    page.write_text(
        page.read_text() + '\nres:spaser\\/orphan a ess:SPASER ; rdfs:label "Orphelin"@fr .\n',
        "utf-8",
    )
    with pytest.raises(BuildFailed) as failure:
        build(mini_settings)
    report = failure.value.report
    assert "data/sources/page-b.ttl:" in report
    assert f"focus node: <{RES}spaser/orphan>" in report
    assert "shape: <https://w3id.org/esskg/shapes#SPASER-adoptedBy>" in report
    assert "MinCountConstraintComponent" in report
    assert "A SPASER has at least one adopting authority." in report
    assert _count_spasers(mini_settings) == 1


def test_warnings_do_not_stop_the_build(mini_settings: Settings) -> None:
    result = build(mini_settings)
    assert [w.focus for w in result.warnings] == [f"<{RES}collectivite/ville-paris>"]
    assert result.manifest.warnings == 1


def test_inferred_triples_live_in_the_inferred_graph_only(mini_settings: Settings) -> None:
    build(mini_settings)
    store = open_store(mini_settings, read_only=True)
    try:
        rows = store.select(
            PREFIXES
            + "SELECT ?g WHERE { GRAPH ?g { res:collectivite\\/ville-paris ess:adopted ?s } }"
        )
        assert rows == [{"g": URIRef(INFERRED_GRAPH)}]
        inferred = {q.triple for q in store.quads(INFERRED_GRAPH)}
        for graph in store.graph_names():
            if graph != INFERRED_GRAPH:
                assert not {q.triple for q in store.quads(graph)} & inferred, graph
        assert len(inferred) == 3
    finally:
        store.close()


def test_functional_property_merge_is_reported_as_inconsistency(
    mini_settings: Settings, mini_project: Path
) -> None:
    build(mini_settings)
    onto = mini_project / "ontology" / "mini.ttl"
    onto.write_text(onto.read_text() + "\ness:adoptedBy a owl:FunctionalProperty .\n", "utf-8")
    page = mini_project / "data" / "sources" / "page-b.ttl"
    page.write_text(
        page.read_text()
        + "\nres:spaser\\/ville-paris ess:adoptedBy res:collectivite\\/region-bretagne .\n",
        "utf-8",
    )
    with pytest.raises(BuildFailed) as failure:
        build(mini_settings)
    assert "owl:sameAs merges two distinct resources" in failure.value.report
    assert f"<{RES}collectivite/region-bretagne>" in failure.value.report
    assert _count_spasers(mini_settings) == 1


def test_old_builds_are_pruned(mini_settings: Settings, mini_project: Path) -> None:
    for _ in range(4):
        build(mini_settings)
    kept = list((mini_project / "var" / "builds").iterdir())
    assert len(kept) == 1 + mini_settings.keep_builds


def test_the_build_leaves_a_snapshot_of_what_it_loaded(mini_settings: Settings) -> None:
    result = build(mini_settings)
    snapshot = ox.Store()
    snapshot.load(path=str(result.folder / SNAPSHOT), format=ox.RdfFormat.N_QUADS)
    store = ox.Store.read_only(str(result.folder / ENGINE_DIR))
    assert len(snapshot) == len(store)
    # the default graph is the union of the named graphs (a set), kept beside them
    written = [q for q in store if not isinstance(q.graph_name, ox.DefaultGraph)]
    union = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert len(written) == result.manifest.triples
    assert union == {q.triple for q in written}

    def ground(source: ox.Store) -> set[ox.Quad]:  # blank nodes are renamed by a load
        return {
            q
            for q in source.quads_for_pattern(None, None, None, None)
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
        }

    assert ground(snapshot) == ground(store)

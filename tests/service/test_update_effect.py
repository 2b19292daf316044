"""The delta of a SPARQL Update, computed without running it, equals what running it does.

The oracle is the engine itself: for every W3C SPARQL 1.1 Update evaluation test (and the
cases below), the delta computed by ``update_effect`` and committed by ``Store.apply`` must
leave the same dataset, up to blank node names, as the engine's own ``update`` on a copy;
where the engine refuses the update, so must the computation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from service.errors import EvaluationError, QuerySyntaxError
from service.sparql.update_effect import update_effect
from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore
from tests.w3c.common import MISSING, SPARQL11

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
FOLDERS = (
    "add",
    "basic-update",
    "clear",
    "copy",
    "delete",
    "delete-data",
    "delete-insert",
    "delete-where",
    "drop",
    "move",
    "update-silent",
)


@dataclass
class UpdateTest:
    id: str
    request: Path
    data: list[Path] = field(default_factory=list)
    graph_data: list[tuple[str, Path]] = field(default_factory=list)


def _path(node: object) -> Path:
    return Path(str(node).removeprefix("file://"))


def _update_tests() -> Iterator[UpdateTest]:
    if not SPARQL11.is_dir():
        return
    for folder in FOLDERS:
        manifest_path = SPARQL11 / folder / "manifest.ttl"
        graph = Graph().parse(manifest_path, format="turtle", publicID=manifest_path.as_uri())
        manifest = next(graph.subjects(RDF.type, MF.Manifest))
        for entry in Collection(graph, graph.value(manifest, MF.entries)):
            if graph.value(entry, RDF.type) != MF.UpdateEvaluationTest:
                continue
            if graph.value(entry, DAWGT.approval) == DAWGT.Withdrawn:
                continue
            action = graph.value(entry, MF.action)
            request = _path(graph.value(action, UT.request))
            if "LOAD" in request.read_text("utf-8").upper():
                continue  # would fetch from the Internet
            yield UpdateTest(
                f"{folder}/{str(entry).rsplit('#', 1)[-1]}",
                request,
                [_path(d) for d in graph.objects(action, UT.data)],
                [
                    (str(graph.value(g, RDFS.label)), _path(graph.value(g, UT.graph)))
                    for g in graph.objects(action, UT.graphData)
                ],
            )


TESTS = list(_update_tests())


def _loaded(test: UpdateTest) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for path in test.data:
        quads += ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
    for name, path in test.graph_data:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
            quads.append(ox.Quad(quad.subject, quad.predicate, quad.object, ox.NamedNode(name)))
    return quads


def _canonical(quads: object) -> set[str]:
    dataset = ox.Dataset(quads)  # type: ignore[arg-type]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def assert_effect_is_the_update(quads: list[ox.Quad], text: str, base: str | None) -> Delta:
    """The oracle: the delta, committed, leaves what the engine's own update leaves."""
    engine = ox.Store()
    engine.extend(quads)
    store = OxigraphStore.in_memory(union_default=False)
    store.add_quads(quads)
    try:
        engine.update(text, base_iri=base)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        with pytest.raises((QuerySyntaxError, EvaluationError)):
            update_effect(store, text, base)
        assert _canonical(store.all_quads()) == _canonical(quads)
        return Delta()
    delta = update_effect(store, text, base)
    assert _canonical(store.all_quads()) == _canonical(quads), "computing it changed the store"
    assert delta.removed <= set(quads) and not delta.added & set(quads), "not exact"
    store.apply(delta)
    assert _canonical(store.all_quads()) == _canonical(engine)
    return delta


@pytest.mark.skipif(not TESTS, reason=MISSING)
@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_w3c_update_effect_equals_the_engines_update(test: UpdateTest) -> None:
    text = test.request.read_text("utf-8")
    assert_effect_is_the_update(_loaded(test), text, test.request.as_uri())


EX = "http://example.org/"
G, H = f"{EX}g", f"{EX}h"


def quad(s: str, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal, g: str | None) -> ox.Quad:
    graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if g is None else ox.NamedNode(g)
    subject = ox.BlankNode(s[2:]) if s.startswith("_:") else ox.NamedNode(EX + s)
    return ox.Quad(subject, ox.NamedNode(EX + p), o, graph)


BLANK = ox.BlankNode("b1")
DATA = [
    quad("a", "p", ox.Literal("1"), G),
    quad("a", "p", ox.Literal("2"), G),
    quad("b", "p", ox.Literal("1"), H),
    quad("a", "q", BLANK, G),
    quad("_:b1", "r", ox.Literal("x", language="fr"), G),
    quad("c", "p", ox.NamedNode(EX + "a"), None),
]

CASES = {
    "delete-insert-where": f"DELETE {{ GRAPH <{G}> {{ ?s <{EX}p> ?o }} }} "
    f'INSERT {{ GRAPH <{G}> {{ ?s <{EX}p> "new" }} }} WHERE {{ GRAPH <{G}> {{ ?s <{EX}p> ?o }} }}',
    "with-graph": f"WITH <{G}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s <{EX}p> ?o }}",
    "with-and-using": f"WITH <{H}> INSERT {{ ?s <{EX}copied> ?o }} USING <{G}> "
    f"WHERE {{ ?s <{EX}p> ?o }}",
    "using-named-only": f"INSERT {{ GRAPH <{H}> {{ ?s <{EX}seen> 1 }} }} USING NAMED <{G}> "
    f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "blank-node-from-the-data": f"DELETE {{ GRAPH <{G}> {{ ?b ?p ?o }} }} "
    f"WHERE {{ GRAPH <{G}> {{ <{EX}a> <{EX}q> ?b . ?b ?p ?o }} }}",
    "fresh-blank-per-solution": f"INSERT {{ GRAPH <{H}> {{ ?s <{EX}has> [ <{EX}v> ?o ] }} }} "
    f"WHERE {{ GRAPH <{G}> {{ ?s <{EX}p> ?o }} }}",
    "default-graph-not-the-union": "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "prefixes-across-operations": f"PREFIX ex: <{EX}> "
    "INSERT DATA { GRAPH ex:h { ex:z ex:p 1 } } ;"
    ' DELETE DATA { GRAPH ex:g { ex:a ex:p "1" } }',
    "insert-existing-is-no-change": f'INSERT DATA {{ GRAPH <{G}> {{ <{EX}a> <{EX}p> "1" }} }}',
    "delete-then-reinsert": f'DELETE DATA {{ GRAPH <{G}> {{ <{EX}a> <{EX}p> "1" }} }} ; '
    f'INSERT DATA {{ GRAPH <{G}> {{ <{EX}a> <{EX}p> "1" }} }}',
    "pattern-after-a-change": f"INSERT DATA {{ GRAPH <{H}> {{ <{EX}n> <{EX}p> 5 }} }} ; "
    f"DELETE {{ GRAPH <{H}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{H}> {{ ?s ?p ?o }} }}",
    "move-graphs": f"MOVE <{G}> TO <{H}> ; COPY <{H}> TO DEFAULT ; ADD DEFAULT TO <{EX}k>",
    "move-named-graphs": f"MOVE <{G}> TO <{H}> ; ADD <{H}> TO <{EX}k> ; COPY <{EX}k> TO <{G}>",
    "drop-missing-graph": f"DROP GRAPH <{EX}missing>",
    "clear-all": "CLEAR ALL",
    "relative-iri": "INSERT DATA { GRAPH <g> { <s> <p> <o> } }",
    "blank-node-in-delete-data": f"DELETE DATA {{ _:x <{EX}p> 1 }}",
    "syntax-error": "INSERT DATA { <a> <b> }",
}


@pytest.mark.parametrize("text", CASES.values(), ids=list(CASES))
def test_update_effect_equals_the_engines_update(text: str) -> None:
    assert_effect_is_the_update(DATA, text, "http://example.org/base/")


def test_a_pattern_reads_only_what_it_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DELETE/INSERT WHERE never copies the store: no read of all quads."""
    store = OxigraphStore.in_memory()
    store.add_quads(DATA)

    def no_copy(*_: object, **__: object) -> Iterator[ox.Quad]:
        raise AssertionError("the whole store was read")

    monkeypatch.setattr(store, "all_quads", no_copy)
    delta = update_effect(store, CASES["delete-insert-where"])
    assert len(delta.removed) == 2 and len(delta.added) == 1  # one "new" for both
    assert {str(q.graph_name) for q in delta.added} == {f"<{G}>"}


@pytest.mark.parametrize("engine", ["oxigraph_server_store", "virtuoso_store"])
@pytest.mark.parametrize(
    "name", ["delete-insert-where", "with-graph", "using-named-only", "move-named-graphs"]
)
def test_a_remote_engine_gives_the_same_effect(
    engine: str, name: str, request: pytest.FixtureRequest
) -> None:
    """The same reads, answered by another engine over HTTP: the same delta (on named
    graphs: the Oxigraph server's own default graph has no name a request could use)."""
    ground = [q for q in DATA if not isinstance(q.subject, ox.BlankNode) and q.object != BLANK]
    ground = [q for q in ground if not isinstance(q.graph_name, ox.DefaultGraph)]
    local = OxigraphStore.in_memory()
    local.add_quads(ground)
    remote = request.getfixturevalue(engine)
    remote.apply(Delta(added=frozenset(ground)))
    expected = update_effect(local, CASES[name])
    assert update_effect(remote, CASES[name]) == expected
    remote.apply(expected)
    local.apply(expected)
    assert set(remote.all_quads()) == set(local.all_quads())

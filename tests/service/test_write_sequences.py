"""Random sequences of writes through the service: after each, every copy agrees.

Hypothesis draws Graph Store PUTs, POSTs and DELETEs (of subsets of a pool of triples,
some conforming, some violating a shape, one with a blank node, several with inferences)
and SPARQL Updates, sent to a real app with its query engine process. After every step:
the query engine's copy holds exactly the store's quads (deltas applied in order, no
reload), the inferred graph is what reasoning from scratch over the asserted data gives,
each contribution file holds its graph, and a refused write changed nothing. Whether a write
is refused is held to an independent oracle: the write applied by the engine itself to a
scratch copy of the data, judged by pyshacl and a full materialisation (the service decides
from the delta alone: ``service.graph.incremental_consequences``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api.app import create_app
from service.graph.build import build
from service.graph.consequences import PROTECTED, rdflib_graph
from service.graph.contributions import Contributions
from service.graph.materialise import materialise
from service.graph.validate import validate
from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.store.base import Store
from tests.conftest import FIXTURES, settings_for

TOKEN = "t"
RES = "https://w3id.org/esskg/id/"
ESS = "https://w3id.org/esskg/def#"
G1 = "https://w3id.org/esskg/graph/partner/one"
G2 = "https://w3id.org/esskg/graph/partner/two"
PARIS = f"<{RES}collectivite/ville-paris>"
X, Y = f"<{RES}spaser/x>", f"<{RES}spaser/y>"
TYPE, LABEL = (
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
    ("<http://www.w3.org/2000/01/rdf-schema#label>"),
)
GYEAR = "<http://www.w3.org/2001/XMLSchema#gYear>"
POOL = [
    f"{X} {TYPE} <{ESS}SPASER> .",  # alone: violates minCount of adoptedBy
    f"{X} <{ESS}adoptedBy> {PARIS} .",  # infers Paris adopted x
    f"{Y} <{ESS}adoptedBy> {PARIS} .",  # infers y a SPASER (domain)
    f'{PARIS} {LABEL} "Paris"@fr .',
    f"_:b <{ESS}adoptedBy> {PARIS} .",  # a blank node, typed by the rules
    f'{X} <{ESS}adoptionYear> "2020"^^{GYEAR} .',
    f'{X} <{ESS}adoptionYear> "2021"^^{GYEAR} .',  # with the one above: maxCount violated
]
UPDATES = [
    f"DELETE {{ GRAPH ?g {{ ?s <{ESS}adoptedBy> ?o }} }} "
    f"WHERE {{ GRAPH ?g {{ ?s <{ESS}adoptedBy> ?o }} FILTER(?g = <{G1}>) }}",
    f"INSERT DATA {{ GRAPH <{G2}> {{ <{RES}spaser/z> <{ESS}adoptedBy> {PARIS} }} }}",
    f"MOVE SILENT <{G1}> TO <{G2}>",
    f"DROP SILENT GRAPH <{G2}>",
    f'INSERT {{ GRAPH <{G1}> {{ ?s {LABEL} "copié"@fr }} }} '
    f"WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}",
]

graphs = st.sampled_from([G1, G2])
payloads = st.lists(st.sampled_from(POOL), max_size=4, unique=True)
writes = st.one_of(
    st.tuples(st.just("PUT"), graphs, payloads),
    st.tuples(st.just("POST"), graphs, payloads),
    st.tuples(st.just("DELETE"), graphs, st.just([])),
    st.tuples(st.just("UPDATE"), st.sampled_from(UPDATES), st.just([])),
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("sequences") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    project = settings_for(root, write_token=TOKEN, query_workers=2, result_cache_bytes=0)
    build(project)
    with TestClient(create_app(project)) as c:
        yield c


def _send(client: TestClient, write: tuple[str, str, list[str]]) -> int:
    method, target, lines = write
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if method == "UPDATE":
        headers = {**auth, "Content-Type": "application/sparql-update"}
        return client.post("/sparql", content=target.encode(), headers=headers).status_code
    body = "\n".join(lines).encode()
    headers = {**auth, "Content-Type": "application/n-triples"}
    return client.request(
        method, "/graphs", params={"graph": target}, content=body, headers=headers
    ).status_code


def _engine_quads(client: TestClient) -> set[str]:
    """Every quad of the query engine's copy, asked through /sparql."""
    response = client.get(
        "/sparql",
        params={"query": "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"},
    )
    assert response.status_code == 200
    rows = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    return {str(ox.Quad(r["s"], r["p"], r["o"], r["g"])) for r in rows}  # type: ignore[arg-type, index]


def _refused_by_the_oracle(store: Store, write: tuple[str, str, list[str]]) -> bool | None:
    """Whether the data after ``write`` violates a shape or is inconsistent, judged on a
    scratch copy the engine writes with its own operations; None for a DELETE of a graph
    that does not exist (404)."""
    method, target, lines = write
    scratch = ox.Store()
    scratch.extend(q for q in store.all_quads() if not isinstance(q.graph_name, ox.DefaultGraph))
    graph = ox.NamedNode(target) if method != "UPDATE" else None
    payload = ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES) if lines else []
    if method == "DELETE" and graph is not None:
        if graph not in set(scratch.named_graphs()):
            return None
        scratch.remove_graph(graph)
    elif method == "PUT" and graph is not None:
        for quad in list(scratch.quads_for_pattern(None, None, None, graph)):
            scratch.remove(quad)
    if method in ("PUT", "POST") and graph is not None:
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in payload)
    if method == "UPDATE":
        scratch.update(target)
    protected = {ox.NamedNode(g) for g in PROTECTED}
    data = [q for q in scratch if q.graph_name not in protected]
    ontology = rdflib_graph(store, ONTOLOGY_GRAPH)
    outcome = validate(data, rdflib_graph(store, SHAPES_GRAPH), ontology, validator="pyshacl")
    triples = [q.triple for q in data]
    inconsistent = materialise(rdflib_graph(store, ONTOLOGY_GRAPH), triples).found
    return bool(outcome.violations or inconsistent)


def _stored(store: Store) -> set[str]:
    return {str(q) for q in store.all_quads() if not isinstance(q.graph_name, ox.DefaultGraph)}


def _check(client: TestClient) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    assert _engine_quads(client) == _stored(store)
    asserted = [q.triple for q in store.all_quads(excluding=PROTECTED)]
    closure = materialise(rdflib_graph(store, ONTOLOGY_GRAPH), asserted).inferred
    assert {q.triple for q in store.quads(INFERRED_GRAPH)} == set(closure)
    folder: Path = client.app.state.settings.resolve(client.app.state.settings.contributions_path)  # type: ignore[attr-defined]
    for contribution in Contributions(folder).load():
        lines = contribution.path.read_text("utf-8").splitlines()[1:]
        assert set(lines) == {f"{q.triple} ." for q in store.quads(contribution.graph)}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(writes, min_size=1, max_size=6))
def test_after_every_write_the_engine_the_store_and_the_files_agree(
    client: TestClient, sequence: list[tuple[str, str, list[str]]]
) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    for write in sequence:
        before = _stored(store)
        refused = _refused_by_the_oracle(store, write)
        status = _send(client, write)
        assert status in (200, 201, 204, 404, 422), (write, status)
        if refused is not None:
            assert (status == 422) == refused, (write, status)
        if status in (404, 422):
            assert _stored(store) == before, "a refused write changed the store"
        _check(client)


def test_a_refused_write_answers_the_report_and_changes_nothing(client: TestClient) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    before = _stored(store)
    lonely = f"<{RES}spaser/lonely> {TYPE} <{ESS}SPASER> ."  # no adopting authority anywhere
    status = _send(client, ("PUT", G1, [lonely]))
    assert status == 422
    assert _stored(store) == before
    assert (
        json.loads(
            client.put(
                "/graphs",
                params={"graph": G1},
                content=lonely.encode(),
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Content-Type": "application/n-triples",
                },
            ).text
        )["status"]
        == 422
    )


def test_writes_are_checked_by_the_engine_and_schema_changes_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server reads the disk store; the engine's copy answers a write's checks from its
    delta, and only a write the incremental rules cannot follow is checked in full here."""
    from service.graph import incremental_consequences

    full_runs: list[int] = []
    real_full = incremental_consequences.full_consequences

    def counted(**kwargs: object) -> incremental_consequences.ConsequencesOf:
        inner = real_full(**kwargs)  # type: ignore[arg-type]

        def run(store: Store, delta: object) -> incremental_consequences.Consequences:
            full_runs.append(len(delta))  # type: ignore[arg-type]
            return inner(store, delta)  # type: ignore[arg-type]

        return run

    monkeypatch.setattr(incremental_consequences, "full_consequences", counted)
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", root)
    project = settings_for(root, write_token=TOKEN, query_workers=1, result_cache_bytes=0)
    build(project)
    with TestClient(create_app(project)) as c:
        assert c.app.state.store.local_engine() is None  # type: ignore[attr-defined]
        assert _send(c, ("POST", G1, [POOL[1], POOL[5]])) == 201
        assert _send(c, ("PUT", G1, [POOL[0]])) == 422  # refused by the engine's checks
        assert full_runs == []
        subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
        schema = f"<{ESS}Thing2> {subclass} <{ESS}SPASER> ."
        assert _send(c, ("POST", G2, [schema])) in (201, 422)
        assert len(full_runs) == 1
        _check(c)

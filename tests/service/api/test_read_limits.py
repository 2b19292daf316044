"""Every read path stops at the query time limit with a 503 problem, like ``/sparql``.

The store holds a resource used by 100,000 nodes (each says it is about it, and it names
each of them), typed with 100,000 classes that form one chain of subclasses; under a 1 s
limit, describing it, paging it, reading its graph, the VoID statistics, checking it as a
canned query's parameter and listing the parameter's values for OpenAPI each take longer
than that, so each must be stopped in the query engine (the process is killed and replaced)
and answered 503. Two reads are cheap on any data of this size, dereferencing (one index
lookup) and the service description (a count per graph): with the engine frozen, they are
shown to wait in it and be stopped at the limit too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.store.oxigraph import OxigraphStore
from tests.conftest import FIXTURES, settings_for

RES = "https://w3id.org/esskg/id/"
ESS = "https://w3id.org/esskg/def#"
GRAPH = "https://w3id.org/esskg/graph/partner/heavy"
HUB = RES + "kind/hub"
NODES = 100_000

_QUERY = """#+ summary: Things about a hub
#+ summary_fr: Les choses au sujet d'un nœud
#+ description: Every thing about the hub.
#+ description_fr: Toutes les choses au sujet du nœud.
#+ tags: [test]
#+ method: GET
#+ params:
#+   hub:
#+     type: iri
#+     class: ess:Thing
#+     description: The hub
#+     description_fr: Le nœud
#+ enumerate: [hub]

PREFIX ess: <https://w3id.org/esskg/def#>
SELECT ?s WHERE { ?s ess:about ?hub }
"""


def heavy_quads() -> list[ox.Quad]:
    graph = ox.NamedNode(GRAPH)
    hub = ox.NamedNode(HUB)
    about, kind = ox.NamedNode(ESS + "about"), ox.NamedNode(ESS + "Thing")
    mentions = ox.NamedNode(ESS + "mentions")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    subclass = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    quads = []
    for i in range(NODES):
        node, cls = ox.NamedNode(f"{RES}node/{i}"), ox.NamedNode(f"{ESS}C{i}")
        quads += [
            ox.Quad(node, about, hub, graph),
            ox.Quad(node, rdf_type, kind, graph),
            # classes in one long chain: each type's superclasses are most of the others
            ox.Quad(hub, rdf_type, cls, graph),
            ox.Quad(cls, subclass, ox.NamedNode(f"{ESS}C{i + 1}"), graph),
            # and it names each node back: more for its description to hold
            ox.Quad(hub, mentions, node, graph),
        ]
    return quads


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("heavy") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    (root / "queries" / "test").mkdir(parents=True)
    # OpenAPI lists the values of every enumerated parameter in one read: one listing took
    # 0.9 s on a quiet machine, under the limit, so three queries enumerate the same one
    for suffix in ("", "-again", "-once-more"):
        (root / "queries" / "test" / f"things-about-hub{suffix}.rq").write_text(_QUERY, "utf-8")
    # no runaway cooldown: one client stops the engine case after case
    # Answers may hold every triple: capped at the default 100,000, the hub's description
    # was written in 0.8 s on a fast machine, too close to the limit to be sure of a stop.
    settings = settings_for(
        root,
        query_timeout=1.0,
        query_workers=2,
        result_cache_bytes=0,
        runaway_cooldown=0,
        result_limit=1_000_000,
    )
    store = OxigraphStore.in_memory()
    store.add_quads(heavy_quads())
    with TestClient(create_app(settings, store), follow_redirects=False) as c:
        yield c


def _stopped_at_the_limit(client: TestClient, url: str, accept: str = "text/turtle") -> None:
    client.app.state.runtime.executor.wait_ready()  # type: ignore[attr-defined]
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 503, (url, response.status_code, response.text[:200])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "1 s limit" in response.json()["detail"], response.json()


JSON = "application/json"


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/data/kind/hub.ttl", "text/turtle"),
        ("/page/kind/hub", "text/html"),
        (f"/graphs?graph={GRAPH}", "text/turtle"),
        ("/.well-known/void", "text/turtle"),
        (f"/queries/test/things-about-hub?hub={HUB}", JSON),
        ("/openapi.json", JSON),
    ],
    ids=["data", "page", "graph-store-get", "void", "canned-check", "openapi"],
)
def test_a_read_past_the_time_limit_is_stopped_with_503(
    client: TestClient, url: str, accept: str
) -> None:
    _stopped_at_the_limit(client, url, accept)


@pytest.mark.parametrize(
    ("url", "accept"),
    [("/id/kind/hub", "text/turtle"), ("/sparql", "text/turtle")],
    ids=["dereference", "service-description"],
)
def test_cheap_reads_run_in_the_query_engine_under_the_limit(
    client: TestClient, url: str, accept: str
) -> None:
    executor = client.app.state.runtime.executor  # type: ignore[attr-defined]
    executor.wait_ready()
    (pid,) = executor.pids
    os.kill(pid, signal.SIGSTOP)
    try:
        _stopped_at_the_limit(client, url, accept)
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed at the limit, as it should be
            os.kill(pid, signal.SIGCONT)
    executor.wait_ready()
    assert executor.pids != [pid]  # the frozen engine was killed and replaced


def test_the_store_answers_again_after_each_stop(client: TestClient) -> None:
    client.app.state.runtime.executor.wait_ready()  # type: ignore[attr-defined]
    answer = client.get("/sparql", params={"query": f"ASK {{ <{HUB}> ?p ?o }}"})
    assert answer.json()["boolean"] is True

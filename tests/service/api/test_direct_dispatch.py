"""``/sparql`` dispatched straight to its handler: same answers, errors and headers as
through the router, CORS and the answer cache still around it, other methods untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.direct import DirectDispatch
from service.sparql.execution import QueryJob
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for

JSON = "application/sparql-results+json"


@pytest.fixture
def client(mini_project: Path) -> Iterator[TestClient]:
    store = OxigraphStore.in_memory()
    store.update(
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
        "<http://example.org/p> 'o' } }"
    )
    with TestClient(create_app(settings_for(mini_project), store)) as test_client:
        yield test_client


def test_query_answers_with_the_handlers_headers(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o }"}, headers={"Accept": JSON}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)
    assert response.headers["etag"].startswith('"')
    assert response.json()["results"]["bindings"] == [{"o": {"type": "literal", "value": "o"}}]


def test_cors_still_wraps_the_endpoint(client: TestClient) -> None:
    origin = {"Origin": "https://example.net"}
    response = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_errors_go_through_the_installed_problem_handlers(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://w3id.org/esskg/problems/syntax"


def test_a_bug_is_a_problem_500_as_on_any_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job: QueryJob) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(client.app.state.runtime.executor, "run", broken)  # type: ignore[attr-defined]
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Cache-Control": "no-cache"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://w3id.org/esskg/problems/internal"
    assert "a bug" not in response.text


def test_other_methods_still_reach_the_router(client: TestClient) -> None:
    assert client.put("/sparql", content=b"x").status_code == 405
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/sparql"]) == {"get", "post"}  # HEAD is served, not documented


WRITE_TOKEN = "direct-writes"
GRAPH = "https://w3id.org/esskg/graph/partner/direct"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture
def writer(mini_project: Path) -> Iterator[TestClient]:
    settings = settings_for(mini_project, write_token=WRITE_TOKEN, infer_on_write=False)
    with TestClient(create_app(settings, OxigraphStore.in_memory())) as test_client:
        yield test_client


def _shown(response: object) -> tuple[int, str | None, str | None]:
    status = response.status_code  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    problem = response.json().get("type") if status >= 400 else None  # type: ignore[attr-defined]
    return status, headers.get("content-type"), problem


def test_graph_store_writes_answer_as_through_the_router(writer: TestClient) -> None:
    """``/graphs?graph=`` writes go straight to the handler; ``/graphs/…`` (direct
    identification) still goes through the router to the same handler: the same answers."""
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}", "Content-Type": "application/n-triples"}
    body = f'<{GRAPH}#s> <{LABEL}> "Réseau direct"@fr .\n'.encode()
    layers = writer.app.user_middleware  # type: ignore[attr-defined]
    direct_paths = {m.kwargs["path"] for m in layers if m.cls is DirectDispatch}
    assert direct_paths == {"/sparql", "/graphs"}
    direct = writer.put("/graphs", params={"graph": GRAPH}, content=body, headers=auth)
    assert direct.status_code == 201 and direct.headers["etag"].startswith('"')
    got = writer.get(
        "/graphs", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"}
    )
    assert got.status_code == 200 and got.headers["etag"] == direct.headers["etag"]
    assert "Réseau direct" in got.text
    # the same handler through the router, for a graph named by its URL here
    here = str(writer.base_url) + "/graphs/direct-two"
    through = writer.put("/graphs/direct-two", content=body, headers=auth)
    assert through.status_code == 201
    assert writer.get("/graphs", params={"graph": here}).status_code == 200
    # errors: the installed problem handlers, identical either way
    for headers, payload in (
        ({"Content-Type": "application/n-triples"}, body),  # no key
        (auth, b"<not n-triples"),  # a syntax error
        ({**auth, "Content-Type": "application/x-unknown"}, body),  # an unknown format
    ):
        one = writer.put("/graphs", params={"graph": GRAPH}, content=payload, headers=headers)
        two = writer.put("/graphs/direct-two", content=payload, headers=headers)
        assert _shown(one) == _shown(two)
        assert one.status_code >= 400 and one.headers["content-type"] == "application/problem+json"
    assert writer.delete("/graphs", params={"graph": GRAPH}, headers=auth).status_code == 204
    assert writer.get("/graphs", params={"graph": GRAPH}).status_code == 404

"""``/sparql`` dispatched straight to its handler: same answers, errors and headers as
through the router, CORS and the answer cache still around it, other methods untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
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

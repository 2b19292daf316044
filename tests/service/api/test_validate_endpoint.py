"""``POST /validate``: public, so bounded like a query (issue 10).

It runs in the query engine process on its copy of the data, with the query time limit, and
without the write lock, so anonymous validations cannot keep a writer waiting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import build
from service.settings import Settings

ESS = "https://w3id.org/esskg/def#"
TURTLE = {"content-type": "text/turtle", "accept": "application/json"}
GOOD = (
    f"<http://e/s> a <{ESS}SPASER> ; <{ESS}adoptedBy> <https://w3id.org/esskg/id/collectivite/a> ."
)
BAD = f"<http://e/s> a <{ESS}SPASER> ."  # no adopting authority


def client_for(settings: Settings) -> TestClient:
    build(settings)
    return TestClient(create_app(settings))


@pytest.fixture
def client(mini_settings: Settings) -> Iterator[TestClient]:
    with client_for(mini_settings.model_copy(update={"write_token": "t"})) as test_client:
        yield test_client


def test_a_payload_is_judged_without_being_committed(client: TestClient) -> None:
    before = client.get("/health").json()["triples"]
    refused = client.post("/validate", content=BAD, headers=TURTLE)
    assert refused.status_code == 200
    assert refused.json()["conforms"] is False
    assert "adopting authority" in refused.text
    assert client.get("/health").json()["triples"] == before


def test_validation_does_not_wait_for_the_write_lock(client: TestClient) -> None:
    """Bug fixed: four anonymous validations delayed a one-triple write from 0.17 to 6.1 s."""
    lock = client.app.state.runtime.executor.write_lock  # type: ignore[attr-defined]
    assert lock.acquire(timeout=5)
    try:  # a writer is committing: the validation still answers
        response = client.post("/validate", content=BAD, headers=TURTLE)
        assert response.status_code == 200
    finally:
        lock.release()


def test_validation_runs_in_the_query_engine_under_the_time_limit(
    mini_settings: Settings,
) -> None:
    settings = mini_settings.model_copy(update={"query_timeout": 0.3})
    body = "\n".join(
        f"<http://e/s{i}> a <{ESS}SPASER> ; <{ESS}adoptedBy> <http://e/a{i}> ."
        for i in range(60_000)
    )
    with client_for(settings) as client:
        (pid,) = client.app.state.runtime.executor.pids  # type: ignore[attr-defined]
        response = client.post("/validate", content=body, headers=TURTLE)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert "limit" in response.json()["detail"]
        # the engine that ran it was stopped; its successor answers
        assert client.app.state.runtime.executor.pids != [pid]  # type: ignore[attr-defined]
        ok = client.post("/validate", content=GOOD, headers=TURTLE)
        assert ok.status_code == 200

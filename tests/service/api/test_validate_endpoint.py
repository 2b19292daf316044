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
from service.graph.incremental_consequences import IncrementalConsequences
from service.settings import Settings
from service.sparql.execution import StoreCall

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
    # no cooldown: the same client checks that the successor answers
    settings = mini_settings.model_copy(update={"query_timeout": 0.3, "runaway_cooldown": 0})
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


def _compiled(store: object) -> tuple[bool, bool]:
    """In the engine: whether the dry run's and the gate's checks are compiled there."""
    from service.graph import dry_run, incremental_consequences

    dry = [c.compiled for c in dry_run._ready.values() if isinstance(c, IncrementalConsequences)]
    gate = [c.compiled for c in incremental_consequences._in_engine.values()]
    return any(dry), any(gate)


@pytest.mark.parametrize("prepare", [True, False])
def test_each_engine_compiles_the_checks_before_it_takes_queries(
    mini_settings: Settings, prepare: bool
) -> None:
    """Bug fixed: at a million triples the first /validate on each new engine compiled the
    dry-run checks inside the request (12.7 s), so a 5 s limit killed it and forced a reload."""
    from service.graph import dry_run, incremental_consequences

    # the engine is forked from this process: checks an earlier test compiled here would
    # be inherited, and read as compiled by the engine
    dry_run._ready.clear()
    incremental_consequences._in_engine.clear()
    settings = mini_settings.model_copy(update={"prepare_writes": prepare})
    with client_for(settings) as client:
        executor = client.app.state.runtime.executor  # type: ignore[attr-defined]
        assert executor.run(StoreCall(_compiled)) == (prepare, prepare)
        executor.refresh()  # a new engine (as after a kill): it prepares again as it loads
        assert executor.run(StoreCall(_compiled)) == (prepare, prepare)
        assert client.post("/validate", content=GOOD, headers=TURTLE).status_code == 200

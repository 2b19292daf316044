"""A SPARQL Update's evaluation runs in the query engine, under the time limit and the memory
ceiling (issue 10): before, it ran in the server with neither, holding the write lock."""

from __future__ import annotations

import resource
import shutil
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import build
from tests.conftest import FIXTURES, settings_for

TOKEN = "update-limits"
UPDATE = {"authorization": f"Bearer {TOKEN}", "content-type": "application/sparql-update"}
RUNAWAY = (
    "INSERT { <http://e/x> <http://e/n> ?n } WHERE { SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o } }"
)
_DOUBLE = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(40))
#: needs the data: checked on an empty store it matches nothing, in the engine it explodes
DATA_DOUBLING = (
    "INSERT { <http://e/x> <http://e/n> ?x40 } WHERE { ?s ?p ?o BIND(STR(?s) AS ?x0) "
    + _DOUBLE
    + " }"
)
#: needs no data: the server's syntax check (a child on an empty store) already explodes
DOUBLING = (
    'INSERT { <http://e/x> <http://e/n> ?x40 } WHERE { BIND("0123456789abcdef" AS ?x0) '
    + _DOUBLE
    + " }"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("update-limits") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    settings = settings_for(
        root,
        write_token=TOKEN,
        query_timeout=1.5,
        query_memory_mb=300,
        runaway_cooldown=0,  # one client sends every case
        infer_on_write=False,
    )
    build(settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _triples(client: TestClient) -> int:
    return int(client.get("/health").json()["triples"])


@pytest.mark.parametrize(
    ("update", "slug"), [(RUNAWAY, "timeout"), (DATA_DOUBLING, "engine-crashed")]
)
def test_an_update_past_the_limits_is_stopped_in_the_engine(
    client: TestClient, update: str, slug: str
) -> None:
    executor = client.app.state.runtime.executor  # type: ignore[attr-defined]
    executor.wait_ready()
    (pid,) = executor.pids
    before, peak = _triples(client), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    response = client.post("/sparql", content=update, headers=UPDATE)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(slug), response.json()
    assert time.monotonic() - started < 10
    assert executor.pids != [pid]  # the engine that evaluated it was stopped
    assert _triples(client) == before  # nothing was written
    # the server never held the update's data (a 2^40-byte string, for the second)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KiB
    # and writes go on
    ok = client.post(
        "/sparql", content=f"INSERT DATA {{ <http://e/a> <http://e/b> '{slug}' }}", headers=UPDATE
    )
    assert ok.status_code == 204, ok.text
    assert _triples(client) > before


def test_an_update_that_explodes_without_data_is_stopped_by_its_syntax_check(
    client: TestClient,
) -> None:
    """The syntax check runs the update on an empty store in a child: within the memory
    ceiling too, not only the time limit."""
    executor = client.app.state.runtime.executor  # type: ignore[attr-defined]
    executor.wait_ready()
    pids, before = executor.pids, _triples(client)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = client.post("/sparql", content=DOUBLING, headers=UPDATE)
    assert response.status_code == 503, response.text
    assert "ESSKG_QUERY_MEMORY_MB" in response.json()["detail"]
    assert executor.pids == pids and _triples(client) == before
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KiB

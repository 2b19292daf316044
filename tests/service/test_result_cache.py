"""The answer cache: hits between writes, never a stale answer, never for writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.result_cache import ResultCache
from service.graph.build import build
from service.settings import Settings
from tests.conftest import settings_for

TOKEN = "s3cret"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
G = "https://w3id.org/esskg/graph/partner/cache-test"


@pytest.fixture
def client(mini_settings: Settings) -> Iterator[TestClient]:
    build(mini_settings)
    settings = settings_for(mini_settings.root, write_token=TOKEN, infer_on_write=False)
    with TestClient(create_app(settings)) as c:
        yield c


def _count(client: TestClient, **headers: str) -> tuple[int, str | None]:
    response = client.get("/sparql", params={"query": COUNT}, headers=headers)
    assert response.status_code == 200
    assert "esskg-cacheable" not in response.headers
    value = int(response.json()["results"]["bindings"][0]["n"]["value"])
    return value, response.headers.get("esskg-cache")


def test_second_identical_query_is_a_hit(client: TestClient) -> None:
    first, state = _count(client)
    assert state == "miss"
    again, state = _count(client)
    assert (again, state) == (first, "hit")


def test_accept_and_method_are_part_of_the_key(client: TestClient) -> None:
    _count(client)
    csv = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert csv.headers["esskg-cache"] == "miss"
    assert csv.headers["content-type"].startswith("text/csv")
    posted = client.post("/sparql", data={"query": COUNT})
    assert posted.headers["esskg-cache"] == "miss"
    assert client.post("/sparql", data={"query": COUNT}).headers["esskg-cache"] == "hit"


def test_a_write_makes_every_cached_answer_stale(client: TestClient) -> None:
    before, _ = _count(client)
    assert _count(client)[1] == "hit"
    put = client.put(
        "/graphs",
        params={"graph": G},
        content=b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .",
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 201, put.text
    after, state = _count(client)
    assert (after, state) == (before + 1, "miss")


def test_updates_and_no_cache_requests_bypass_the_cache(client: TestClient) -> None:
    update = client.post(
        "/sparql",
        data={
            "update": f"INSERT DATA {{ GRAPH <{G}> {{ <https://e.org/x> <https://e.org/p> 1 }} }}"
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 204
    assert "esskg-cache" not in update.headers
    _count(client)
    value, state = _count(client, **{"Cache-Control": "no-cache"})
    assert state is None
    assert value == _count(client)[0]


def test_least_recently_used_entries_leave_first() -> None:
    cache = ResultCache(max_bytes=2_000, max_entry_bytes=1_000)
    for name in ("a", "b", "c"):
        cache.put((name,), [], b"x" * 600)
    assert cache.get(("a",)) is None
    assert cache.get(("c",)) is not None
    cache.put(("big",), [], b"x" * 5_000)
    assert cache.get(("big",)) is None

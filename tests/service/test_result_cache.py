"""The answer cache: hits between writes, never a stale answer, never for writes, never an
answer shaped by another client's request (a forged Host, forwarded headers, Accept)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from service.api.app import create_app
from service.api.result_cache import ResultCache
from service.graph.build import build
from service.settings import Settings
from service.store.base import Store
from tests.conftest import REPO, settings_for

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


# -- the key holds everything that shapes an answer: a forged origin reaches no one else ----

EVIL = "evil.example"
RELATIVE = "SELECT ?x WHERE { BIND(<relative> AS ?x) }"
PAGED = "/queries/spaser/list-spasers-by-authority-type?per_page=2&page=2"
RESOURCE = "collectivite/cu-dunkerque"


@pytest.fixture
def shipped_client(shipped_store: Store) -> Iterator[TestClient]:
    """The deployed app (engine process, fresh answer cache) over the shipped graph, behind
    uvicorn's proxy-header layer trusting every client, as ``esskg serve`` trusts a local
    proxy: ``X-Forwarded-Proto`` then sets the scheme the app writes URLs with."""
    app = create_app(settings_for(REPO), store=shipped_store)
    with TestClient(app), TestClient(ProxyHeadersMiddleware(app, trusted_hosts="*")) as client:
        yield client


def _forged(text: str) -> bool:
    return EVIL in text or "https://testserver" in text or "/evil" in text


def _everything(response: Response) -> str:
    return response.text + "".join(f"{k}: {v}\n" for k, v in response.headers.items())


ORIGIN_URLS = [
    f"/sparql?query={quote(RELATIVE)}",
    PAGED,
    "/.well-known/void",
    f"/data/{RESOURCE}.ttl",
    f"/page/{RESOURCE}",
    "/sparql",
]
FORGERIES = [
    [("host", EVIL)],
    [("host", EVIL), ("host", "testserver")],  # the app reads the first Host
    [("x-forwarded-proto", "https")],
    [("x-forwarded-host", EVIL)],
    [("x-forwarded-prefix", "/evil")],
    [("forwarded", f"host={EVIL};proto=https")],
]


@pytest.mark.parametrize("url", ORIGIN_URLS)
@pytest.mark.parametrize("forged", FORGERIES, ids=lambda h: "+".join(n for n, _ in h))
def test_a_forged_origin_is_never_served_to_the_next_client(
    shipped_client: TestClient, url: str, forged: list[tuple[str, str]]
) -> None:
    bad = shipped_client.get(url, headers=forged)
    assert bad.status_code == 200, bad.text
    good = shipped_client.get(url)
    assert good.status_code == 200
    assert not _forged(_everything(good))
    # the forged request's answer is an entry of its own, not the one the next client gets
    assert good.headers.get("esskg-cache") in (None, "miss")
    if _forged(bad.text) and "etag" in bad.headers:  # another representation, another tag
        assert bad.headers["etag"] != good.headers["etag"]


def test_forged_pagination_links_stay_with_the_forger(shipped_client: TestClient) -> None:
    forged = shipped_client.get(PAGED, headers={"host": EVIL})
    assert f"<http://{EVIL}/queries/" in forged.headers["link"]
    for _ in range(2):  # a miss, then a hit: neither names the forged host
        normal = shipped_client.get(PAGED)
        links = normal.headers["link"]
        assert links.count("<http://testserver/queries/") == 4 and EVIL not in links
    assert normal.headers["esskg-cache"] == "hit"
    again = shipped_client.get(PAGED, headers={"host": EVIL})
    assert again.headers["esskg-cache"] == "hit" and EVIL in again.headers["link"]


def test_relative_iris_resolve_against_each_clients_own_endpoint(
    shipped_client: TestClient,
) -> None:
    def resolved(response: Response) -> str:
        value: str = response.json()["results"]["bindings"][0]["x"]["value"]
        return value

    url = f"/sparql?query={quote(RELATIVE)}"
    forged = shipped_client.get(url, headers={"host": EVIL})
    normal = shipped_client.get(url)
    assert resolved(forged) == f"http://{EVIL}/relative"
    assert resolved(normal) == "http://testserver/relative"
    assert forged.headers["etag"] != normal.headers["etag"]
    assert shipped_client.get(url).headers["esskg-cache"] == "hit"


def test_every_accept_header_is_part_of_the_key(shipped_client: TestClient) -> None:
    """The app negotiates on the first Accept; a key on the last served CSV as JSON."""
    url = f"/sparql?query={quote(RELATIVE)}"
    both = [("accept", "text/csv"), ("accept", "application/sparql-results+json")]
    assert shipped_client.get(url, headers=both).headers["content-type"].startswith("text/csv")
    plain = shipped_client.get(url, headers={"accept": "application/sparql-results+json"})
    assert plain.headers["content-type"].startswith("application/sparql-results+json")
    assert plain.headers["esskg-cache"] == "miss"

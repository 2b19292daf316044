"""The endpoint's promises, over a real server: gated writes, auth, no remote fetches,
hard timeouts, conditional GETs, and interoperability with the usual Python clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from service.graph.build import build
from service.settings import Settings
from service.store.factory import open_store
from tests.conftest import settings_for
from tests.service.engines import free_port
from tests.service.server import live_server

TOKEN = "s3cret"
AUTH = {"authorization": f"Bearer {TOKEN}"}
PAGE_A = "https://w3id.org/esskg/graph/source/page-a"
ALL = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    import shutil

    from tests.conftest import FIXTURES

    root = tmp_path_factory.mktemp("endpoint") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    # no runaway cooldown: the same address checks the engine after stopping a query
    settings = settings_for(
        root, write_token=TOKEN, query_timeout=2.0, query_workers=2, runaway_cooldown=0
    )
    build(settings)
    return settings


@pytest.fixture(scope="module")
def base(built: Settings) -> Iterator[str]:
    with live_server(built) as url:
        yield url


def _select(base: str, query: str, **headers: str) -> httpx.Response:
    return httpx.get(base + "/sparql", params={"query": query}, headers=headers, timeout=30)


def test_shacl_violating_put_is_422_and_changes_nothing(base: str) -> None:
    before = _select(base, ALL).content
    bad = b"<https://w3id.org/esskg/id/spaser/x> a <https://w3id.org/esskg/def#SPASER> ."
    response = httpx.put(
        base + "/graphs",
        params={"graph": PAGE_A},
        content=bad,
        headers={**AUTH, "content-type": "text/turtle"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["conforms"] is False
    assert problem["violations"][0]["constraint"] == "MinCountConstraintComponent"
    turtle = httpx.put(
        base + "/graphs",
        params={"graph": PAGE_A},
        content=bad,
        headers={**AUTH, "content-type": "text/turtle", "accept": "text/turtle"},
    )
    assert turtle.status_code == 422
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "ValidationReport" in turtle.text
    assert _select(base, ALL).content == before


def test_update_goes_through_the_same_gate(base: str) -> None:
    before = _select(base, ALL).content
    update = (
        "INSERT DATA { GRAPH <https://w3id.org/esskg/graph/source/page-z> { "
        "<https://w3id.org/esskg/id/spaser/y> a <https://w3id.org/esskg/def#SPASER> } }"
    )
    response = httpx.post(base + "/sparql", data={"update": update}, headers=AUTH)
    assert response.status_code == 422
    assert _select(base, ALL).content == before


def test_conforming_put_then_get_then_delete(base: str) -> None:
    graph = "https://w3id.org/esskg/graph/source/page-new"
    good = (
        b"<https://w3id.org/esskg/id/spaser/z> a <https://w3id.org/esskg/def#SPASER> ; "
        b"<https://w3id.org/esskg/def#adoptedBy> "
        b"<https://w3id.org/esskg/id/collectivite/region-bretagne> ."
    )
    headers = {**AUTH, "content-type": "text/turtle"}
    created = httpx.put(base + "/graphs", params={"graph": graph}, content=good, headers=headers)
    assert created.status_code == 201
    again = httpx.put(base + "/graphs", params={"graph": graph}, content=good, headers=headers)
    assert again.status_code == 204
    read = httpx.get(base + "/graphs", params={"graph": graph}, headers={"accept": "text/turtle"})
    assert read.status_code == 200
    assert Graph().parse(data=read.text, format="turtle").__len__() == 2
    # the write refreshed the inferred graph (adoptedBy has an inverse in the ontology)
    inferred = _select(
        base,
        "ASK { GRAPH <https://w3id.org/esskg/graph/inferred> { "
        "<https://w3id.org/esskg/id/collectivite/region-bretagne> "
        "<https://w3id.org/esskg/def#adopted> <https://w3id.org/esskg/id/spaser/z> } }",
    )
    assert inferred.json()["boolean"] is True
    assert httpx.delete(base + "/graphs", params={"graph": graph}, headers=AUTH).status_code == 204
    assert httpx.get(base + "/graphs", params={"graph": graph}).status_code == 404


def test_write_without_token_is_401_and_wrong_token_403(base: str) -> None:
    body = {"update": "CLEAR ALL"}
    missing = httpx.post(base + "/sparql", data=body)
    assert missing.status_code == 401
    # Basic first (SPARQL clients answer it), Bearer offered too
    assert missing.headers["www-authenticate"] == (
        'Basic realm="esskg", charset="UTF-8", Bearer realm="esskg"'
    )
    wrong = httpx.post(base + "/sparql", data=body, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert httpx.delete(base + "/graphs", params={"graph": PAGE_A}).status_code == 401


def test_service_to_a_local_listener_is_refused_and_nothing_is_sent(base: str) -> None:
    received: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1.5)
    port = listener.getsockname()[1]

    def accept() -> None:
        try:
            conn, _ = listener.accept()
            received.append(conn.recv(1024))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    response = _select(base, query)
    thread.join()
    listener.close()
    assert response.status_code == 403
    assert "allow-list" in response.json()["detail"]
    assert received == []


def test_slow_query_is_stopped_while_a_simple_one_answers(base: str) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        outcome["response"] = _select(base, SLOW)
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = _select(base, "ASK { ?s ?p ?o }")
    quick_elapsed = time.monotonic() - started
    thread.join()
    assert quick.status_code == 200
    assert quick_elapsed < 1.0
    slow_response = outcome["response"]
    assert isinstance(slow_response, httpx.Response)
    assert slow_response.status_code == 503
    assert "2 s limit" in slow_response.json()["detail"]
    assert float(outcome["elapsed"]) < 4  # type: ignore[arg-type]
    # the pool recovered: the next query answers at once
    assert _select(base, "ASK {}").status_code == 200


def test_matching_etag_gives_304(base: str) -> None:
    first = _select(base, "ASK { ?s ?p ?o }")
    etag = first.headers["etag"]
    assert "Accept" in first.headers["vary"]
    assert "last-modified" in first.headers
    second = _select(base, "ASK { ?s ?p ?o }", **{"if-none-match": etag})
    assert second.status_code == 304
    void = httpx.get(base + "/.well-known/void")
    assert (
        httpx.get(
            base + "/.well-known/void", headers={"if-none-match": void.headers["etag"]}
        ).status_code
        == 304
    )


def test_row_cap_is_reported(built: Settings) -> None:
    from service.store.oxigraph import OxigraphStore

    capped = built.model_copy(update={"result_limit": 2})
    disk = open_store(built, read_only=True)
    copy = OxigraphStore.in_memory()
    copy.add_quads(disk.all_quads())
    disk.close()
    with live_server(capped, copy) as url:
        response = _select(url, "SELECT * WHERE { ?s ?p ?o }")
        full = _select(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        graph = _select(url, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.headers["esskg-result-truncated"] == "true"
    assert response.status_code == 200
    assert response.headers["esskg-result-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 2
    assert "esskg-result-truncated" not in full.headers


def _rows_from_store(settings: Settings, query: str) -> set[tuple[str, ...]]:
    store = open_store(settings, read_only=True)
    try:
        return {tuple(str(v) for v in row.values()) for row in store.select(query)}
    finally:
        store.close()


def test_sparqlwrapper_and_rdflib_sparqlstore_match_the_store(base: str, built: Settings) -> None:
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    expected = _rows_from_store(built, query)
    assert expected
    wrapper = SPARQLWrapper(base + "/sparql")
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(query)
    bindings = wrapper.queryAndConvert()["results"]["bindings"]  # type: ignore[index,call-overload]
    assert {(b["s"]["value"], b["label"]["value"]) for b in bindings} == expected
    store = SPARQLStore(query_endpoint=base + "/sparql", returnFormat="json", method="POST_FORM")
    rows = {(str(r[0]), str(r[1])) for r in store.query(query)}  # type: ignore[index,union-attr]
    assert rows == expected
    graph = Graph(store=SPARQLStore(base + "/sparql"), identifier=URIRef(PAGE_A))
    assert len(list(graph.triples((None, None, None)))) > 0


def test_service_description_and_html_page(base: str) -> None:
    rdf = httpx.get(base + "/sparql", headers={"accept": "text/turtle"})
    assert rdf.status_code == 200
    description = Graph().parse(data=rdf.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(base + "/sparql")) in description
    assert (None, URIRef(sd + "name"), URIRef(PAGE_A)) in description
    page = httpx.get(base + "/sparql", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 303 and page.headers["location"] == "/editor"
    editor = httpx.get(base + "/editor", headers={"accept": "text/html,*/*;q=0.8"})
    assert editor.headers["content-type"].startswith("text/html")


def test_void_lists_counts_partitions_dump_and_endpoint(base: str) -> None:
    void = Graph().parse(data=httpx.get(base + "/.well-known/void").text, format="turtle")
    ns = "http://rdfs.org/ns/void#"
    for term in ("triples", "classPartition", "propertyPartition", "sparqlEndpoint", "dataDump"):
        assert (None, URIRef(ns + term), None) in void, term
    dump = httpx.get(base + "/dump")
    assert dump.headers["content-type"] == "application/n-quads"
    assert PAGE_A in dump.text


def test_writes_disabled_without_a_token(tmp_path: Path) -> None:
    import shutil

    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from tests.conftest import FIXTURES

    shutil.copytree(FIXTURES / "mini", tmp_path / "p")
    settings = settings_for(tmp_path / "p", query_workers=0)
    build(settings)
    with TestClient(create_app(settings)) as client:
        response = client.post("/sparql", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert response.status_code == 403
    assert "ESSKG_WRITE_TOKEN" in response.json()["detail"]


def test_free_port_is_usable() -> None:
    assert free_port() > 0

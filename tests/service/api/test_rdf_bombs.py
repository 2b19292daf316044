"""Hostile RDF on every route that parses a client's document: ``POST /validate`` (public),
Graph Store PUT and POST (token), and multipart parts. Each is refused quickly with a
problem+json that says why, nothing changes, and a document just within the limits works."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for
from tests.service.api.test_graph_store_edges import BOUNDARY, multipart
from tests.service.rdf_bombs import (
    CRASHES,
    ENTITY_BOMBS,
    EXHAUSTS_MEMORY,
    RDFXML,
    RUNS_FOR_MINUTES,
    at_depth,
    nesting_bombs,
)

TOKEN = "bomb-token"
GRAPH = "http://e/g"
SEED = b"<http://e/s> <http://e/p> <http://e/o> ."
LIMIT = Settings().max_nesting


def _client(tmp_path: Path, **overrides: object) -> Iterator[TestClient]:
    settings = settings_for(
        tmp_path, write_token=TOKEN, infer_on_write=False, query_workers=0, **overrides
    )
    with TestClient(create_app(settings, OxigraphStore.in_memory())) as client:
        seeded = client.put(
            "/graphs",
            params={"graph": GRAPH},
            content=SEED,
            headers={"content-type": "text/turtle", "authorization": f"Bearer {TOKEN}"},
        )
        assert seeded.status_code == 201
        yield client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path)


def _send(client: TestClient, route: str, media: str, body: bytes) -> tuple[int, dict[str, str]]:
    """Send ``body`` the way ``route`` takes documents; (status, problem)."""
    auth = {"authorization": f"Bearer {TOKEN}"}
    if route.startswith("multipart"):
        content = multipart(("text/turtle", SEED), (media, body))
        headers = {**auth, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}
        path = "/validate" if route.endswith("validate") else "/graphs"
        response = client.post(path, params={"graph": GRAPH}, content=content, headers=headers)
    elif route == "validate":
        response = client.post("/validate", content=body, headers={"content-type": media})
    else:
        method = client.put if route == "put" else client.post
        headers = {**auth, "content-type": media}
        response = method("/graphs", params={"graph": GRAPH}, content=body, headers=headers)
    problem = response.json() if response.status_code >= 400 else {}
    if problem:
        assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, problem


ROUTES = ["validate", "put", "post", "multipart post", "multipart validate"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("bomb", ENTITY_BOMBS, ids=list(ENTITY_BOMBS))
def test_entity_bombs_are_refused_quickly_and_change_nothing(
    client: TestClient, route: str, bomb: str
) -> None:
    before = client.get("/dump").content
    started = time.monotonic()
    status, problem = _send(client, route, RDFXML, ENTITY_BOMBS[bomb])
    assert time.monotonic() - started < 3
    assert status == 400
    assert problem["type"].endswith("/rdf-refused")
    assert "UTF-8" in problem["detail"] or "DOCTYPE" in problem["detail"]
    assert client.get("/dump").content == before


@pytest.mark.parametrize("bomb", list(nesting_bombs(1)))
def test_nesting_bombs_are_refused_quickly_in_every_syntax(client: TestClient, bomb: str) -> None:
    media, body = nesting_bombs(200_000)[bomb]
    before = client.get("/dump").content
    for route in ("validate", "put"):
        started = time.monotonic()
        status, problem = _send(client, route, media, body)
        assert time.monotonic() - started < 3
        assert status == 400, problem
        assert problem["type"].endswith("/rdf-refused")
        assert f"more than {LIMIT} deep" in problem["detail"]
        assert "ESSKG_MAX_NESTING" in problem["detail"]
        assert problem["line"] == 1
    assert client.get("/dump").content == before


@pytest.mark.parametrize("syntax", list(at_depth(LIMIT)))
def test_a_document_at_the_nesting_limit_is_taken_and_one_deeper_is_not(
    client: TestClient, syntax: str
) -> None:
    media, body = at_depth(LIMIT)[syntax]
    status, _ = _send(client, "validate", media, body)
    assert status == 200
    assert _send(client, "put", media, body)[0] == 204
    triples = client.get("/graphs", params={"graph": GRAPH}, headers={"accept": "text/turtle"})
    assert triples.text.count("http://e/p") >= LIMIT - 3
    media, deeper = at_depth(LIMIT + 1)[syntax]
    assert _send(client, "validate", media, deeper)[0] == 400


def test_triple_terms_are_400_not_500(client: TestClient) -> None:
    body = b"<http://e/s> <http://e/p> <<( <http://e/s> <http://e/p> <http://e/o> )>> ."
    status, problem = _send(client, "validate", "application/n-triples", body)
    assert status == 400
    assert "triple terms" in problem["detail"]


@pytest.mark.parametrize(
    ("bomb", "status", "slug", "seconds"),
    [
        (CRASHES, 422, "parser-crashed", 5),
        # the memory bomb gets more time than it needs on a busy machine: the memory cap,
        # not the clock, must be what stops it
        (EXHAUSTS_MEMORY, 413, "parse-memory", 30),
        (RUNS_FOR_MINUTES, 503, "parse-timeout", 5),
    ],
    ids=["crash", "memory", "time"],
)
def test_what_the_parser_process_cannot_survive_is_a_problem_and_changes_nothing(
    tmp_path: Path, bomb: tuple[str, bytes], status: int, slug: str, seconds: int
) -> None:
    # no nesting limit to speak of, and tight bounds: what only the process bounds
    bounds = {"max_nesting": 10**9, "parse_memory_bytes": 100_000_000}
    for unguarded in _client(tmp_path, parse_timeout=seconds, **bounds):
        before = unguarded.get("/dump").content
        started = time.monotonic()
        got, problem = _send(unguarded, "put", *bomb)
        assert time.monotonic() - started < seconds + 5
        assert (got, problem["type"].rsplit("/", 1)[1]) == (status, slug)
        assert unguarded.get("/dump").content == before
        assert unguarded.get("/health").status_code == 200


def test_a_body_that_expands_past_the_bound_is_413(tmp_path: Path) -> None:
    for client in _client(tmp_path, max_body_bytes=20_000):
        prefix = "http://e/" + "x" * 2000 + "/"
        objects = b", ".join(b"x:o%d" % i for i in range(2000))
        body = f"@prefix x: <{prefix}> . x:s x:p ".encode() + objects + b" ."
        status, problem = _send(client, "validate", "text/turtle", body)
        assert status == 413
        assert problem["limit"] == 8 * 20_000


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP listener standing in for an internal host; records what reaches it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                received.append(conn.recv(1024) or b"(connected)")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_external_entities_and_remote_contexts_are_never_fetched(
    client: TestClient, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    url = f"http://127.0.0.1:{port}/x"
    external = (
        f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{url}">]><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
        '<rdf:Description rdf:about="http://e/s"><e:p>&x;</e:p></rdf:Description></rdf:RDF>'
    )
    context = f'{{"@context": "{url}", "@id": "http://e/s", "p": 1}}'
    for media, body in ((RDFXML, external), ("application/ld+json", context)):
        status, problem = _send(client, "validate", media, body.encode())
        assert status == 400, problem
    time.sleep(0.3)
    assert received == []

"""Graph Store Protocol edges the W3C manifests do not reach: direct identification mixed
with ``?graph=``, and multipart uploads that are not RDF or not POSTs.

The W3C suites (``tests/w3c/test_graph_store_protocol.py``) cover the successful paths over
a live server; these refusals only need the app, so they use Starlette's test client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for

TOKEN = "edge-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
TURTLE = {**AUTH, "content-type": "text/turtle"}
TRIPLE = b"<http://e/s> <http://e/p> <http://e/o> ."
BOUNDARY = "b0undary"


def multipart(*parts: tuple[str, bytes]) -> bytes:
    chunks = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{i}"; filename="f{i}"\r\n'
        f"Content-Type: {media}\r\n\r\n".encode()
        + body
        + b"\r\n"
        for i, (media, body) in enumerate(parts)
    ]
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = {**AUTH, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for(tmp_path, write_token=TOKEN, infer_on_write=False, query_workers=0)
    with TestClient(create_app(settings, OxigraphStore.in_memory())) as test_client:
        yield test_client


def test_a_direct_url_names_the_graph_whose_iri_is_that_url(client: TestClient) -> None:
    assert client.put("/graphs/people/1", content=TRIPLE, headers=TURTLE).status_code == 201
    iri = str(client.base_url) + "/graphs/people/1"
    response = client.get("/graphs", params={"graph": iri}, headers={"accept": "text/turtle"})
    assert response.status_code == 200
    assert "<http://e/s>" in response.text


def test_a_direct_url_with_graph_or_default_parameters_is_400(client: TestClient) -> None:
    for query in ("?graph=http://e/g", "?default"):
        response = client.put("/graphs/people/1" + query, content=TRIPLE, headers=TURTLE)
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"


def test_deleting_an_absent_graph_directly_is_404(client: TestClient) -> None:
    assert client.delete("/graphs/nobody", headers=AUTH).status_code == 404


def test_direct_writes_need_the_token_like_indirect_ones(client: TestClient) -> None:
    response = client.put(
        "/graphs/people/1", content=TRIPLE, headers={"content-type": "text/turtle"}
    )
    assert response.status_code == 401
    assert client.get("/graphs/people/1").status_code == 404


def test_multipart_post_adds_every_rdf_part(client: TestClient) -> None:
    body = multipart(
        ("text/turtle; charset=utf-8", TRIPLE),
        ("application/n-triples", b"<http://e/s> <http://e/p> <http://e/o2> .\n"),
    )
    assert (
        client.post("/graphs?graph=http://e/g", content=body, headers=MULTIPART).status_code == 201
    )
    answer = client.get("/graphs?graph=http://e/g", headers={"accept": "application/n-triples"})
    assert sorted(answer.text.splitlines()) == [
        "<http://e/s> <http://e/p> <http://e/o2> .",
        "<http://e/s> <http://e/p> <http://e/o> .",
    ]


def test_multipart_put_is_415(client: TestClient) -> None:
    body = multipart(("text/turtle", TRIPLE))
    response = client.put("/graphs?graph=http://e/g", content=body, headers=MULTIPART)
    assert response.status_code == 415


def test_a_multipart_part_that_is_not_rdf_is_415_and_nothing_is_written(
    client: TestClient,
) -> None:
    body = multipart(("text/turtle", TRIPLE), ("text/html", b"<p>hello</p>"))
    response = client.post("/graphs?graph=http://e/g", content=body, headers=MULTIPART)
    assert response.status_code == 415
    assert client.get("/graphs?graph=http://e/g").status_code == 404


def test_a_multipart_body_without_parts_is_400(client: TestClient) -> None:
    response = client.post(
        "/graphs?graph=http://e/g",
        content=b"no boundary here",
        headers={**AUTH, "content-type": "multipart/form-data; boundary=other"},
    )
    assert response.status_code == 400

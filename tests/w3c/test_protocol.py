"""The W3C SPARQL 1.1 Protocol tests, replayed over HTTP against a live server.

Each manifest entry is a list of HTTP requests with the response expected for each; this
module replays them in order against a real uvicorn on 127.0.0.1 serving the app with a
write token and no shapes (the W3C data would not satisfy the project's shapes, and the
protocol is what is under test). The manifest's ``/sparql/`` prefix becomes our
``/sparql``. Before each test the store is emptied and the test's ``ut:graphData`` files are
loaded into their named graphs through the Graph Store Protocol.

The manifest only asks for status classes (``2xx``, ``4xx``); :data:`EXACT` pins the exact
code our documented behaviour gives (405 for a method the protocol does not define, 415 for
a media type or charset it does not allow, 400 for the rest), and every error must be an RFC
9457 ``application/problem+json`` body. The bearer token is sent on every request: the
protocol does not know about authentication, and our reads ignore it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import Graph

from tests.w3c.common import MISSING, SPARQL11
from tests.w3c.http_manifest import (
    HttpRequest,
    ProtocolTest,
    protocol_tests,
    writable_endpoint,
)

MANIFEST = SPARQL11 / "protocol" / "manifest.ttl"
TOKEN = "w3c-protocol-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}

#: The exact status our endpoint answers to a test's first request, where the manifest only
#: names a class; any other request (and any query) must answer 200.
EXACT: dict[str, tuple[int, ...]] = {
    "update_dataset_default_graph": (204,),
    "update_dataset_default_graphs": (204,),
    "update_dataset_named_graphs": (204,),
    "update_dataset_full": (204,),
    "update_post_form": (204,),
    "update_post_direct": (204,),
    "update_base_uri": (204,),
    "bad_query_method": (405,),
    "bad_multiple_queries": (400,),
    "bad_query_wrong_media_type": (415,),
    "bad_query_missing_form_type": (415,),
    "bad_query_missing_direct_type": (415,),
    "bad_query_non_utf8": (415,),
    "bad_query_syntax": (400,),
    "bad_update_get": (400,),
    "bad_multiple_updates": (400,),
    "bad_update_wrong_media_type": (415,),
    "bad_update_missing_form_type": (415,),
    "bad_update_non_utf8": (415,),
    "bad_update_syntax": (400,),
    "bad_update_dataset_conflict": (400,),
}

#: Tests that fail, each with its reason (none today).
XFAIL: dict[str, str] = {}

BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}

pytestmark = pytest.mark.skipif(not MANIFEST.is_file(), reason=MISSING)

TESTS: list[ProtocolTest] = protocol_tests(MANIFEST) if MANIFEST.is_file() else []


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with writable_endpoint(tmp_path_factory.mktemp("w3c-protocol"), TOKEN) as base:
        yield base


def _reset(client: httpx.Client, base: str, test: ProtocolTest) -> None:
    """An empty store holding exactly the test's ``ut:graphData``."""
    response = client.post(
        base + "/sparql",
        content=b"DROP ALL",
        headers={**AUTH, "content-type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text
    for data in test.graph_data:
        response = client.put(
            base + "/graphs",
            params={"graph": data.name},
            content=data.file.read_bytes(),
            headers={**AUTH, "content-type": "application/n-triples"},
        )
        assert response.status_code == 201, response.text


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _boolean(response: httpx.Response) -> bool:
    media = _media_type(response)
    if media == "application/sparql-results+json":
        return bool(json.loads(response.content)["boolean"])
    root = ElementTree.fromstring(response.content)
    node = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert node is not None, response.text
    return (node.text or "").strip() == "true"


def _check(test: ProtocolTest, step: int, request: HttpRequest, response: httpx.Response) -> None:
    expected = request.expected
    where = f"{test.name} request {step + 1} ({request.method} {request.path})"
    assert expected.status_ok(response.status_code), f"{where}: {response.status_code}"
    exact = EXACT.get(test.name, (200,)) if step == 0 else (200,)
    assert response.status_code in exact, f"{where}: {response.status_code} not in {exact}"
    media = _media_type(response)
    if response.status_code >= 400:
        assert media == "application/problem+json", f"{where}: {media}"
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["title"] and problem["detail"]
    if expected.result_format == "boolean":
        assert media in BOOLEAN_TYPES, f"{where}: {media}"
    elif expected.result_format == "tabular":
        assert media in TABULAR_TYPES, f"{where}: {media}"
        assert response.content, f"{where}: an empty body"
    elif expected.result_format == "RDF":
        assert media in RDF_TYPES, f"{where}: {media}"
        Graph().parse(data=response.content, format=RDF_TYPES[media])
    if expected.boolean is not None:
        assert _boolean(response) is expected.boolean, f"{where}: {response.text}"


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(t, id=t.name, marks=[pytest.mark.xfail(reason=XFAIL[t.name], strict=True)])
        if t.name in XFAIL
        else pytest.param(t, id=t.name)
        for t in TESTS
    ],
)
def test_protocol(endpoint: str, test: ProtocolTest) -> None:
    """One manifest entry: its requests in order, each answered as the manifest expects."""
    with httpx.Client(timeout=30) as client:
        _reset(client, endpoint, test)
        for step, request in enumerate(test.requests):
            path = request.path.replace("/sparql/", "/sparql", 1)
            headers = dict(request.headers)
            headers.update(AUTH)
            response = client.request(
                request.method, endpoint + path, headers=headers, content=request.body
            )
            _check(test, step, request, response)


def test_every_manifest_entry_is_encoded() -> None:
    """The manifest lists 34 tests; the exact-status table names no test that is not there."""
    names = {t.name for t in TESTS}
    assert len(TESTS) == 34
    assert set(EXACT) <= names
    assert set(XFAIL) <= names

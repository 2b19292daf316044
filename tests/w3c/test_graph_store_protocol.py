"""The W3C SPARQL 1.1 Graph Store Protocol tests, replayed over HTTP against a live server.

Both included manifests (direct and indirect graph identification) are read; each entry's
requests run in order against a real uvicorn on 127.0.0.1 with a write token and no shapes
(the W3C data is not ours and would not satisfy the project's shapes: the protocol is what
is under test). The manifests' ``/gsp`` prefix becomes our ``/graphs``, so a direct request
for ``/graphs/person/1.ttl`` names the graph ``http://127.0.0.1:PORT/graphs/person/1.ttl``.
The store is emptied before each test, as the manifests assume (several tests expect
``201 Created`` for a graph an earlier test wrote).

Responses are checked as the manifests say: status, ``Location`` (kept as ``$LOCATION$`` for
the next requests), response headers (the Content-Type must be ``text/turtle;
charset=utf-8`` exactly) and the body, compared with the expected Turtle by graph
isomorphism. Where the manifest allows several statuses, :data:`EXACT` pins the one we give.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from tests.w3c.common import MISSING, SPARQL11
from tests.w3c.http_manifest import (
    HttpRequest,
    ProtocolTest,
    protocol_tests,
    writable_endpoint,
)

MANIFEST = SPARQL11 / "graph-store-protocol" / "manifest.ttl"
TOKEN = "w3c-gsp-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}

#: The status we answer at each step of a test (PUT creating a graph 201, replacing it 204;
#: POST creating 201, adding 204; DELETE 204; an absent graph 404).
EXACT: dict[str, tuple[int, ...]] = {
    "put_get_repeat_direct": (201, 200, 204, 200),
    "put_delete_get_delete_direct": (201, 204, 404, 404),
    "post_get_post_get_direct": (201, 200, 204, 200),
    "head_existing_direct": (201, 200),
    "head_non_existing_direct": (404,),
    "put_get_repeat_indirect": (201, 200, 204, 200),
    "put_get_default": (204, 200),
    "put_delete_get_delete_indirect": (201, 204, 404, 404),
    "post_get_post_get_indirect": (201, 200, 204, 200),
    "post_get_new_graph": (201, 200),
    "head_existing_indirect": (201, 200),
    "head_non_existing_indirect": (404,),
    "put_get_uri_pct_encoded_indirect": (201, 200),
    "put_get_uri_pct_encoded_twice": (201, 201, 200, 200),
}

#: Tests that fail, each with its reason (none today).
XFAIL: dict[str, str] = {}

pytestmark = pytest.mark.skipif(not MANIFEST.is_file(), reason=MISSING)

TESTS: list[ProtocolTest] = protocol_tests(MANIFEST) if MANIFEST.is_file() else []


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with writable_endpoint(tmp_path_factory.mktemp("w3c-gsp"), TOKEN) as base:
        yield base


def _empty(client: httpx.Client, base: str) -> None:
    response = client.post(
        base + "/sparql",
        content=b"DROP ALL",
        headers={**AUTH, "content-type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text


def _substitute(text: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        text = text.replace(name, value)
    return text


def _check(
    test: ProtocolTest, step: int, request: HttpRequest, response: httpx.Response
) -> dict[str, str]:
    """Assert the response; returns the template variables it defines (``$LOCATION$``)."""
    expected = request.expected
    where = f"{test.name} request {step + 1} ({request.method} {request.path})"
    status = response.status_code
    assert expected.status_ok(status), f"{where}: {status} {response.text}"
    assert status == EXACT[test.name][step], f"{where}: {status}, not {EXACT[test.name][step]}"
    for name, value in expected.headers:
        actual = response.headers.get(name, "")
        assert actual.lower() == value.lower(), f"{where}: {name}: {actual!r}, not {value!r}"
    if request.method == "HEAD":
        assert response.content == b"", f"{where}: HEAD answered a body"
    if expected.body is not None:
        got = Graph().parse(data=response.content, format="turtle")
        want = Graph().parse(data=expected.body, format="turtle")
        assert isomorphic(got, want), f"{where}:\n{response.text}"
    if expected.location_variable is not None:
        location = response.headers.get("location")
        assert location, f"{where}: no Location header"
        return {expected.location_variable: location}
    return {}


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(t, id=t.name, marks=[pytest.mark.xfail(reason=XFAIL[t.name], strict=True)])
        if t.name in XFAIL
        else pytest.param(t, id=t.name)
        for t in TESTS
    ],
)
def test_graph_store_protocol(endpoint: str, test: ProtocolTest) -> None:
    """One manifest entry: its requests in order on an empty store, each answered as expected."""
    variables: dict[str, str] = {}
    with httpx.Client(timeout=30) as client:
        _empty(client, endpoint)
        for step, request in enumerate(test.requests):
            assert request.path.startswith("/gsp"), request.path
            path = "/graphs" + _substitute(request.path, variables).removeprefix("/gsp")
            body = request.body
            if body is not None and variables:
                body = _substitute(body.decode("utf-8"), variables).encode("utf-8")
            headers = {**dict(request.headers), **AUTH}
            response = client.request(
                request.method, endpoint + path, headers=headers, content=body
            )
            variables |= _check(test, step, request, response)


def test_every_manifest_entry_is_encoded() -> None:
    """Both included manifests are read: 4 listed + 1 unlisted direct tests, 9 indirect tests."""
    names = [t.name for t in TESTS]
    assert len(names) == 14
    assert set(EXACT) == set(names)
    assert set(XFAIL) <= set(names)
    for test in TESTS:
        assert len(EXACT[test.name]) == len(test.requests), test.name

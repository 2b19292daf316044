"""What applications and curl rely on, route by route, over real HTTP.

HEAD like GET without a body, OPTIONS and 405 with a true ``Allow``, gzip with its own ETag,
validators and 304 on every document, CORS that lets a browser app page and follow created
graphs, negotiation that answers N-Quads wherever RDF is served, compact JSON-LD, readable
Turtle, a generated-client-ready OpenAPI document, the write key over Basic with a proper
challenge, and errors that say what to fix.
"""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
from openapi_spec_validator import validate
from rdflib import Graph

from service.namespaces import ID
from tests.interop.conftest import TOKEN
from tests.interop.oracle import CONSTRUCT, SELECT, WRITES, Oracle, same_graph
from tests.service.engines import wait_until

#: Headers that may differ between two answers to the same request.
_VOLATILE = {"date", "esskg-cache"}


@pytest.fixture(scope="module")
def spaser(oracle: Oracle) -> str:
    """A resource path (``spaser/…``) the data holds."""
    return oracle.rows(SELECT)[0]["spaser"][1:-1].removeprefix(ID)


@pytest.fixture(scope="module")
def get_routes(base: str, spaser: str) -> list[str]:
    """One URL for every GET route the service has: the OpenAPI document's, filled in, and
    those it does not list (direct Graph Store URLs, the documentation)."""
    spec = httpx.get(base + "/openapi.json").json()
    urls = []
    for path, operations in spec["paths"].items():
        if "get" not in operations:
            continue
        url = path.replace("{path}", spaser)
        url = url.replace("{what}", "entity?prefix=Paris").replace("{name}", "organisations.csv")
        if path == "/reconcile/preview":
            url += "?" + urlencode({"id": ID + spaser})
        if path == "/graphs":
            url += "?graph=https%3A%2F%2Fw3id.org%2Fesskg%2Fgraph%2Flinks"
        if path == "/data/{path}":
            url = f"/data/{spaser}.ttl"
        urls.append(url)
    extra = ["/openapi.json", "/docs", "/graphs/nothing-here", "/sparql?query=ASK%7B%7D"]
    pages = ["/", "/editor", "/questions", "/questions/spaser/list-targets-by-plan", "/def"]
    pages.append("/contribute")
    return [*urls, f"/data/{spaser}", *extra, *pages]


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in _VOLATILE}


def test_every_get_route_answers_head_with_the_same_headers_and_no_body(
    base: str, get_routes: list[str]
) -> None:
    assert len(get_routes) > 30
    with httpx.Client(base_url=base, timeout=30) as client:
        # An earlier module's write makes the engine reload, and ``/health`` names the
        # engine's state: compare its answers once that state no longer changes.
        wait_until(
            lambda: client.get("/health/ready").status_code == 200, lambda: True, 60, "engine"
        )
        for url in get_routes:
            for encoding in ("identity", "gzip"):
                sent = {"Accept-Encoding": encoding}
                got = client.get(url, headers=sent)
                head = client.head(url, headers=sent)
                assert got.status_code in (200, 303, 404), f"GET {url}: {got.status_code}"
                assert head.status_code == got.status_code, url
                assert _headers(head) == _headers(got), url
                assert head.content == b"", url


def test_options_and_405_say_what_each_route_allows(base: str, get_routes: list[str]) -> None:
    expected = {
        "/sparql": "GET, HEAD, POST, OPTIONS",
        "/graphs": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        "/graphs/anything": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        "/validate": "POST, OPTIONS",
        "/queries": "GET, HEAD, OPTIONS",
        "/dump": "GET, HEAD, OPTIONS",
    }
    with httpx.Client(base_url=base, timeout=30) as client:
        for url, allow in expected.items():
            options = client.options(url)
            assert (options.status_code, options.headers["allow"]) == (204, allow), url
        for url in get_routes:
            assert "GET" in client.options(url).headers["allow"], url
        refused = client.put("/sparql", content=b"")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        assert refused.headers["content-type"] == "application/problem+json"
        assert client.delete("/queries").headers["allow"] == "GET, HEAD, OPTIONS"
        assert client.get("/validate").headers["allow"] == "POST, OPTIONS"


def test_gzip_when_asked_with_its_own_validator(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        plain = client.get("/dump", headers={"Accept-Encoding": "identity"})
        packed = client.get("/dump", headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 5
    assert packed.content == plain.content  # httpx decodes it
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    for answer in (plain, packed):
        assert "Accept-Encoding" in answer.headers["vary"]
    raw = httpx.get(
        base + "/dump", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]}
    )
    assert raw.status_code == 304 and raw.headers["etag"] == packed.headers["etag"]
    stale = httpx.get(
        base + "/dump",
        headers={"Accept-Encoding": "identity", "If-None-Match": packed.headers["etag"]},
    )
    assert stale.status_code == 200  # the identity variant is another representation
    with httpx.stream("GET", base + "/dump", headers={"Accept-Encoding": "gzip"}) as stream:
        assert gzip.decompress(b"".join(stream.iter_raw())) == plain.content


@pytest.mark.parametrize(
    "url",
    [
        "/queries",
        "/.well-known/sparql-examples",
        "/openapi.json",
        "/context.jsonld",
        "/queries/spaser/list-targets-by-plan?per_page=2",
        "/queries/legal/construct-legal-chain",
    ],
)
def test_documents_and_canned_queries_have_validators(base: str, url: str) -> None:
    first = httpx.get(base + url)
    assert first.status_code == 200 and first.headers["etag"]
    again = httpx.get(base + url, headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]


@pytest.mark.parametrize(
    "url", ["/sparql", "/queries", "/.well-known/void", "/.well-known/sparql-examples"]
)
def test_n_quads_is_served_wherever_rdf_is(base: str, url: str) -> None:
    """Comunica's first choice when it probes a source (was a 500)."""
    answer = httpx.get(base + url, headers={"Accept": "application/n-quads"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/n-quads"
    quads = list(ox.parse(answer.content, format=ox.RdfFormat.N_QUADS))
    assert quads and all(q.graph_name == ox.DefaultGraph() for q in quads)


def test_the_catalogue_negotiates_json_or_rdf_or_406(base: str) -> None:
    as_json = httpx.get(base + "/queries")
    assert as_json.headers["content-type"] == "application/json"
    assert "Accept" in as_json.headers["vary"]
    assert (
        httpx.get(base + "/queries", headers={"Accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    refused = httpx.get(base + "/queries", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


def test_cors_lets_a_browser_app_page_follow_and_revalidate(base: str) -> None:
    origin = {"Origin": "https://app.example"}
    page = httpx.get(base + "/queries/spaser/list-targets-by-plan?per_page=2", headers=origin)
    exposed = {h.strip().lower() for h in page.headers["access-control-expose-headers"].split(",")}
    assert {"link", "x-total-count", "location", "etag"} <= exposed
    assert page.headers["link"] and page.headers["x-total-count"]
    preflight = httpx.options(
        base + "/graphs",
        headers={
            **origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["access-control-allow-methods"]


def test_json_ld_is_compact_against_the_published_context(base: str, spaser: str) -> None:
    answer = httpx.get(f"{base}/data/{spaser}.jsonld")
    document = answer.json()
    assert document["@context"] == base + "/context.jsonld"
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids))  # each node once
    assert any("rdfs:label" in node for node in document["@graph"])
    context = httpx.get(base + "/context.jsonld").json()["@context"]
    assert context["ess"] == "https://w3id.org/esskg/def#"
    graph = Graph().parse(data=answer.text, format="json-ld", base=base)
    turtle = httpx.get(f"{base}/data/{spaser}.ttl").text
    assert same_graph(graph, Graph().parse(data=turtle, format="turtle"))


def test_constructed_json_ld_and_turtle_are_readable(base: str, oracle: Oracle) -> None:
    as_jsonld = httpx.get(
        base + "/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"}
    ).json()
    ids = [node["@id"] for node in as_jsonld["@graph"]]
    assert len(ids) == len(set(ids)) and all(
        node["@type"] == "ess:SPASER" for node in as_jsonld["@graph"]
    )
    turtle = httpx.get(base + "/sparql", params={"query": CONSTRUCT, "format": "n3"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ." in turtle.text
    assert "rdfs:label" in turtle.text
    parsed = Graph().parse(data=turtle.text, format="turtle")
    assert same_graph(parsed, oracle.graph(CONSTRUCT))


def test_repeated_format_parameters_are_read_as_sparqlwrapper_means_them(base: str) -> None:
    answer = httpx.get(
        base + "/sparql",
        params=[
            ("query", SELECT),
            ("format", "tsv"),
            ("format", "text/tab-separated-values"),
            ("output", "tsv"),
            ("results", "tsv"),
        ],
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/tab-separated-values; charset=utf-8"


def test_the_openapi_document_describes_the_protocols_for_generators(base: str) -> None:
    spec = httpx.get(base + "/openapi.json").json()
    validate(spec)
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    assert all(len(op.get("tags", [])) == 1 for op in operations)  # listed once each
    sparql = spec["paths"]["/sparql"]
    assert {p["name"] for p in sparql["get"]["parameters"]} >= {"query", "default-graph-uri"}
    assert "application/x-www-form-urlencoded" in sparql["post"]["requestBody"]["content"]
    ok = sparql["get"]["responses"]["200"]["content"]
    assert next(iter(ok)) == "application/sparql-results+json"
    assert {"writeToken", "writeBasic"} == set(spec["components"]["securitySchemes"])
    assert spec["components"]["securitySchemes"]["writeBasic"]["scheme"] == "basic"
    for method in ("put", "post", "delete"):
        assert spec["paths"]["/graphs"][method]["security"]
    for path, ops in spec["paths"].items():
        for param in ops.get("get", {}).get("parameters", []):
            values = param["schema"].get("enum", [])
            assert not any(str(v).startswith("http") for v in values), (path, param["name"])


def test_an_unknown_prefix_says_which_line_to_add(base: str) -> None:
    answer = httpx.get(base + "/sparql", params={"query": "SELECT * WHERE {\n  ?s ess:x ?o }"})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["message"] == (
        "unknown prefix `ess:` — add `PREFIX ess: <https://w3id.org/esskg/def#>`"
    )
    assert (problem["line"], problem["column"]) == (2, 6)
    other = httpx.post(
        base + "/sparql",
        data={"update": "INSERT DATA { foo:a foo:b foo:c }"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert other.json()["message"] == "unknown prefix `foo:` — add `PREFIX foo: <…>`"


def test_the_write_key_over_basic_any_user_and_its_challenge(base: str) -> None:
    graph = f"{WRITES}basic"
    update = {"update": f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#a> <{graph}#b> "c" }} }}'}
    endpoint = base + "/sparql"
    assert httpx.post(endpoint, data=update, auth=("someone", TOKEN)).status_code == 204
    wrong = httpx.post(endpoint, data=update, auth=("admin", "not-the-key"))
    assert wrong.status_code == 403 and wrong.json()["status"] == 403
    missing = httpx.post(endpoint, data=update)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith('Basic realm="esskg"')
    assert 'Bearer realm="esskg"' in missing.headers["www-authenticate"]
    cross_site = httpx.post(
        endpoint, data=update, auth=("admin", TOKEN), headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403  # a browser may send Basic on its own
    bearer = httpx.post(
        endpoint,
        data=update,
        headers={"Authorization": f"Bearer {TOKEN}", "Origin": "https://app.example"},
    )
    assert bearer.status_code == 204


def test_a_created_graph_is_at_a_url_this_server_answers(base: str) -> None:
    created = httpx.post(
        base + "/graphs",
        content=b'<http://example.org/interop/new> <http://example.org/interop/p> "new" .',
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
    )
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith(base + "/graphs/")
    assert json.loads(json.dumps(location))  # a plain URL
    followed = httpx.get(location, headers={"Accept": "application/n-triples"})
    assert (
        followed.text == '<http://example.org/interop/new> <http://example.org/interop/p> "new" .\n'
    )

"""The HTTP face of the catalogue: listing, per-query operations, typing, paging, injection."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from rdflib import Graph
from rdflib.namespace import SH

from service.queries.catalogue import Catalogue
from service.store.base import Store

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response: Any) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


def test_catalogue_lists_every_query_as_json(client: TestClient, catalogue: Catalogue) -> None:
    body = client.get("/queries").json()
    assert [q["id"] for q in body] == [q.id for q in catalogue]
    assert all(q["summary"]["fr"] and q["summary"]["en"] for q in body)


def test_catalogue_as_rdf_uses_shacl_executables(client: TestClient, catalogue: Catalogue) -> None:
    for url in ("/queries", "/.well-known/sparql-examples"):
        response = client.get(url, headers={"Accept": "text/turtle"})
        assert response.headers["content-type"].startswith("text/turtle")
        graph = Graph().parse(data=response.text, format="turtle")
        assert len(set(graph.subjects(predicate=None, object=SH.SPARQLExecutable))) == len(
            catalogue
        )
        assert len(set(graph.objects(predicate=SH.select))) >= 20


def test_openapi_is_valid_31_with_one_typed_operation_per_query(
    client: TestClient, catalogue: Catalogue
) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    ours = {**spec, "paths": {p: o for p, o in spec["paths"].items() if p.startswith("/queries")}}
    validate(ours)
    operations = {
        op["get"]["operationId"] for p, op in spec["paths"].items() if p.startswith("/queries/")
    }
    assert len(operations) == len(catalogue)
    targets = spec["paths"]["/queries/spaser/list-targets-by-plan"]["get"]["parameters"]
    types = {p["name"]: p["schema"] for p in targets}
    assert types["year"]["type"] == "integer"
    # values from the data are examples, never an enum a generated client would freeze
    assert "https://w3id.org/esskg/id/spaser/cud-dunkerque" in types["plan"]["examples"]
    assert "enum" not in types["plan"]
    assert {"page", "per_page", "format"} <= set(types)


def test_whole_openapi_document_validates(client: TestClient) -> None:
    validate(client.get("/openapi.json").json())


def test_results_are_negotiated(client: TestClient) -> None:
    url = "/queries/spaser/count-spasers-by-authority-type"
    assert client.get(url).headers["content-type"].startswith("application/sparql-results+json")
    csv = client.get(url, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "spasers" in csv.text
    graph = client.get("/queries/legal/construct-legal-chain?format=turtle")
    assert graph.headers["content-type"].startswith("text/turtle")
    assert client.get(url, headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    ("url", "parameter", "expected"),
    [
        ("/queries/spaser/list-targets-by-plan?year=twenty", "year", "a year"),
        ("/queries/spaser/list-targets-by-plan?year=2020%0A", "year", "a year"),
        ("/queries/spaser/list-targets-by-plan?plan=http://x/a%0A", "plan", "PolicyPlan"),
        ("/queries/spaser/list-targets-by-plan?plan=http://[::1/", "plan", "PolicyPlan"),
        ("/queries/spaser/list-targets-by-plan?plan=http://x/%25zz", "plan", "PolicyPlan"),
        ("/queries/spaser/list-targets-by-plan?plan=http://x/%EF%BF%BD", "plan", "PolicyPlan"),
        ("/queries/search/find-resources-by-label?lang=fr%0A", "lang", "language"),
        ("/queries/spaser/list-targets-by-plan?plan=not%20an%20iri", "plan", "PolicyPlan"),
        (
            "/queries/spaser/list-targets-by-plan?plan=https://w3id.org/esskg/id/collectivite/cu-dunkerque",
            "plan",
            "PolicyPlan",
        ),
        ("/queries/spaser/list-spasers-with-public-consultation?online=yes", "online", "true"),
        ("/queries/search/find-resources-by-label?lang=fr%20FR", "lang", "language"),
        ("/queries/spaser/list-targets-by-plan?page=0", "page", "integer"),
        ("/queries/spaser/list-targets-by-plan?page=%C2%B2", "page", "integer"),
        ("/queries/spaser/list-targets-by-plan?per_page=100000", "per_page", "integer"),
        ("/queries/spaser/list-targets-by-plan?colour=blue", "colour", "declared"),
    ],
)
def test_bad_values_get_422_naming_parameter_and_type(
    client: TestClient, url: str, parameter: str, expected: str
) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["parameter"] == parameter and expected in problem["expected"]
    assert parameter in problem["detail"]


def test_year_filter_binds_as_a_term(client: TestClient) -> None:
    rows = client.get("/queries/spaser/list-targets-by-plan?year=2021").json()
    values = [b["targetYear"]["value"] for b in rows["results"]["bindings"]]
    assert values == ["2021"]


def walk(client: TestClient, url: str) -> tuple[list[dict[str, Any]], int, Any]:
    rows: list[dict[str, Any]] = []
    first = response = client.get(url)
    pages = 0
    while True:
        assert response.status_code == 200
        rows += response.json()["results"]["bindings"]
        pages += 1
        following = links(response).get("next")
        if following is None:
            return rows, pages, first
        response = client.get(following)


@pytest.mark.parametrize("per_page", [1, 2, 3, 5, 13, 50])
def test_walking_next_returns_every_row_exactly_once(client: TestClient, per_page: int) -> None:
    base = "/queries/spaser/list-spasers-by-authority-type"
    everything = client.get(base, params={"per_page": 1000}).json()["results"]["bindings"]
    rows, pages, first = walk(client, f"{base}?per_page={per_page}")
    key = [(r["spaser"]["value"], r["authority"]["value"]) for r in rows]
    assert sorted(key) == sorted(
        (r["spaser"]["value"], r["authority"]["value"]) for r in everything
    )
    assert len(key) == len(set(key)) == 13 == int(first.headers["x-total-count"])
    last = links(first)["last"]
    assert f"page={pages}" in last
    assert client.get(last).json()["results"]["bindings"]
    assert "prev" not in links(first) and "next" not in links(client.get(last))


def test_pages_past_the_end_are_empty_with_links_back(client: TestClient) -> None:
    response = client.get("/queries/spaser/list-spasers-by-authority-type?page=99&per_page=5")
    assert response.json()["results"]["bindings"] == []
    assert "page=3" in links(response)["last"] and "page=3" in links(response)["prev"]


HOSTILE = [
    '"',
    "'",
    '"> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    '\\u0022) } INSERT DATA { <urn:x> <urn:y> "z" } #',
    "\u0022 ) } UNION { ?s ?p ?o }",
    "line one\nline two\r\n} }",
    "x" * 5000,
    "}" * 150,
    "https://w3id.org/esskg/id/spaser/cud dunkerque",
    "https://w3id.org/esskg/id/spaser/cud-dunkerque> } UNION { ?s ?p ?o",
    "<https://w3id.org/esskg/id/spaser/cud-dunkerque>",
    "\x00",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_refused_or_plain_and_leave_the_store_alone(
    client: TestClient, shipped_store: Store, value: str
) -> None:
    before = shipped_store.count()
    for url, name in [
        ("/queries/search/find-resources-by-label", "text"),
        ("/queries/spaser/get-spaser-structure", "spaser"),
        ("/queries/spaser/list-targets-by-plan", "year"),
        ("/queries/search/find-resources-by-label", "lang"),
    ]:
        response = client.get(url, params={name: value})
        assert response.status_code in (200, 422), (url, value)
        if response.status_code == 200:
            # A plain value: only labels containing the very text can come back.
            for row in response.json()["results"]["bindings"]:
                assert value.lower() in row["label"]["value"].lower()
    assert shipped_store.count() == before


def test_every_operation_answers_with_its_defaults(
    client: TestClient, catalogue: Catalogue
) -> None:
    for query in catalogue:
        assert client.get(f"/queries/{query.id}").status_code == 200, query.id


def _operations(client: TestClient) -> list[tuple[str, list[dict[str, Any]]]]:
    spec = client.get("/openapi.json").json()
    return [
        (path, ops["get"].get("parameters", []))
        for path, ops in spec["paths"].items()
        if path.startswith("/queries/")
    ]


def _value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    choices: list[st.SearchStrategy[str]] = [st.text(max_size=30)]
    if "enum" in schema:
        choices.append(st.sampled_from([str(v) for v in schema["enum"]]))
    if schema.get("type") == "integer":
        choices.append(st.integers(-5, 3000).map(str))
    if schema.get("type") == "boolean":
        choices.append(st.sampled_from(["true", "false"]))
    return st.one_of(choices)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_operation_answers_5xx_to_generated_requests(client: TestClient, data: Any) -> None:
    path, parameters = data.draw(st.sampled_from(_operations(client)))
    params: dict[str, str] = {}
    for parameter in parameters:
        if data.draw(st.booleans()):
            params[parameter["name"]] = data.draw(_value(parameter["schema"]))
    response = client.get(path, params=params)
    assert response.status_code < 500, (path, params, response.text[:300])
    assert response.status_code in (200, 406, 422)

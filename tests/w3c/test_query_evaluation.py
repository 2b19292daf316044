"""The W3C SPARQL 1.1 query-evaluation tests, run through the HTTP endpoint.

One live server (real uvicorn, real default graph, no shapes) serves every test: each test
empties the store with an update, loads its data through the Graph Store Protocol, sends
its query over HTTP and compares the answer with the expected one (multisets with blank-node
renaming; graphs by isomorphism). The engine alone passes 218 of 229; the issue asks for at
least 95 % through HTTP, and the failures are listed below with their reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for
from tests.service.server import live_server
from tests.w3c.common import (
    MISSING,
    SPARQL11,
    EvalTest,
    eval_tests,
    parse_csv,
    parse_srj,
    parse_srx,
    parse_tsv,
    same_solutions,
)

FOLDERS = (
    "aggregates",
    "bind",
    "bindings",
    "construct",
    "exists",
    "functions",
    "grouping",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
    "json-res",
    "csv-tsv-res",
)

TOKEN = "w3c-token"

#: Known failures, each with its reason (the engine's own gaps, not the HTTP layer's).
ENGINE = "pyoxigraph 0.5 alone gives the same wrong answer"
XFAIL: dict[str, str] = {
    "aggregates/agg-groupconcat-04": f"GROUP_CONCAT drops a shared language tag; {ENGINE}",
    "aggregates/agg-groupconcat-06": f"GROUP_CONCAT with language tags; {ENGINE}",
    "aggregates/agg-empty-group-count-graph": f"COUNT of an empty group per GRAPH; {ENGINE}",
    "bindings/graph": f"VALUES binding ?g inside GRAPH ?g; {ENGINE}",
    "functions/bnode01": f"BNODE(str) reuses one node across solutions; {ENGINE}",
    "negation/graph-minus": f"MINUS without shared variables inside GRAPH; {ENGINE}",
    "property-path/zero_or_more_set_start": f"zero-length path from a set; {ENGINE}",
    "property-path/zero_or_more_set_end": f"zero-length path to a set; {ENGINE}",
    "property-path/zero_or_one_set_start": f"zero-length path from a set; {ENGINE}",
    "property-path/zero_or_one_set_end": f"zero-length path to a set; {ENGINE}",
    "csv-tsv-res/tsv03": f"TSV writes a negativeInteger bare, losing its datatype; {ENGINE}",
}

pytestmark = pytest.mark.skipif(not SPARQL11.is_dir(), reason=MISSING)


def _collect() -> list[EvalTest]:
    if not SPARQL11.is_dir():
        return []
    return [t for folder in FOLDERS for t in eval_tests(folder)]


TESTS = _collect()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("w3c-eval")
    # no runaway cooldown: every test is sent from one address, and one slow test must
    # not make the next ones 429
    settings = settings_for(
        root,
        write_token=TOKEN,
        infer_on_write=False,
        query_timeout=20,
        query_workers=2,
        runaway_cooldown=0,
    )
    with live_server(settings, OxigraphStore.in_memory(union_default=False)) as base:
        yield base


def _ntriples(path: Path) -> bytes:
    fmt = ox.RdfFormat.RDF_XML if path.suffix == ".rdf" else ox.RdfFormat.TURTLE
    triples = [q.triple for q in ox.parse(path=str(path), format=fmt, base_iri=path.as_uri())]
    out = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert out is not None
    return out


def _load(client: httpx.Client, base: str, test: EvalTest) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    response = client.post(
        base + "/sparql",
        content=b"DROP ALL",
        headers={**auth, "content-type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text
    headers = {**auth, "content-type": "application/n-triples"}
    for path in test.data:
        response = client.post(base + "/graphs?default", content=_ntriples(path), headers=headers)
        assert response.status_code in (201, 204), response.text
    for path in test.graph_data:
        response = client.put(
            base + "/graphs",
            params={"graph": path.as_uri()},
            content=_ntriples(path),
            headers=headers,
        )
        assert response.status_code in (201, 204), response.text


def _accept(test: EvalTest) -> str:
    result = test.result
    assert result is not None
    if test.result_set is not None:
        return "application/sparql-results+json"
    return {
        ".srx": "application/sparql-results+xml",
        ".srj": "application/sparql-results+json",
        ".tsv": "text/tab-separated-values",
        ".csv": "text/csv",
    }.get(result.suffix, "application/n-triples")


@pytest.mark.parametrize(
    "test",
    [
        pytest.param(t, id=t.id, marks=[pytest.mark.xfail(reason=XFAIL[t.id], strict=True)])
        if t.id in XFAIL
        else pytest.param(t, id=t.id)
        for t in TESTS
    ],
)
def test_query_evaluation_through_http(endpoint: str, test: EvalTest) -> None:
    assert test.result is not None
    with httpx.Client(timeout=30) as client:
        _load(client, endpoint, test)
        query = f"BASE <{test.query.as_uri()}>\n" + test.query.read_text("utf-8")
        response = client.post(
            endpoint + "/sparql",
            content=query.encode("utf-8"),
            headers={"content-type": "application/sparql-query", "accept": _accept(test)},
        )
    assert response.status_code == 200, response.text
    expected = test.result.read_bytes()
    suffix = test.result.suffix
    if suffix in (".ttl", ".rdf", ".nt") and test.result_set is not None:
        _, expected_rows = test.result_set
        _, actual_rows = parse_srj(response.content)
        assert same_solutions(actual_rows, expected_rows)  # type: ignore[arg-type]
        return
    if suffix in (".ttl", ".rdf", ".nt"):
        actual_graph = Graph().parse(data=response.content, format="nt")
        fmt = {".ttl": "turtle", ".rdf": "xml", ".nt": "nt"}[suffix]
        expected_graph = Graph().parse(data=expected, format=fmt, publicID=test.result.as_uri())
        assert isomorphic(actual_graph, expected_graph)
        return
    if suffix == ".csv":
        assert same_solutions(parse_csv(response.content), parse_csv(expected))  # type: ignore[arg-type]
        return
    if suffix == ".tsv":
        actual_rows, expected_rows = parse_tsv(response.content), parse_tsv(expected)
    else:
        parse = parse_srx if suffix == ".srx" else parse_srj
        actual_bool, actual_rows = parse(response.content)
        expected_bool, expected_rows = parse(expected)
        if expected_bool is not None:
            assert actual_bool == expected_bool
            return
    assert same_solutions(actual_rows, expected_rows)  # type: ignore[arg-type]

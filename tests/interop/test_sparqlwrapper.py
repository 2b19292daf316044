"""SPARQLWrapper 2.0 as its documentation shows it: every return format with every method.

SPARQLWrapper names the format three ways at once (``format``, ``output``, ``results``, each
twice for TSV, RDF/XML and JSON-LD: ``format=tsv&format=text/tab-separated-values``) and
sends an Accept header; it then checks that the Content-Type it got is the one it asked for
(a warning otherwise, made an error here) and converts the body. Writes go with HTTP Basic.
"""

from __future__ import annotations

import csv
import io
import warnings
from xml.dom.minidom import Document, Element

import httpx
import pytest
from rdflib import Graph
from SPARQLWrapper import (
    BASIC,
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from tests.interop.conftest import TOKEN
from tests.interop.oracle import (
    ASK_FALSE,
    ASK_TRUE,
    CONSTRUCT,
    SELECT,
    TYPED,
    WRITES,
    Oracle,
    Row,
    json_rows,
    json_term,
    rdflib_term,
    same_graph,
)

#: (HTTP method, how a POST carries the query)
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
METHOD_IDS = ["GET", "POST-form", "POST-direct"]


def wrapper(endpoint: str, fmt: str, method: tuple[str, str], query: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint)
    sw.setReturnFormat(fmt)
    sw.setMethod(method[0])
    sw.setRequestMethod(method[1])
    sw.setQuery(query)
    return sw


def run(sw: SPARQLWrapper) -> object:
    """The converted answer; a Content-Type other than the one asked for fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return sw.queryAndConvert()


def xml_rows(document: Document) -> list[Row]:
    rows = []
    for result in document.getElementsByTagName("result"):
        row = {}
        for binding in result.getElementsByTagName("binding"):
            term: Element = next(n for n in binding.childNodes if isinstance(n, Element))
            value = "".join(t.data for t in term.childNodes if t.nodeType == t.TEXT_NODE)
            spec = {"type": term.tagName, "value": value}
            if term.getAttribute("xml:lang"):
                spec["xml:lang"] = term.getAttribute("xml:lang")
            if term.getAttribute("datatype"):
                spec["datatype"] = term.getAttribute("datatype")
            row[binding.getAttribute("name")] = json_term(spec)
        rows.append(row)
    return rows


def tsv_rows(text: str) -> list[Row]:
    """TSV cells are terms in Turtle syntax: parse each through rdflib's TSV reader."""
    from rdflib.plugins.sparql.results.tsvresults import TSVResultParser

    result = TSVResultParser().parse(io.StringIO(text))
    return [
        {str(var): rdflib_term(value) for var, value in row.items() if value is not None}
        for row in result.bindings
    ]


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("query", [SELECT, TYPED], ids=["labels", "typed"])
def test_select_in_every_results_format(
    endpoint: str, oracle: Oracle, method: tuple[str, str], query: str
) -> None:
    expected = oracle.rows(query)
    assert expected
    as_json = run(wrapper(endpoint, JSON, method, query))
    assert isinstance(as_json, dict)
    assert as_json["head"]["vars"] == oracle.variables(query)
    assert json_rows(as_json) == expected
    as_xml = run(wrapper(endpoint, XML, method, query))
    assert isinstance(as_xml, Document)
    assert xml_rows(as_xml) == expected
    as_tsv = run(wrapper(endpoint, TSV, method, query))
    assert isinstance(as_tsv, bytes)
    assert tsv_rows(as_tsv.decode("utf-8")) == expected
    as_csv = run(wrapper(endpoint, CSV, method, query))
    assert isinstance(as_csv, bytes)
    table = list(csv.reader(io.StringIO(as_csv.decode("utf-8"))))
    assert table[0] == oracle.variables(query)
    assert table[1:] == oracle.lexical_rows(query)


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("query", [ASK_TRUE, ASK_FALSE], ids=["true", "false"])
def test_ask_in_every_results_format(
    endpoint: str, oracle: Oracle, method: tuple[str, str], query: str
) -> None:
    answer = oracle.ask(query)
    as_json = run(wrapper(endpoint, JSON, method, query))
    assert isinstance(as_json, dict) and as_json["boolean"] is answer
    as_xml = run(wrapper(endpoint, XML, method, query))
    assert isinstance(as_xml, Document)
    boolean = as_xml.getElementsByTagName("boolean")[0].firstChild
    assert boolean is not None and boolean.nodeValue == str(answer).lower()
    word = str(answer).lower()
    assert run(wrapper(endpoint, CSV, method, query)) == f"_askResult\r\n{word}\r\n".encode()
    assert run(wrapper(endpoint, TSV, method, query)) == f"?_askResult\n{word}\n".encode()


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, JSONLD])
def test_construct_in_every_rdf_format(
    endpoint: str, oracle: Oracle, method: tuple[str, str], fmt: str
) -> None:
    expected = oracle.graph(CONSTRUCT)
    answer = run(wrapper(endpoint, fmt, method, CONSTRUCT))
    if isinstance(answer, bytes):  # Turtle and N3 come back as text
        graph = Graph().parse(data=answer.decode("utf-8"), format="turtle")
        assert answer.startswith(b"@prefix"), "a readable Turtle answer declares its prefixes"
    else:
        assert isinstance(answer, Graph)
        graph = Graph()
        for triple in answer:
            graph.add(triple)
    assert same_graph(graph, expected)


@pytest.mark.parametrize("method", [URLENCODED, POSTDIRECTLY], ids=["form", "direct"])
def test_update_with_basic_credentials(base: str, endpoint: str, method: str) -> None:
    graph = f"{WRITES}sparqlwrapper-{method}"
    sw = SPARQLWrapper(endpoint)
    sw.setHTTPAuth(BASIC)
    sw.setCredentials("admin", TOKEN)
    sw.setMethod(POST)
    sw.setRequestMethod(method)
    sw.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#it> <{graph}#says> "écrit"@fr }} }}')
    assert sw.query().response.status == 204
    written = httpx.get(
        base + "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert written.text == f'<{graph}#it> <{graph}#says> "écrit"@fr .\n'


def test_update_without_credentials_is_refused_with_a_basic_challenge(endpoint: str) -> None:
    from urllib.error import HTTPError

    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    sw = SPARQLWrapper(endpoint)
    sw.setMethod(POST)
    sw.setQuery(f"CLEAR GRAPH <{WRITES}none>")
    with pytest.raises(Unauthorized) as refused:
        sw.query()
    cause = refused.value.__context__
    assert isinstance(cause, HTTPError) and cause.code == 401
    assert cause.headers["WWW-Authenticate"].startswith('Basic realm="esskg"')

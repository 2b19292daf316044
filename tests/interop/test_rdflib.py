"""rdflib 7's ``SPARQLStore`` and ``SPARQLUpdateStore``, every return format and method.

rdflib sends one Accept header per store, whatever the query form: with
``returnFormat="json"`` a CONSTRUCT asks for SPARQL JSON results, and gets the graph in
Turtle (what Fuseki answers), which rdflib parses by its Content-Type. It writes with HTTP
Basic (``auth=``). Its quirks that remain are the client's, documented in the README and
pinned here: ``Dataset`` without ``default_union`` names a default graph that does not
exist, and an ASK read as CSV or TSV is a one-row table.
"""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

from tests.interop.conftest import TOKEN
from tests.interop.oracle import (
    ASK_FALSE,
    ASK_TRUE,
    CONSTRUCT,
    SELECT,
    TYPED,
    WRITES,
    Oracle,
    rdflib_term,
    same_graph,
)

FORMATS = ["json", "xml", "csv", "tsv"]
METHODS = ["GET", "POST", "POST_FORM"]


def store(endpoint: str, fmt: str, method: str) -> SPARQLStore:
    return SPARQLStore(endpoint, returnFormat=fmt, method=method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_select(endpoint: str, oracle: Oracle, fmt: str, method: str) -> None:
    for query in (SELECT, TYPED):
        result = store(endpoint, fmt, method).query(query)
        names = oracle.variables(query)
        assert [str(v) for v in result.vars or []] == names
        rows = [row.asdict() for row in result]
        if fmt == "csv":  # CSV keeps no term types: rdflib guesses IRIs, and no tag
            got = [[str(row.get(name, "")) for name in names] for row in rows]
            assert got == oracle.lexical_rows(query)
        else:
            exact = [{name: rdflib_term(term) for name, term in row.items()} for row in rows]
            assert exact == oracle.rows(query)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask(endpoint: str, oracle: Oracle, fmt: str, method: str) -> None:
    for query in (ASK_TRUE, ASK_FALSE):
        assert bool(store(endpoint, fmt, method).query(query)) is oracle.ask(query)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_ask_as_a_table_is_one_row_with_the_answer(endpoint: str, fmt: str) -> None:
    """CSV/TSV define no ASK answer: rdflib reads Fuseki's ``_askResult`` table, one row
    whose cell is the answer (so ``bool(result)`` is true either way: read the cell)."""
    for query, word in ((ASK_TRUE, "true"), (ASK_FALSE, "false")):
        result = store(endpoint, fmt, "GET").query(query)
        assert [str(v) for v in result.vars or []] == ["_askResult"]
        assert [str(row[0]) for row in result] == [word]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_construct_and_describe_whatever_the_return_format(
    endpoint: str, oracle: Oracle, fmt: str, method: str
) -> None:
    result = store(endpoint, fmt, method).query(CONSTRUCT)
    assert result.type == "CONSTRUCT" and result.graph is not None
    assert same_graph(result.graph, oracle.graph(CONSTRUCT))
    spaser = oracle.rows(SELECT)[0]["spaser"][1:-1]
    described = store(endpoint, fmt, method).query(f"DESCRIBE <{spaser}>")
    assert described.graph is not None
    assert same_graph(described.graph, oracle.graph(f"DESCRIBE <{spaser}>"))


def test_update_store_writes_with_basic_auth_and_reads_back(endpoint: str) -> None:
    graph_name = URIRef(f"{WRITES}rdflib")
    st = SPARQLUpdateStore(
        query_endpoint=endpoint,
        update_endpoint=endpoint,
        returnFormat="json",
        method="POST_FORM",
        auth=("admin", TOKEN),
    )
    graph = Graph(store=st, identifier=graph_name)
    subject, label = (
        URIRef(f"{graph_name}#it"),
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    )
    graph.add((subject, label, Literal("écrit par rdflib", lang="fr")))
    assert len(graph) == 1
    assert list(graph.objects(subject, label)) == [Literal("écrit par rdflib", lang="fr")]
    graph.remove((subject, label, None))
    assert len(graph) == 0


def test_update_store_with_a_wrong_key_fails_loudly(endpoint: str) -> None:
    st = SPARQLUpdateStore(endpoint, endpoint, auth=("admin", "wrong"))
    graph = Graph(store=st, identifier=URIRef(f"{WRITES}rdflib-refused"))
    with pytest.raises(Exception, match="403"):
        graph.add((URIRef(f"{WRITES}a"), URIRef(f"{WRITES}p"), Literal("x")))


def test_dataset_needs_default_union(endpoint: str, oracle: Oracle) -> None:
    """rdflib's ``Dataset`` names ``urn:x-rdflib:default`` as the default graph unless it is
    told the default graph is the union: then the named graphs are out of the dataset, as
    the protocol says, and nothing is found (README, "Clients")."""
    query = SELECT.replace("WHERE {", "WHERE { GRAPH ?g {").replace("ORDER BY", "} ORDER BY")
    union = Dataset(store=store(endpoint, "json", "GET"), default_union=True)
    assert len(list(union.query(query))) == len(oracle.rows(query)) > 0
    plain = Dataset(store=store(endpoint, "json", "GET"))
    assert list(plain.query(query)) == []

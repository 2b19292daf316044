"""Every query against its golden result, derived from the source page by reading it.

Golden SELECT results are CSV files whose header names the variables they check (a subset of
the projection is allowed, so labels need not be copied); cells use the prefixes below.
Rows are compared as multisets after projecting the answer on those columns. A CONSTRUCT is
compared with its Turtle golden graph by isomorphism. A mismatch is a bug in the data or in
the query, never a reason to regenerate the golden file from the store.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.compare import graph_diff, isomorphic

from service.queries.catalogue import CannedQuery, Catalogue
from service.queries.run import is_member, resolve_params
from service.sparql.binding import bind_variables
from service.store.base import QueryKind, Store, Term
from tests.queries.conftest import EXPECTED, QUERIES

PREFIXES = {
    "id:": "https://w3id.org/esskg/id/",
    "ess:": "https://w3id.org/esskg/def#",
    "graph:": "https://w3id.org/esskg/graph/",
    "rdf:": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs:": "http://www.w3.org/2000/01/rdf-schema#",
    "skos:": "http://www.w3.org/2004/02/skos/core#",
    "org:": "http://www.w3.org/ns/org#",
}
#: The tag of the queries whose goldens need the whole territory (the COG referential).
REFERENTIAL_TAG = "referential"
IDS = sorted(f"{p.parent.name}/{p.stem}" for p in QUERIES.glob("*/*.rq") if p.parent.name != "qc")


def expand(cell: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if cell.startswith(prefix):
            return namespace + cell[len(prefix) :]
    return cell


def cell(term: Term | None) -> str:
    """A term as the SPARQL CSV format writes it: IRIs and lexical forms, no tags."""
    if term is None:
        return ""
    numeric = ("#integer", "#decimal", "#double")
    if (
        isinstance(term, Literal)
        and str(term.datatype).endswith(numeric)
        and term.value is not None
    ):
        number = float(term.value)
        return str(int(number)) if number.is_integer() else str(number)
    return str(term)


def run_with_defaults(store: Store, query: CannedQuery):  # type: ignore[no-untyped-def]
    bindings = resolve_params(query, {}, functools.partial(is_member, store))
    return store.query(bind_variables(query.text, bindings))


def read_golden(path: Path) -> tuple[list[str], Counter[tuple[str, ...]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        columns = next(reader)
        rows = Counter(tuple(expand(c) for c in row) for row in reader if row)
    return columns, rows


@pytest.mark.parametrize("query_id", IDS)
def test_query_matches_its_golden_result(
    query_id: str, catalogue: Catalogue, request: pytest.FixtureRequest
) -> None:
    """Queries tagged ``referential`` ask about the whole territory: their goldens are
    answers over the build with the real COG package, the others over the pages alone."""
    query = catalogue.get(query_id)
    assert query is not None
    area, name = query_id.split("/")
    referential = REFERENTIAL_TAG in query.header.tags
    store: Store = request.getfixturevalue("referential_store" if referential else "shipped_store")
    result = run_with_defaults(store, query)
    if query.kind is QueryKind.GRAPH:
        expected = Graph().parse(EXPECTED / area / f"{name}.ttl")
        actual = Graph()
        for triple in result.triples():
            actual.add(triple)
        if not isomorphic(expected, actual):
            _, missing, extra = graph_diff(expected, actual)
            pytest.fail(
                f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}"
            )
        return
    columns, expected_rows = read_golden(EXPECTED / area / f"{name}.csv")
    assert set(columns) <= set(result.variables), f"golden names unknown columns: {columns}"
    actual_rows = Counter(tuple(cell(row.get(c)) for c in columns) for row in result.rows())
    missing = expected_rows - actual_rows
    extra = actual_rows - expected_rows
    assert not missing and not extra, f"missing rows: {dict(missing)}\nextra rows: {dict(extra)}"

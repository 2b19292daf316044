"""When joining a SPARQL constraint's solutions with the focus nodes means pre-binding."""

from __future__ import annotations

import pytest

from service.graph.sparql_prebinding import joinable

P = "<http://example.org/p>"
OTHER = f"?o {P} ?v FILTER (?o != $this)"  # $this read inside EXISTS, bound outside it


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"SELECT $this ?value WHERE {{ $this {P} ?value }}", True),
        (f"SELECT $this WHERE {{ $this {P} ?v . FILTER (?v > 3 && $this != ?v) }}", True),
        (
            f"SELECT $this WHERE {{ $this {P} ?v . BIND (str($this) AS ?s) FILTER (?s != '') }}",
            True,
        ),
        (f"SELECT $this WHERE {{ $this {P} ?v FILTER NOT EXISTS {{ {OTHER} }} }}", True),
        (f"SELECT DISTINCT $this WHERE {{ ?o {P} $this }} ORDER BY $this LIMIT 3", True),
        ("SELECT $this WHERE { FILTER ($this > 4) }", False),  # never bound
        (f"SELECT $this WHERE {{ BIND (str($this) AS ?s) $this {P} ?s }}", False),  # read first
        (f"SELECT $this WHERE {{ {{ $this {P} ?v }} UNION {{ ?v {P} $this }} }}", False),
        (f"SELECT $this WHERE {{ ?s {P} ?v OPTIONAL {{ $this {P} ?v }} }}", False),
        (f"SELECT $this (COUNT(?v) AS ?n) WHERE {{ $this {P} ?v }} GROUP BY $this", False),
        (f"SELECT $this WHERE {{ ?s {P} ?v }}", False),  # projected, never bound
        ("SELECT $this WHERE { $this unknown:p ?v }", False),  # does not parse
    ],
)
def test_joinable(query: str, expected: bool) -> None:
    assert joinable(query) is expected

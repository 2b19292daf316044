"""The default graph of the built graph is a set: researchers count without DISTINCT.

Each page states what it needs about the entities it mentions (RTES is typed and labelled
in the graph of every page that writes « RTES »), so a triple often sits in several named
graphs. A query over the default graph must match it once; ``GRAPH ?g`` still finds every
page that states it.
"""

from __future__ import annotations

from service.store.base import Store

RTES = "<https://w3id.org/esskg/id/organisation/rtes>"
LABEL = f'{RTES} <http://www.w3.org/2000/01/rdf-schema#label> "RTES"@fr'


def _n(store: Store, query: str) -> int:
    (row,) = store.select(query)
    return int(row["n"])


def test_counting_the_default_graph_counts_distinct_triples(facts_store: Store) -> None:
    total = _n(facts_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    distinct = _n(
        facts_store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    )
    quads = _n(facts_store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert total == distinct
    assert quads > total  # pages restate what they share: the named graphs keep it all


def test_a_label_every_page_states_is_matched_once(facts_store: Store) -> None:
    """RTES's label is in the publisher graph and in the graphs of the eight pages that write
    « RTES » (Fiche n°11 is its title alone: its graph names no one)."""
    assert _n(facts_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {LABEL} }}") == 1
    pages = _n(facts_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {LABEL} }} }}")
    assert pages == 9


def test_charter_signatories_list_rtes_once_without_distinct(facts_store: Store) -> None:
    rows = facts_store.select(
        "SELECT ?who ?label WHERE {"
        " <https://w3id.org/esskg/id/charte/engagements-reciproques-2014>"
        " <https://w3id.org/esskg/def#hasSignatory> ?who ."
        ' ?who <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "fr") }'
    )
    assert sorted(str(r["label"]) for r in rows).count("RTES") == 1

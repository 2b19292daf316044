"""SPARQL Update text built from RDF terms, for stores that change graphs through updates.

Every term is written in its N-Triples form by the serialiser, so content can never escape
into the update's syntax; one update request is one transaction on conforming engines.
Triples are added with ``INSERT { … } WHERE {}`` rather than ``INSERT DATA``: the two mean
the same here, but some engines (Virtuoso) refuse blank nodes in ``INSERT DATA``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.store.base import Triple
from service.store.terms import ntriples_term


def _triples_block(triples: Iterable[Triple]) -> str:
    return "\n".join(" ".join(ntriples_term(t) for t in triple) + " ." for triple in triples)


def _graph_block(name: str | None, body: str) -> str:
    return body if name is None else f"GRAPH <{name}> {{\n{body}\n}}"


def insert_data_update(graphs: Mapping[str | None, Iterable[Triple]]) -> str:
    """One insertion adding triples to several graphs."""
    blocks = [_graph_block(name, _triples_block(triples)) for name, triples in graphs.items()]
    return "INSERT {\n" + "\n".join(blocks) + "\n} WHERE {}"


def replace_graphs_update(graphs: Mapping[str | None, Iterable[Triple] | None]) -> str:
    """One update that empties each graph and fills it anew (``None`` content: just drop)."""
    operations: list[str] = []
    for name, triples in graphs.items():
        target = "DEFAULT" if name is None else f"GRAPH <{name}>"
        operations.append(f"DROP SILENT {target}")
        if triples is None:
            continue
        body = _triples_block(triples)
        if body:
            operations.append(f"INSERT {{\n{_graph_block(name, body)}\n}} WHERE {{}}")
    return " ;\n".join(operations)

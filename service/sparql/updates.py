"""SPARQL Update text built from RDF terms, for stores that change graphs through updates.

Every term is written in its N-Triples form by the serialiser, so content can never escape
into the update's syntax; one update request is one transaction on conforming engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.store.base import Triple
from service.store.terms import ntriples_term


def _triples_block(triples: Iterable[Triple]) -> str:
    return "\n".join(" ".join(ntriples_term(t) for t in triple) + " ." for triple in triples)


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
            wrapped = body if name is None else f"GRAPH <{name}> {{\n{body}\n}}"
            operations.append(f"INSERT DATA {{\n{wrapped}\n}}")
    return " ;\n".join(operations)

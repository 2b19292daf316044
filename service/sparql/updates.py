"""SPARQL Update text built from RDF terms, for stores that change graphs through updates.

Every term is written in its N-Triples form by the serialiser, so content can never escape
into the update's syntax; one update request is one transaction on conforming engines.
Triples are added with ``INSERT { … } WHERE {}`` rather than ``INSERT DATA``: the two mean
the same here, but some engines (Virtuoso) refuse blank nodes in ``INSERT DATA``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from service.store.base import Triple
from service.store.terms import ntriples


def _triples_block(triples: Iterable[Triple]) -> str:
    return ntriples(triples).rstrip("\n")


def _graph_block(name: str | None, body: str) -> str:
    return body if name is None else f"GRAPH <{name}> {{\n{body}\n}}"


def insert_data_update(graphs: Mapping[str | None, Iterable[Triple]]) -> str:
    """One insertion adding triples to several graphs."""
    blocks = [_graph_block(name, _triples_block(triples)) for name, triples in graphs.items()]
    return "INSERT {\n" + "\n".join(blocks) + "\n} WHERE {}"


@dataclass(frozen=True)
class GraphEdit:
    """Changes to one graph that leave the rest of it in place.

    ``removed`` and ``added`` hold no blank node: ``DELETE DATA`` refuses them and ``INSERT
    DATA`` mints new ones, since a blank node cannot be named across requests. So when
    ``blank`` is given, the graph's triples that have a blank node are all replaced by it.
    """

    removed: Collection[Triple] = ()
    added: Collection[Triple] = ()
    blank: Collection[Triple] | None = None


def replace_graphs_update(
    graphs: Mapping[str | None, Iterable[Triple] | None],
    edits: Mapping[str | None, GraphEdit] | None = None,
) -> str:
    """One update that empties each graph and fills it anew (``None`` content: just drop),
    then applies ``edits`` to other graphs: a large graph that a write barely changes (the
    inferred one) is not rewritten whole.
    """
    operations: list[str] = []
    for name, triples in graphs.items():
        target = "DEFAULT" if name is None else f"GRAPH <{name}>"
        operations.append(f"DROP SILENT {target}")
        if triples is None:
            continue
        body = _triples_block(triples)
        if body:
            operations.append(f"INSERT {{\n{_graph_block(name, body)}\n}} WHERE {{}}")
    for name, edit in (edits or {}).items():
        operations.extend(_edit_operations(name, edit))
    return " ;\n".join(operations)


def _edit_operations(name: str | None, edit: GraphEdit) -> list[str]:
    operations = []
    if edit.removed:
        operations.append(f"DELETE DATA {{\n{_graph_block(name, _triples_block(edit.removed))}\n}}")
    if edit.added:
        operations.append(f"INSERT DATA {{\n{_graph_block(name, _triples_block(edit.added))}\n}}")
    if edit.blank is not None:
        pattern = _graph_block(name, "?s ?p ?o .")
        operations.append(
            f"DELETE {{ {pattern} }} WHERE {{ {pattern} FILTER(isBlank(?s) || isBlank(?o)) }}"
        )
        body = _triples_block(edit.blank)
        if body:
            operations.append(f"INSERT {{\n{_graph_block(name, body)}\n}} WHERE {{}}")
    return operations

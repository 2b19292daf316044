"""The union default graph as a set: what the store holds, and the SPARQL that keeps it so.

A query's default graph is the union of all graphs, and it must be an RDF merge: a triple
that three pages state is matched once there, and three times with ``GRAPH ?g``. The engine
gives a bag (pyoxigraph 0.5's union default graph, and a list of default graphs, count a
triple once per graph), so the store keeps the set itself: in union mode its real default
graph holds every distinct triple of every graph, and queries read that graph. The named
graphs are untouched.

Why a stored copy rather than a dataset of several graphs: a query over a list of graphs
ran 1.5 to 6 times slower at 1M triples (each pattern scanned once per graph), while the
copy is read as fast as the bag union was; it costs memory instead (bench/README.md).

What the store writes keeps the copy exact, in the same update request (one transaction):
triples of the graphs a write replaces leave the union unless another graph still holds
them, the new contents join it. The default graph's own statements (a Graph Store write to
``?default``) are kept in the union too; they are told apart as the union's triples that no
named graph holds, so a triple stated both there and in a named graph counts as the named
graph's: it leaves the union with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox

from service.sparql.updates import GraphEdit, insert_data_update, replace_graphs_update
from service.store.base import Triple
from service.store.terms import ntriples_term

#: The union built from scratch (a store written before the union was kept, or a bulk copy).
MATERIALISE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"

_BLANK = "FILTER(isBlank(?s) || isBlank(?o))"


def union_copies(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The triple of each named-graph quad, in the default graph: what a bulk load adds to
    keep the union (the engine drops the copies a set already holds)."""
    default = ox.DefaultGraph()
    for quad in quads:
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, default)


class Union:
    """The SPARQL of one store's union, held in its real default graph (``graph=None``) or,
    on an engine without one (Virtuoso), in the named graph standing for it."""

    def __init__(self, graph: str | None = None) -> None:
        self.graph = graph
        self._in = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"

    def _orphan(self, *but: str) -> str:
        """No named graph (but ``but``) holds the triple."""
        excluded = [*but, *([] if self.graph is None else [self.graph])]
        test = ""
        if excluded:
            test = "FILTER(?g NOT IN (" + ", ".join(f"<{name}>" for name in excluded) + "))"
        return f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} {test} }}"

    def _delete(self, where: str) -> str:
        return f"DELETE {{ {self._in} }} WHERE {{ {where} }}"

    def _insert(self, where: str) -> str:
        return f"INSERT {{ {self._in} }} WHERE {{ {where} }}"

    def _add(self, triples: Iterable[Triple]) -> str:
        return insert_data_update({self.graph: triples})

    def own_statements(self) -> str:
        """The default graph's own statements: the union's triples no named graph holds."""
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {self._in} {self._orphan()} }}"

    def _edit(self, name: str | None, edit: GraphEdit) -> tuple[list[str], list[str]]:
        """What the union loses before an edit, and what it gains after it."""
        before, after = [], []
        if edit.blank is not None:
            if name is None:
                before.append(self._delete(f"{self._in} {_BLANK} {self._orphan()}"))
                after.append(self._add(edit.blank))
            else:
                where = f"GRAPH <{name}> {{ ?s ?p ?o }} {_BLANK}"
                before.append(self._delete(f"{where} {self._orphan(name)}"))
                after.append(self._insert(where))
        if edit.added:
            after.append(self._add(edit.added))
        if edit.removed:  # after the edit: the triples no named graph holds any more
            rows = "\n".join(
                "(" + " ".join(ntriples_term(t) for t in triple) + ")" for triple in edit.removed
            )
            values = f"VALUES (?s ?p ?o) {{\n{rows}\n}}"
            after.append(self._delete(f"{values} {self._in} {self._orphan()}"))
        return before, after

    def maintained_update(
        self,
        graphs: Mapping[str | None, Iterable[Triple] | None],
        edits: Mapping[str | None, GraphEdit] | None = None,
    ) -> str:
        """``replace_graphs_update`` for a store whose default graph is the union, kept exact.

        ``None`` names the default graph's own statements, which live in the union itself:
        they are replaced or edited there, never by dropping the union.
        """
        edits = edits or {}
        named = [name for name in graphs if name is not None]
        before: list[str] = []
        after: list[str] = []
        if named:
            replaced = "VALUES ?c { " + " ".join(f"<{name}>" for name in named) + " } "
            replaced += "GRAPH ?c { ?s ?p ?o }"
            before.append(self._delete(f"{replaced} {self._orphan(*named)}"))
            after.append(self._insert(replaced))
        if None in graphs:
            before.append(self._delete(f"{self._in} {self._orphan()}"))
            own = graphs[None]
            if own is not None:
                after.append(self._add(own))
        for name, edit in edits.items():
            lost, gained = self._edit(name, edit)
            before += lost
            after += gained
        writes = replace_graphs_update(
            {name: triples for name, triples in graphs.items() if name is not None},
            {name: edit for name, edit in edits.items() if name is not None},
        )
        return " ;\n".join(op for op in (*before, writes, *after) if op)

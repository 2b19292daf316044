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

Each commit keeps the copy exact, in the same update request (one transaction): after the
named graphs change, the triples the delta removed leave the union unless some named graph
still holds them (the embedded store reads which from its index and writes ``DATA`` blocks;
a remote engine's update asks itself, with ``NOT EXISTS``), then the triples it added join
it. The default graph's own statements (a Graph Store write to ``?default``) live in the
union too; they are told apart as the union's triples that no named graph holds, so a triple
stated both there and in a named graph counts as the named graph's: it leaves the union with
it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

#: The union built from scratch (a store written before the union was kept, or a bulk copy).
MATERIALISE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


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

    def holding(self, triple: str) -> str:
        """``triple`` (a pattern) in the union's graph."""
        return triple if self.graph is None else f"GRAPH <{self.graph}> {{ {triple} }}"

    def orphan(self, triple: str = "?s ?p ?o") -> str:
        """No named graph (other than the union's own) holds ``triple``."""
        other = "" if self.graph is None else f" FILTER(?g != <{self.graph}>)"
        return f"FILTER NOT EXISTS {{ GRAPH ?g {{ {triple} }}{other} }}"

    def own_statements(self) -> str:
        """The default graph's own statements: the union's triples no named graph holds."""
        return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {self.holding('?s ?p ?o')} {self.orphan()} }}"

    def leave_if_orphaned(self, triple: str) -> str:
        """One ground triple leaves the union unless a named graph still holds it."""
        held = self.holding(triple)
        return f"DELETE {{ {held} }} WHERE {{ {held} {self.orphan(triple)} }}"

    def orphaned_blank_triples_leave(self) -> str:
        """Every union triple with a blank node that no named graph holds leaves it."""
        pattern = self.holding("?s ?p ?o FILTER(isBlank(?s) || isBlank(?o))")
        return f"DELETE {{ {self.holding('?s ?p ?o')} }} WHERE {{ {pattern} {self.orphan()} }}"

"""A write as a delta: the quads it removes and the quads it adds, in engine terms.

Every write the service accepts (a Graph Store PUT, POST or DELETE, a SPARQL Update) is
turned into one :class:`Delta` against the store as it is, under the write lock. The gate
checks what the delta implies, the store commits it in one transaction, and the query engine
applies the same delta to its in-memory copy: nothing is copied or converted whole, so a
write costs what it changes.

A delta computed against a state is *exact*: what it removes is there, what it adds is not,
and no quad is in both. Applying an exact delta twice changes nothing the second time, and
applying a run of deltas in order to any state between the first's and the last's gives the
last's: the query engine relies on that when it catches up after a reload.

The default graph is named ``None`` here, as everywhere in the store interface.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:  # the store interface takes deltas; computing one reads a store
    from service.store.base import Store

#: A graph's name in the store interface: an IRI, or None for the store's default graph.
GraphName = str | None
#: An engine term that can sit in a quad's subject or object.
EngineTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def graph_of(quad: ox.Quad) -> GraphName:
    name = quad.graph_name
    return None if isinstance(name, ox.DefaultGraph) else name.value


def engine_graph(name: GraphName) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def in_graph(triples: Iterable[ox.Triple], name: GraphName) -> set[ox.Quad]:
    target = engine_graph(name)
    return {ox.Quad(t.subject, t.predicate, t.object, target) for t in triples}


def has_blank_node(quad: ox.Quad | ox.Triple) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def fresh_blank_nodes(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples with each blank node renamed to a new, random one.

    A client's ``_:b1`` names a node of its own document, never one already stored: without
    renaming, two uploads using the same label would share a node.
    """
    renamed: dict[str, ox.BlankNode] = {}

    def fresh(term: ox.BlankNode) -> ox.BlankNode:
        if term.value not in renamed:
            renamed[term.value] = ox.BlankNode(secrets.token_hex(16))
        return renamed[term.value]

    out = []
    for t in triples:
        s, o = t.subject, t.object
        if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
            t = ox.Triple(
                fresh(s) if isinstance(s, ox.BlankNode) else s,
                t.predicate,
                fresh(o) if isinstance(o, ox.BlankNode) else o,
            )
        out.append(t)
    return out


@dataclass(frozen=True)
class Delta:
    """Quads removed and quads added; see the module docstring for what "exact" means."""

    removed: frozenset[ox.Quad] = field(default_factory=frozenset)
    added: frozenset[ox.Quad] = field(default_factory=frozenset)

    @classmethod
    def of(cls, removed: Iterable[ox.Quad] = (), added: Iterable[ox.Quad] = ()) -> Delta:
        """A delta from any two collections; a quad both removed and added is left alone."""
        gone, new = frozenset(removed), frozenset(added)
        both = gone & new
        return cls(gone - both, new - both)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)

    def __len__(self) -> int:
        return len(self.removed) + len(self.added)

    def graphs(self) -> set[GraphName]:
        """Every graph the delta changes."""
        return {graph_of(q) for q in self.removed} | {graph_of(q) for q in self.added}

    def then(self, later: Delta) -> Delta:
        """This delta followed by ``later`` (computed against the state this one leaves)."""
        return Delta(
            (self.removed - later.added) | (later.removed - self.added),
            (self.added - later.removed) | (later.added - self.removed),
        )

    def inverse(self) -> Delta:
        return Delta(self.added, self.removed)

    def __or__(self, other: Delta) -> Delta:
        """Two deltas on disjoint quads (the asserted change and the inferred one)."""
        return Delta(self.removed | other.removed, self.added | other.added)

    def applied_to(self, quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        """``quads`` as this delta leaves them (a state the delta was computed against)."""
        for quad in quads:
            if quad not in self.removed:
                yield quad
        yield from self.added

    def graph_after(self, name: GraphName, before: Iterable[ox.Quad]) -> list[ox.Triple]:
        """One graph's triples after the delta, given its quads before."""
        target = engine_graph(name)
        kept = (q for q in self.applied_to(before) if q.graph_name == target)
        return [q.triple for q in kept]


# -- the delta of each write ----------------------------------------------------------------


def replacing(store: Store, name: GraphName, triples: Iterable[ox.Triple]) -> Delta:
    """Graph Store PUT: the graph holds exactly ``triples`` afterwards."""
    return replaced_by(set(store.quads(name)), in_graph(fresh_blank_nodes(triples), name))


def replaced_by(old: set[ox.Quad], new: set[ox.Quad]) -> Delta:
    """A graph that holds ``old`` holds exactly ``new`` (blank nodes already fresh)."""
    return Delta(frozenset(old - new), frozenset(new - old))


def adding(store: Store, name: GraphName, triples: Iterable[ox.Triple]) -> Delta:
    """Graph Store POST: ``triples`` merged into the graph."""
    new = in_graph(fresh_blank_nodes(triples), name)
    return Delta(added=frozenset(new - store.present(new)))

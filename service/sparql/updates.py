"""A delta as SPARQL Update text: one request, so one transaction on the engine.

Ground quads go in ``DELETE DATA`` / ``INSERT DATA`` blocks, each term in the engine's own
N-Triples spelling (``str`` of an engine term), so content can never escape into the
update's syntax. A blank node cannot be named in update text (``DELETE DATA`` refuses one,
``INSERT DATA`` mints a new one), so quads with blank nodes take another way: the embedded
engine is handed them through a function it calls back while it evaluates the update
(:class:`BoundTerms`), exact to the node; a remote engine rewrites the blank-node
part of each graph concerned (``service.store.remote``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox

from service.store.delta import EngineTerm, GraphName, graph_of
from service.store.union import Union

#: How a store names a graph in update text (an engine without a real default graph maps
#: ``None`` to an IRI of its own).
GraphIri = Callable[[GraphName], str | None]


def _same(name: GraphName) -> str | None:
    return name


def _by_graph(quads: Iterable[ox.Quad], graph_iri: GraphIri) -> dict[str | None, list[str]]:
    graphs: dict[str | None, list[str]] = defaultdict(list)
    for quad in quads:
        graphs[graph_iri(graph_of(quad))].append(f"{quad.triple} .")
    return graphs


def _block(name: str | None, lines: list[str]) -> str:
    body = "\n".join(lines)
    return body if name is None else f"GRAPH <{name}> {{\n{body}\n}}"


def quads_block(quads: Iterable[ox.Quad], graph_iri: GraphIri = _same) -> str:
    """Quads as the body of a ``DATA`` block or a ground template, grouped by graph."""
    return "\n".join(_block(name, lines) for name, lines in _by_graph(quads, graph_iri).items())


def data_operations(
    removed: Sequence[ox.Quad], added: Sequence[ox.Quad], graph_iri: GraphIri = _same
) -> list[str]:
    """``DELETE DATA`` and ``INSERT DATA`` for ground quads (no blank node), one operation
    per graph: Virtuoso leaves some quads in place when one block names several graphs."""
    operations = []
    for keyword, quads in (("DELETE", removed), ("INSERT", added)):
        for name, lines in _by_graph(quads, graph_iri).items():
            operations.append(f"{keyword} DATA {{\n{_block(name, lines)}\n}}")
    return operations


def insert_operation(quads: Sequence[ox.Quad], graph_iri: GraphIri = _same) -> str:
    """Quads added with ``INSERT { … } WHERE {}``: the same as ``INSERT DATA``, but some
    engines (Virtuoso) refuse blank nodes in ``INSERT DATA``; each becomes a new node."""
    return f"INSERT {{\n{quads_block(quads, graph_iri)}\n}} WHERE {{}}"


#: The function the engine calls back for the terms of a :class:`BoundTerms` operation.
BOUND_TERM = ox.NamedNode("urn:esskg:bound-term")

CustomFunctions = dict[ox.NamedNode, Callable[..., EngineTerm | ox.Triple | None]]

_SLOTS = ("s", "p", "o", "g")


class BoundTerms:
    """Operations whose variables the engine binds, through one callback, to given terms,
    blank nodes included, while it evaluates one update.

    A variable bound to a blank node keeps it in a template (only a template's own blank
    nodes are fresh), so the quads removed and added are exactly these. Pass
    :attr:`functions` to the engine with the update text.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[EngineTerm | None, ...]] = []

    @property
    def functions(self) -> CustomFunctions:
        rows = self._rows

        def term(index: ox.Literal, slot: ox.Literal) -> EngineTerm | None:
            return rows[int(index.value)][int(slot.value)]

        return {BOUND_TERM: term}

    def _bound(self, quads: Sequence[ox.Quad], prefix: str, named: bool) -> tuple[str, list[str]]:
        """A group binding ``?{prefix}_s`` … to each quad in turn, and those variables."""
        start = len(self._rows)
        for quad in quads:
            graph = quad.graph_name
            subject, obj = quad.subject, quad.object
            self._rows.append(
                (
                    subject,
                    quad.predicate,
                    obj,
                    None if isinstance(graph, ox.DefaultGraph) else graph,  # type: ignore[arg-type]
                )
            )
        variables = [f"?{prefix}_{slot}" for slot in _SLOTS[: 4 if named else 3]]
        binds = " ".join(
            f"BIND(<{BOUND_TERM.value}>(?i, {k}) AS {v})" for k, v in enumerate(variables)
        )
        indices = " ".join(str(i) for i in range(start, len(self._rows)))
        return f"{{ VALUES ?i {{ {indices} }} {binds} }}", variables

    def quads_operation(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad]) -> str:
        """One ``DELETE … INSERT … WHERE`` removing and adding exactly these quads."""
        templates: dict[str, list[str]] = {"d": [], "a": []}
        branches = []
        for kind, quads in (("d", removed), ("a", added)):
            for named in (False, True):
                chosen = [q for q in quads if isinstance(q.graph_name, ox.NamedNode) is named]
                if not chosen:
                    continue
                branch, variables = self._bound(chosen, kind + ("g" if named else ""), named)
                pattern = " ".join(variables[:3]) + " ."
                templates[kind].append(
                    f"GRAPH {variables[3]} {{ {pattern} }}" if named else pattern
                )
                branches.append(branch)
        return (
            f"DELETE {{ {' '.join(templates['d'])} }}\n"
            f"INSERT {{ {' '.join(templates['a'])} }}\n"
            f"WHERE {{ {' UNION '.join(branches)} }}"
        )

    def orphans_operation(self, triples: Sequence[ox.Quad], union: Union) -> str:
        """The union (in the real default graph) loses each of these triples that no named
        graph holds any more."""
        branch, (s, p, o) = self._bound(triples, "u", named=False)
        return (
            f"DELETE {{ {s} {p} {o} }} WHERE {{ {branch} {s} {p} {o} "
            f"{union.orphan(f'{s} {p} {o}')} }}"
        )

"""What a write implies beyond its own quads: the validation outcome and the inferred change.

The gate asks one question of every delta, through one small interface, so that the engines
that answer it can be swapped without touching the gate:

    consequences(store, delta) -> Consequences(inferred delta, validation outcome, inconsistencies)

``store`` is the data before the write and ``delta`` the asserted change (never touching the
build's own graphs); the answer is the change the write makes to the inferred graph, the
SHACL outcome of the data after it, and any OWL 2 RL inconsistency it introduces.

:func:`full_consequences` answers by validating and reasoning over all the asserted data
after the delta, exactly as ``esskg build`` does: right for any write, and as costly as a
build's checks. It is the oracle the incremental engines (the focus nodes the delta can
affect, the rules applied to what it adds and removes) are tested against, and what the
gate uses until they are wired in here: ``incremental_consequences`` will compose
``service.graph.incremental_validation`` and ``service.graph.incremental_reasoning`` with
the same signature, and ``WriteGate(consequences=...)`` takes either.

Wiring them in: the reasoning reads the state *before* the write, which is what ``store``
is here; what it reads by pattern is :meth:`Store.match` and :meth:`Store.present` (any
backend), and what it returns becomes ``Consequences.inferred`` (quads of the inferred
graph). A validator whose compiled checks are SPARQL over the state *after* the write needs
that state in an engine store without it being committed: the gate must not apply the delta
first (a crash would leave refused data in the durable store, and ``/dump`` reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from service.graph.check import Reasoner, copy_graph, run_reasoner
from service.graph.validate import ValidationOutcome, Validator, validate
from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.store.base import Store
from service.store.delta import Delta, in_graph
from service.store.terms import triple_to_rdflib

#: Graphs only the build writes; the inferred graph changes with each write's consequences.
PROTECTED = frozenset({ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH})


@dataclass
class Consequences:
    """The answer for one delta; the write passes when there are no violations and no
    inconsistencies."""

    inferred: Delta = field(default_factory=Delta)
    outcome: ValidationOutcome = field(default_factory=lambda: ValidationOutcome(conforms=True))
    inconsistencies: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.outcome.violations or self.inconsistencies)


#: The interface the gate calls (see the module docstring).
ConsequencesOf = Callable[[Store, Delta], Consequences]


def rdflib_graph(store: Store, name: str) -> Graph:
    """One graph as rdflib, for the pyshacl and owlrl adapters (shapes, ontology: small)."""
    graph = Graph()
    for quad in store.quads(name):
        graph.add(triple_to_rdflib(quad.triple))
    return graph


def full_consequences(
    *, reason: bool = True, reasoner: Reasoner = "rules", validator: Validator = "sparql"
) -> ConsequencesOf:
    """Validation and reasoning over the whole asserted data after the delta (the oracle)."""

    def consequences(store: Store, delta: Delta) -> Consequences:
        asserted = list(delta.applied_to(store.all_quads(excluding=PROTECTED)))
        shapes = rdflib_graph(store, SHAPES_GRAPH)
        ontology = rdflib_graph(store, ONTOLOGY_GRAPH)
        answer = Consequences()
        if len(shapes):
            # a copy of the ontology: pyshacl mutates what it is given
            answer.outcome = validate(asserted, shapes, copy_graph(ontology), validator=validator)
        if reason:
            rdflib_copy: list[Graph] = []

            def data_graph() -> Graph:
                if not rdflib_copy:
                    graph = Graph()
                    for quad in asserted:
                        graph.add(triple_to_rdflib(quad.triple))
                    rdflib_copy.append(graph)
                return rdflib_copy[0]

            triples = [quad.triple for quad in asserted]
            inference = run_reasoner(reasoner, ontology, triples, data_graph)
            answer.inconsistencies = inference.inconsistencies
            answer.inferred = _inferred_change(store, set(inference.oxigraph_triples()))
        return answer

    return consequences


def _inferred_change(store: Store, inferred: set[ox.Triple]) -> Delta:
    """The change that makes the stored inferred graph hold exactly ``inferred``."""
    old = set(store.quads(INFERRED_GRAPH))
    new = in_graph(inferred, INFERRED_GRAPH)
    return Delta(frozenset(old - new), frozenset(new - old))

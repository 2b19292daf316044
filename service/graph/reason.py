"""OWL 2 RL materialisation with owlrl, kept apart from what was asserted.

The closure is computed once per build. What it adds goes into its own named graph, so a
researcher can always tell a stated fact from a derived one. Two outcomes stop a build:
``owl:sameAs`` between distinct resources (the silent entity merge that functional
properties and keys cause under OWL RL) and anything typed ``owl:Nothing``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import owlrl
import pyoxigraph as ox
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD


@dataclass
class Inference:
    """What reasoning added; the rules path keeps engine terms and skips rdflib entirely."""

    inferred: Graph
    inconsistencies: list[str] = field(default_factory=list)
    engine_triples: list[ox.Triple] | None = None

    def __len__(self) -> int:
        return len(self.engine_triples) if self.engine_triples is not None else len(self.inferred)

    def oxigraph_triples(self) -> Iterator[ox.Triple]:
        """The inferred triples as engine terms, ready for the store's bulk load."""
        if self.engine_triples is not None:
            yield from self.engine_triples
            return
        from service.store.terms import to_oxigraph

        for s, p, o in self.inferred:
            yield ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]


def owlrl_closure(asserted: Graph) -> Graph:
    """The full OWL 2 RL closure of ``asserted`` (a new graph; the input is untouched)."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return closure


_REFLEXIVE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)
_BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))


def is_tautology(triple: tuple[object, object, object]) -> bool:
    """Triples OWL RL derives for every vocabulary whatever it says, or that RDF can't hold.

    They are true of any graph (``x a owl:Thing``, ``C rdfs:subClassOf C``, declarations of
    the built-in datatypes), so storing them would only bury the informative inferences.
    """
    s, p, o = triple
    if isinstance(s, Literal):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if p == RDF.type and o == OWL.Thing:
        return True
    if p == RDFS.subClassOf and (o == OWL.Thing or s == OWL.Nothing):
        return True
    if p in (RDFS.domain, RDFS.range) and o == OWL.Thing:
        return True
    return isinstance(s, URIRef) and str(s).startswith(_BUILT_IN)


def infer(ontology: Graph, data: Graph) -> Inference:
    """What OWL 2 RL adds to the ontology and data, and any inconsistency it reveals."""
    asserted = Graph()
    for graph in (ontology, data):
        for triple in graph:
            asserted.add(triple)
    closure = owlrl_closure(asserted)

    problems: list[str] = []
    error_nodes = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
    for node in sorted(error_nodes, key=str):
        for message in closure.objects(node, ERRNS.error):
            problems.append(f"OWL RL inconsistency: {message}")
    for s, o in sorted(closure.subject_objects(OWL.sameAs)):
        if str(s) < str(o) and not isinstance(s, Literal):
            problems.append(f"owl:sameAs merges two distinct resources: {s.n3()} = {o.n3()}")
    for s in sorted(closure.subjects(RDF.type, OWL.Nothing), key=str):
        problems.append(f"{s.n3()} is inferred to be an owl:Nothing (unsatisfiable)")

    inferred = Graph()
    for triple in closure:
        if triple in asserted or is_tautology(triple) or triple[0] in error_nodes:
            continue
        inferred.add(triple)
    return Inference(inferred=inferred, inconsistencies=problems)

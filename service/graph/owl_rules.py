"""The OWL 2 RL instance rules, compiled once from a schema closure and shared by two reasoners.

Instance data only ever meets a handful of OWL 2 RL rules, all driven by the schema: class
and property hierarchies, domains and ranges, inverses, symmetric and transitive
properties, property chains and restrictions. :class:`Plans` compiles, per predicate and
per class, what one instance fact implies; :class:`RuleEngine` applies the plans to one fact
at a time (:meth:`RuleEngine.step`), asking its fact base for the other premises.

Two fact bases implement it, so the rules exist once: :mod:`service.graph.materialise`
(every fact in memory, integer-encoded, run to fixpoint over all the data) and
:mod:`service.graph.incremental_reasoning` (the facts of the store, engine terms, run only
on what a write adds or removes). Plans are generic in the key a term is encoded as.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from service.store.terms import OxTerm

K = TypeVar("K", bound=Hashable)

_TYPE = str(RDF.type)
_THING, _NOTHING = str(OWL.Thing), str(OWL.Nothing)
_SUBCLASS, _DOMAIN, _RANGE = str(RDFS.subClassOf), str(RDFS.domain), str(RDFS.range)
_BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = frozenset(
    str(p)
    for p in (OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf,
              RDFS.subPropertyOf)
)  # fmt: skip


class Unsupported(Exception):
    """The schema uses a construct the set rules do not compile; use owlrl instead."""


def is_built_in(term: object) -> bool:
    """An IRI of the RDF, RDFS, OWL or XSD vocabularies (what they say is never stored)."""
    return isinstance(term, ox.NamedNode) and term.value.startswith(_BUILT_IN)


def is_tautology(subject: OxTerm, predicate: OxTerm, obj: OxTerm) -> bool:
    """:func:`service.graph.reason.is_tautology` on engine terms: true of any graph, or
    beyond RDF (a literal subject, a blank-node predicate), so never stored."""
    if isinstance(subject, ox.Literal) or isinstance(predicate, ox.BlankNode):
        return True
    pv = predicate.value
    if pv in _REFLEXIVE and subject == obj:
        return True
    ov = obj.value if isinstance(obj, ox.NamedNode) else None
    if pv == _TYPE and ov == _THING:
        return True
    if pv == _SUBCLASS and (ov == _THING or subject.value == _NOTHING):
        return True
    if pv in (_DOMAIN, _RANGE) and ov == _THING:
        return True
    return is_built_in(subject)


@dataclass
class PropertyPlan(Generic[K]):
    """What one instance triple ``s p o`` implies, compiled from the schema closure."""

    supers: list[K] = field(default_factory=list)
    domains: list[K] = field(default_factory=list)
    ranges: list[K] = field(default_factory=list)
    inverses: list[K] = field(default_factory=list)
    symmetric: bool = False
    transitive: bool = False
    chains: list[tuple[K, list[K], int]] = field(default_factory=list)  # (p, chain, pos)
    some: list[tuple[K, K | None]] = field(default_factory=list)  # (restriction, filler)
    all_values: list[tuple[K, K]] = field(default_factory=list)  # (restriction, filler)
    has_value: list[tuple[K, K]] = field(default_factory=list)  # (restriction, value)


@dataclass
class ClassPlan(Generic[K]):
    """What ``x a C`` implies for one class C."""

    supers: list[K] = field(default_factory=list)
    some: list[tuple[K, K]] = field(default_factory=list)  # (restriction, property)
    all_values: list[tuple[K, K]] = field(default_factory=list)  # (property, filler)
    has_value: list[tuple[K, K]] = field(default_factory=list)  # (property, value)
    intersections: list[tuple[K, list[K]]] = field(default_factory=list)
    components: list[K] = field(default_factory=list)  # cls-int2
    unions: list[K] = field(default_factory=list)


class Plans(Generic[K]):
    """The schema closure compiled into per-property and per-class plans, and the
    consistency checks to evaluate once the facts are complete.

    ``key`` encodes a term of the closure (integers for the in-memory reasoner, engine
    terms for the incremental one); ``by_object`` lists the properties whose facts the
    rules look up by object (transitive ones, chain links, existential restrictions).
    """

    def __init__(self, closure: Graph, key: Callable[[Node], K]) -> None:
        self.closure = closure
        self.key = key
        self.type: K = key(RDF.type)
        self.props: dict[K, PropertyPlan[K]] = defaultdict(PropertyPlan)
        self.classes: dict[K, ClassPlan[K]] = defaultdict(ClassPlan)
        self.by_object: set[K] = set()
        self.checks: list[tuple[str, Node, Node]] = []
        self._compile(closure)
        self.props = dict(self.props)
        self.classes = dict(self.classes)

    def _hierarchy(self, sub: URIRef, equivalent: URIRef) -> Iterator[tuple[K, K]]:
        """(x, y) for each x below y: ``x sub y``, and both ways of ``x equivalent y``."""
        g, key = self.closure, self.key
        for s, o in g.subject_objects(sub):
            if s != o:
                yield key(s), key(o)
        for s, o in g.subject_objects(equivalent):
            if s != o:
                yield key(s), key(o)
                yield key(o), key(s)

    def _list(self, head: Node) -> list[K]:
        return [self.key(item) for item in self.closure.items(head)]

    def _compile(self, g: Graph) -> None:
        key = self.key
        for construct in (
            OWL.hasKey,
            OWL.maxQualifiedCardinality,
            OWL.sourceIndividual,
            OWL.distinctMembers,
        ):
            if (None, construct, None) in g:
                raise Unsupported(f"the schema uses {construct}")
        for construct in (OWL.AllDifferent, OWL.AllDisjointProperties):
            if (None, RDF.type, construct) in g:
                raise Unsupported(f"the schema uses {construct}")
        for s, o in g.subject_objects(OWL.sameAs):
            if s != o:
                raise Unsupported("owl:sameAs between distinct resources")
        for below, above in self._hierarchy(RDFS.subPropertyOf, OWL.equivalentProperty):
            self.props[below].supers.append(above)
        for s, o in g.subject_objects(RDFS.domain):
            self.props[key(s)].domains.append(key(o))
        for s, o in g.subject_objects(RDFS.range):
            self.props[key(s)].ranges.append(key(o))
        for s, o in g.subject_objects(OWL.inverseOf):
            self.props[key(s)].inverses.append(key(o))
            self.props[key(o)].inverses.append(key(s))
        for s in g.subjects(RDF.type, OWL.SymmetricProperty):
            self.props[key(s)].symmetric = True
        for s in g.subjects(RDF.type, OWL.TransitiveProperty):
            p = key(s)
            self.props[p].transitive = True
            self.by_object.add(p)
        for s, head in g.subject_objects(OWL.propertyChainAxiom):
            chain = self._list(head)
            for pos, link in enumerate(chain):
                self.props[link].chains.append((key(s), chain, pos))
                self.by_object.add(link)
        for below, above in self._hierarchy(RDFS.subClassOf, OWL.equivalentClass):
            self.classes[below].supers.append(above)
        for x, on in g.subject_objects(OWL.onProperty):
            r, pp = key(x), key(on)
            for y in g.objects(x, OWL.someValuesFrom):
                filler = None if y == OWL.Thing else key(y)
                self.props[pp].some.append((r, filler))
                self.by_object.add(pp)
                if filler is not None:
                    self.classes[filler].some.append((r, pp))
            for y in g.objects(x, OWL.allValuesFrom):
                self.props[pp].all_values.append((r, key(y)))
                self.classes[r].all_values.append((pp, key(y)))
            for v in g.objects(x, OWL.hasValue):
                self.props[pp].has_value.append((r, key(v)))
                self.classes[r].has_value.append((pp, key(v)))
        for c, head in g.subject_objects(OWL.intersectionOf):
            members = self._list(head)
            cid = key(c)
            self.classes[cid].components.extend(members)
            for m in members:
                self.classes[m].intersections.append((cid, members))
        for c, head in g.subject_objects(OWL.unionOf):
            for m in self._list(head):
                self.classes[m].unions.append(key(c))
        # consistency checks, evaluated once the fixpoint is reached
        for pred in (OWL.disjointWith, OWL.propertyDisjointWith, OWL.complementOf,
                     OWL.maxCardinality):  # fmt: skip
            for s, o in g.subject_objects(pred):
                self.checks.append((str(pred), s, o))
        kinds = (OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty)
        for kind in (*kinds, OWL.AsymmetricProperty, OWL.AllDisjointClasses):
            for s in g.subjects(RDF.type, kind):
                self.checks.append((str(kind), s, kind))
        for plan in self.props.values():
            plan.supers = list(dict.fromkeys(plan.supers))
            plan.inverses = list(dict.fromkeys(plan.inverses))
        for cplan in self.classes.values():
            cplan.supers = list(dict.fromkeys(cplan.supers))


class RuleEngine(ABC, Generic[K]):
    """The OWL 2 RL instance rules over a fact base the subclass provides.

    :meth:`step` derives everything one fact implies together with facts already known;
    applying it once to every fact, in any order, as facts appear (semi-naive), reaches
    the fixpoint, because every rule fires whichever of its premises arrives last.
    """

    plans: Plans[K]

    @abstractmethod
    def add(self, s: K, p: K, o: K) -> None:
        """A derived fact (the subclass decides what "new" means and what to do next)."""

    @abstractmethod
    def has(self, s: K, p: K, o: K) -> bool: ...

    @abstractmethod
    def objects(self, s: K, p: K) -> AbstractSet[K]: ...

    @abstractmethod
    def subjects(self, p: K, o: K) -> AbstractSet[K]: ...

    def step(self, s: K, p: K, o: K) -> None:
        """Every consequence of the fact ``s p o`` with the facts known."""
        plans = self.plans
        add, typ = self.add, plans.type
        plan = plans.props.get(p)
        if plan is not None:
            for sup in plan.supers:
                add(s, sup, o)
            for c in plan.domains:
                add(s, typ, c)
            for c in plan.ranges:
                add(o, typ, c)
            for q in plan.inverses:
                add(o, q, s)
            if plan.symmetric:
                add(o, p, s)
            if plan.transitive:
                for z in list(self.objects(o, p)):
                    add(s, p, z)
                for w in list(self.subjects(p, s)):
                    add(w, p, o)
            for chain_p, chain, pos in plan.chains:
                self._chain(chain_p, chain, pos, s, o)
            for r, filler in plan.some:
                if filler is None or self.has(o, typ, filler):
                    add(s, typ, r)
            for r, filler in plan.all_values:
                if self.has(s, typ, r):
                    add(o, typ, filler)
            for r, value in plan.has_value:
                if o == value:
                    add(s, typ, r)
        if p == typ:
            cplan = plans.classes.get(o)
            if cplan is not None:
                self._typed(s, cplan)

    def _typed(self, x: K, plan: ClassPlan[K]) -> None:
        add, typ = self.add, self.plans.type
        for sup in plan.supers:
            add(x, typ, sup)
        for r, pp in plan.some:  # cls-svf1: u pp x, x a filler → u a r
            for u in list(self.subjects(pp, x)):
                add(u, typ, r)
        for pp, filler in plan.all_values:  # cls-avf: x a r, x pp v → v a filler
            for v in list(self.objects(x, pp)):
                add(v, typ, filler)
        for pp, value in plan.has_value:  # cls-hv1
            add(x, pp, value)
        for inter, members in plan.intersections:  # cls-int1
            if all(self.has(x, typ, m) for m in members):
                add(x, typ, inter)
        for m in plan.components:  # cls-int2
            add(x, typ, m)
        for u in plan.unions:  # cls-uni
            add(x, typ, u)

    def _chain(self, p: K, chain: list[K], pos: int, s: K, o: K) -> None:
        """prp-spo2 for a new link at ``pos``: walk back to the chain's start, on to its end."""
        starts = {s}
        for link in reversed(chain[:pos]):
            starts = {w for x in starts for w in self.subjects(link, x)}
            if not starts:
                return
        ends = {o}
        for link in chain[pos + 1 :]:
            ends = {z for x in ends for z in self.objects(x, link)}
            if not ends:
                return
        for a in list(starts):
            for b in list(ends):
                self.add(a, p, b)

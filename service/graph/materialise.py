"""OWL 2 RL materialisation that scales: owlrl on the schema, set rules on the instances.

owlrl re-scans the whole graph every cycle and applies every rule, including the equality
rules that add ``x owl:sameAs x`` for every term; on 100k triples it takes about a minute,
on a million many. Yet the instance data only ever meets a handful of rules, all driven by
the schema: class and property hierarchies, domains and ranges, inverses, symmetric and
transitive properties, property chains and restrictions. So:

1. split the asserted triples into the schema (the ontology, plus any triple of data that
   speaks the RDFS/OWL vocabulary) and the instances;
2. close the schema with owlrl itself (small: a few thousand triples);
3. compile from that closure, per predicate and per class, what each instance triple
   implies, and apply it to the instance triples (and the schema closure, which can meet
   them) one new fact at a time, over integer-encoded terms, until nothing new appears.
   Each fact is processed once and joins only with facts already indexed, so transitive
   and chain rules are semi-naive;
4. keep what is new, minus the tautologies :func:`service.graph.reason.is_tautology` drops.

The result equals owlrl's (``tests/service/test_materialise.py`` proves it triple for
triple). Constructs whose consequences are equalities between resources (``owl:sameAs``
asserted, keys, cardinalities, functional properties) are reported as inconsistencies,
which fail a build anyway; schema constructs this module does not compile raise
:class:`Unsupported`, and the caller falls back to owlrl.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.Namespaces import ERRNS
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from service.graph.reason import owlrl_closure
from service.store.terms import OxTerm, to_oxigraph, to_rdflib, triple_to_rdflib

OxTriple = tuple[OxTerm, ox.NamedNode, OxTerm]

# Predicates whose triples shape the schema: they go to owlrl, never to the set rules.
SCHEMA_PREDICATES = frozenset(
    str(p)
    for p in (
        RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
        OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.onProperty,
        OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.intersectionOf, OWL.unionOf,
        OWL.complementOf, OWL.oneOf, OWL.disjointWith, OWL.propertyDisjointWith, OWL.members,
        OWL.distinctMembers, OWL.hasKey, OWL.maxCardinality, OWL.maxQualifiedCardinality,
        OWL.onClass, OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual,
        OWL.targetValue, RDF.first, RDF.rest, OWL.sameAs, OWL.differentFrom,
    )
)  # fmt: skip
# Classes whose instances are schema terms (``ess:p a owl:TransitiveProperty``).
SCHEMA_TYPES = frozenset(
    str(c)
    for c in (
        OWL.Class, RDFS.Class, OWL.Restriction, OWL.ObjectProperty, OWL.DatatypeProperty,
        RDF.Property, OWL.AnnotationProperty, OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty, OWL.SymmetricProperty, OWL.AsymmetricProperty,
        OWL.TransitiveProperty, OWL.IrreflexiveProperty, OWL.ReflexiveProperty,
        OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent,
        OWL.NegativePropertyAssertion, RDFS.Datatype, OWL.Ontology,
    )
)  # fmt: skip
_TYPE = str(RDF.type)
_BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = frozenset(
    str(p)
    for p in (OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf,
              RDFS.subPropertyOf)
)  # fmt: skip
_CONVERTERS = {str(k): v for k, v in AltXSDToPYTHON.items()}
_RL_DATATYPES = frozenset(str(d) for d in OWL_RL_Datatypes)
_SUBSUMPTIONS = {str(k): [str(v) for v in vs] for k, vs in OWL_Datatype_Subsumptions.items()}


class Unsupported(Exception):
    """The schema uses a construct the set rules do not compile; use owlrl instead."""


@dataclass
class Materialised:
    """The inferred triples (engine terms) and the inconsistencies found."""

    inferred: list[ox.Triple]
    inconsistencies: list[str] = field(default_factory=list)
    schema_triples: int = 0

    def to_rdflib(self) -> Graph:
        graph = Graph()
        for t in self.inferred:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph


def is_schema_triple(p: str, o: object) -> bool:
    """Whether a triple belongs to the schema, which owlrl closes, not the set rules."""
    if p in SCHEMA_PREDICATES:
        return True
    return p == _TYPE and isinstance(o, ox.NamedNode) and o.value in SCHEMA_TYPES


class _Terms:
    """Integer ids for terms: the rules compare and hash small ints, not engine objects."""

    def __init__(self) -> None:
        self.ids: dict[OxTerm, int] = {}
        self.terms: list[OxTerm] = []

    def id(self, term: OxTerm) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def iri(self, value: str | Node) -> int:
        return self.id(ox.NamedNode(str(value)))


@dataclass
class _PropertyPlan:
    """What one instance triple ``s p o`` implies, compiled from the schema closure."""

    supers: list[int] = field(default_factory=list)
    domains: list[int] = field(default_factory=list)
    ranges: list[int] = field(default_factory=list)
    inverses: list[int] = field(default_factory=list)
    symmetric: bool = False
    transitive: bool = False
    chains: list[tuple[int, list[int], int]] = field(default_factory=list)  # (p, chain, pos)
    some: list[tuple[int, int | None]] = field(default_factory=list)  # (restriction, filler)
    all_values: list[tuple[int, int]] = field(default_factory=list)  # (restriction, filler)
    has_value: list[tuple[int, int]] = field(default_factory=list)  # (restriction, value)


@dataclass
class _ClassPlan:
    """What ``x a C`` implies for one class C."""

    supers: list[int] = field(default_factory=list)
    some: list[tuple[int, int]] = field(default_factory=list)  # (restriction, property)
    all_values: list[tuple[int, int]] = field(default_factory=list)  # (property, filler)
    has_value: list[tuple[int, int]] = field(default_factory=list)  # (property, value)
    intersections: list[tuple[int, list[int]]] = field(default_factory=list)
    components: list[int] = field(default_factory=list)  # cls-int2
    unions: list[int] = field(default_factory=list)


class _Rules:
    """The compiled schema and the fact base the rules run over."""

    def __init__(self, closure: Graph, terms: _Terms) -> None:
        self.terms = terms
        self.type = terms.iri(RDF.type)
        self.props: dict[int, _PropertyPlan] = defaultdict(_PropertyPlan)
        self.classes: dict[int, _ClassPlan] = defaultdict(_ClassPlan)
        self.sp: dict[int, dict[int, set[int]]] = defaultdict(dict)
        self.op: dict[int, dict[int, set[int]]] = {}
        self.queue: list[tuple[int, int, int]] = []
        self.checks: list[tuple[str, Node, Node]] = []
        self._compile(closure)

    # ---- compiling the schema closure
    def _id(self, node: Node) -> int:
        return self.terms.id(to_oxigraph(node))  # type: ignore[arg-type]

    def encode(self, triple: tuple[Node, Node, Node]) -> tuple[int, int, int]:
        return self._id(triple[0]), self._id(triple[1]), self._id(triple[2])

    def _list(self, closure: Graph, head: Node) -> list[int]:
        return [self._id(item) for item in closure.items(head)]

    def _compile(self, g: Graph) -> None:
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
        for s, o in g.subject_objects(RDFS.subPropertyOf):
            if s != o:
                self.props[self._id(s)].supers.append(self._id(o))
        for s, o in g.subject_objects(OWL.equivalentProperty):
            if s != o:
                self.props[self._id(s)].supers.append(self._id(o))
                self.props[self._id(o)].supers.append(self._id(s))
        for s, o in g.subject_objects(RDFS.domain):
            self.props[self._id(s)].domains.append(self._id(o))
        for s, o in g.subject_objects(RDFS.range):
            self.props[self._id(s)].ranges.append(self._id(o))
        for s, o in g.subject_objects(OWL.inverseOf):
            self.props[self._id(s)].inverses.append(self._id(o))
            self.props[self._id(o)].inverses.append(self._id(s))
        for s in g.subjects(RDF.type, OWL.SymmetricProperty):
            self.props[self._id(s)].symmetric = True
        for s in g.subjects(RDF.type, OWL.TransitiveProperty):
            p = self._id(s)
            self.props[p].transitive = True
            self.op.setdefault(p, {})
        for s, head in g.subject_objects(OWL.propertyChainAxiom):
            chain = self._list(g, head)
            for pos, link in enumerate(chain):
                self.props[link].chains.append((self._id(s), chain, pos))
                self.op.setdefault(link, {})
        for s, o in g.subject_objects(RDFS.subClassOf):
            if s != o:
                self.classes[self._id(s)].supers.append(self._id(o))
        for s, o in g.subject_objects(OWL.equivalentClass):
            if s != o:
                self.classes[self._id(s)].supers.append(self._id(o))
                self.classes[self._id(o)].supers.append(self._id(s))
        for x, on in g.subject_objects(OWL.onProperty):
            r, pp = self._id(x), self._id(on)
            for y in g.objects(x, OWL.someValuesFrom):
                filler = None if y == OWL.Thing else self._id(y)
                self.props[pp].some.append((r, filler))
                self.op.setdefault(pp, {})
                if filler is not None:
                    self.classes[filler].some.append((r, pp))
            for y in g.objects(x, OWL.allValuesFrom):
                self.props[pp].all_values.append((r, self._id(y)))
                self.classes[r].all_values.append((pp, self._id(y)))
            for v in g.objects(x, OWL.hasValue):
                self.props[pp].has_value.append((r, self._id(v)))
                self.classes[r].has_value.append((pp, self._id(v)))
        for c, head in g.subject_objects(OWL.intersectionOf):
            members = self._list(g, head)
            cid = self._id(c)
            self.classes[cid].components.extend(members)
            for m in members:
                self.classes[m].intersections.append((cid, members))
        for c, head in g.subject_objects(OWL.unionOf):
            for m in self._list(g, head):
                self.classes[m].unions.append(self._id(c))
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
            plan.supers = sorted(set(plan.supers))
            plan.inverses = sorted(set(plan.inverses))
        for cplan in self.classes.values():
            cplan.supers = sorted(set(cplan.supers))

    # ---- the fact base
    def add(self, s: int, p: int, o: int) -> None:
        by_s = self.sp[p]
        objects = by_s.get(s)
        if objects is None:
            by_s[s] = {o}
        elif o in objects:
            return
        else:
            objects.add(o)
        by_o = self.op.get(p)
        if by_o is not None:
            subjects = by_o.get(o)
            if subjects is None:
                by_o[o] = {s}
            else:
                subjects.add(s)
        self.queue.append((s, p, o))

    def has(self, s: int, p: int, o: int) -> bool:
        objects = self.sp[p].get(s)
        return objects is not None and o in objects

    def objects(self, s: int, p: int) -> set[int]:
        return self.sp[p].get(s) or set()

    def subjects(self, p: int, o: int) -> set[int]:
        return self.op[p].get(o) or set()

    def run(self) -> None:
        """Process every queued fact once; new facts join the queue until it empties."""
        props, classes, queue, add, typ = self.props, self.classes, self.queue, self.add, self.type
        empty = _PropertyPlan()
        while queue:
            s, p, o = queue.pop()
            plan = props.get(p, empty)
            if plan is not empty:
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
                cplan = classes.get(o)
                if cplan is not None:
                    self._typed(s, o, cplan)

    def _typed(self, x: int, c: int, plan: _ClassPlan) -> None:
        add, typ = self.add, self.type
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

    def _chain(self, p: int, chain: list[int], pos: int, s: int, o: int) -> None:
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

    def triples(self) -> Iterator[tuple[int, int, int]]:
        for p, by_s in self.sp.items():
            for s, objects in by_s.items():
                for o in objects:
                    yield s, p, o


def _literal_problems(literals: Iterable[ox.Literal]) -> list[str]:
    """owlrl's lexical check: a typed literal whose text its datatype rejects."""
    problems = []
    for lt in literals:
        datatype = lt.datatype.value
        if datatype not in _RL_DATATYPES:
            continue
        converter = _CONVERTERS.get(datatype)
        if converter is None:
            continue
        try:
            converter(lt.value)
        except ValueError:
            shown = to_rdflib(lt)
            problems.append(
                f"OWL RL inconsistency: Lexical value of the literal '{shown}' does not match"
                f" its datatype ({datatype})"
            )
    return problems


def _consistency(rules: _Rules, closure: Graph) -> list[str]:
    """The owlrl consistency rules over the final facts, in the build's own words."""
    terms, typ = rules.terms, rules.type
    problems: list[str] = []

    def show(i: int) -> str:
        return str(to_rdflib(terms.terms[i]))

    def typed(c: Node) -> set[int]:
        cid = terms.ids.get(to_oxigraph(c))  # type: ignore[arg-type]
        if cid is None:
            return set()
        return {s for s, objects in rules.sp[typ].items() if cid in objects}

    def pairs(p: Node) -> Iterator[tuple[int, int]]:
        pid = terms.ids.get(to_oxigraph(p))  # type: ignore[arg-type]
        for s, objects in rules.sp.get(pid, {}).items() if pid is not None else ():
            for o in objects:
                yield s, o

    same: set[tuple[str, str]] = set()
    for kind, s, o in rules.checks:
        if kind == str(OWL.disjointWith):
            for x in sorted(typed(s) & typed(o)):
                problems.append(
                    f"OWL RL inconsistency: Disjoint classes {s} and {o} have a common "
                    f"individual {show(x)}"
                )
        elif kind == str(OWL.complementOf):
            for x in sorted(typed(s) & typed(o)):
                problems.append(
                    f"OWL RL inconsistency: Violation of complementarity for classes {s} and "
                    f"{o} on element {show(x)}"
                )
        elif kind == str(OWL.propertyDisjointWith):
            other = set(pairs(o))
            for x, y in pairs(s):
                if (x, y) in other:
                    problems.append(
                        f"OWL RL inconsistency: Erroneous usage of disjoint properties {s} and "
                        f"{o} on {show(x)} and {show(y)}"
                    )
        elif kind == str(OWL.maxCardinality):
            members = typed(s)
            for prop in closure.objects(s, OWL.onProperty):
                by_subject: dict[int, set[int]] = defaultdict(set)
                for x, y in pairs(prop):
                    if x in members:
                        by_subject[x].add(y)
                for values in by_subject.values():
                    if isinstance(o, Literal) and o.value == 0:
                        problems.append(
                            f"OWL RL inconsistency: Erroneous usage of maximum cardinality with"
                            f" {s} and {show(min(values))}"
                        )
                    elif len(values) > 1:
                        same.update((show(a), show(b)) for a in values for b in values if a != b)
        elif kind in (str(OWL.FunctionalProperty), str(OWL.InverseFunctionalProperty)):
            grouped: dict[int, set[int]] = defaultdict(set)
            for x, y in pairs(s):
                key, value = (x, y) if kind == str(OWL.FunctionalProperty) else (y, x)
                grouped[key].add(value)
            for values in grouped.values():
                if len(values) > 1:
                    same.update((show(a), show(b)) for a in values for b in values if a != b)
        elif kind == str(OWL.IrreflexiveProperty):
            for x, y in pairs(s):
                if x == y:
                    problems.append(
                        f"OWL RL inconsistency: Irreflexive property used on {show(x)} with {s}"
                    )
        elif kind == str(OWL.AsymmetricProperty):
            found = set(pairs(s))
            for x, y in found:
                if (y, x) in found:
                    problems.append(
                        f"OWL RL inconsistency: Erroneous usage of asymmetric property {s} on "
                        f"{show(x)} and {show(y)}"
                    )
        elif kind == str(OWL.AllDisjointClasses):
            for head in closure.objects(s, OWL.members):
                classes = list(closure.items(head))
                for i, c1 in enumerate(classes):
                    for c2 in classes[i + 1 :]:
                        for x in sorted(typed(c1) & typed(c2)):
                            problems.append(
                                f"OWL RL inconsistency: Disjoint classes {c1} and {c2} have a "
                                f"common individual {show(x)}"
                            )
    for x in sorted(typed(OWL.Nothing)):
        problems.append(f"OWL RL inconsistency: {show(x)} is defined of type 'Nothing'")
        problems.append(f"<{show(x)}> is inferred to be an owl:Nothing (unsatisfiable)")
    for a, b in sorted(same):
        if a < b:
            problems.append(f"owl:sameAs merges two distinct resources: <{a}> = <{b}>")
    return sorted(set(problems))


#: Schema closures already computed, by schema content: every write to the service reasons
#: over the same ontology, and owlrl takes seconds to close it.
_CLOSURES: OrderedDict[frozenset[tuple[Node, Node, Node]], Graph] = OrderedDict()
_CLOSURES_KEPT = 4


def _schema_closure(schema: Graph) -> Graph:
    """owlrl's closure of ``schema``, computed once per distinct schema (read-only result)."""
    key = frozenset(schema)
    found = _CLOSURES.get(key)
    if found is None:
        found = _CLOSURES[key] = owlrl_closure(schema)
        while len(_CLOSURES) > _CLOSURES_KEPT:
            _CLOSURES.popitem(last=False)
    else:
        _CLOSURES.move_to_end(key)
    return found


def materialise(ontology: Graph, data: Iterable[ox.Triple]) -> Materialised:
    """The OWL 2 RL inferences of ``ontology`` + ``data``, as owlrl would find them."""
    terms = _Terms()
    schema = Graph()
    for triple in ontology:
        schema.add(triple)
    instance: list[tuple[int, int, int]] = []
    literals: set[ox.Literal] = set()
    for t in data:
        obj: OxTerm = t.object  # type: ignore[assignment]
        if isinstance(obj, ox.Literal):
            literals.add(obj)
        if is_schema_triple(t.predicate.value, obj):
            schema.add(triple_to_rdflib(t))
        else:
            subject: OxTerm = t.subject  # type: ignore[assignment]
            instance.append((terms.id(subject), terms.id(t.predicate), terms.id(obj)))
    schema_asserted = set(schema)
    for _ in range(4):
        closure = _schema_closure(schema)
        rules = _Rules(closure, terms)
        asserted: set[tuple[int, int, int]] = set(instance)
        asserted.update(rules.encode(triple) for triple in schema_asserted)
        errors = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
        for triple in closure:
            # owlrl drops generalised triples (blank-node predicates) at the end
            if not isinstance(triple[1], BNode) and triple[0] not in errors:
                rules.add(*rules.encode(triple))
        for fact in instance:
            rules.add(*fact)
        _datatype_subsumptions(rules, instance)
        rules.run()
        promoted = [
            decoded
            for fact in _schema_facts(rules)
            if fact not in asserted and (decoded := _decode(terms, fact)) not in closure
        ]
        if not promoted:
            break
        # the instance rules derived schema triples (rare): close the schema again with them
        for decoded in promoted:
            schema.add(decoded)
    else:
        raise Unsupported("the instance rules keep deriving schema triples")

    problems = _literal_problems(literals) + _closure_errors(closure)
    problems += _consistency(rules, closure)
    inferred = _informative(rules, asserted)
    return Materialised(inferred, sorted(set(problems)), len(schema))


def _schema_facts(rules: _Rules) -> Iterator[tuple[int, int, int]]:
    """The facts :func:`is_schema_triple` accepts, found by predicate rather than one by one
    (a territory of a million facts holds a few hundred of them)."""
    terms = rules.terms
    schema_types = {terms.ids[t] for c in SCHEMA_TYPES if (t := ox.NamedNode(c)) in terms.ids}
    for p, by_s in rules.sp.items():
        predicate = terms.terms[p]
        if not isinstance(predicate, ox.NamedNode):
            continue
        every = predicate.value in SCHEMA_PREDICATES
        if not every and p != rules.type:
            continue
        for s, objects in by_s.items():
            for o in objects:
                if every or o in schema_types:
                    yield s, p, o


def _informative(rules: _Rules, asserted: set[tuple[int, int, int]]) -> list[ox.Triple]:
    """What is new, minus :func:`service.graph.reason.is_tautology`, tested per predicate and
    per subject once instead of per fact (the same tests, in the same order)."""
    terms = rules.terms.terms
    ids = rules.terms.ids
    thing, nothing = ids.get(ox.NamedNode(_THING)), ids.get(ox.NamedNode(_NOTHING))
    dropped_subject: dict[int, bool] = {}

    def subject_dropped(s: int) -> bool:
        found = dropped_subject.get(s)
        if found is None:
            term = terms[s]
            found = isinstance(term, ox.Literal) or (
                isinstance(term, ox.NamedNode) and term.value.startswith(_BUILT_IN)
            )
            dropped_subject[s] = found
        return found

    kept: list[ox.Triple] = []
    for p, by_s in rules.sp.items():
        predicate = terms[p]
        if not isinstance(predicate, ox.NamedNode):
            continue
        pv = predicate.value
        reflexive = pv in _REFLEXIVE
        no_thing = pv in (_TYPE, _SUBCLASS, _DOMAIN, _RANGE)
        subclass = pv == _SUBCLASS
        for s, objects in by_s.items():
            if subject_dropped(s) or (subclass and s == nothing):
                continue
            subject = terms[s]
            for o in objects:
                if (reflexive and s == o) or (no_thing and o == thing):
                    continue
                if (s, p, o) not in asserted:
                    kept.append(ox.Triple(subject, predicate, terms[o]))  # type: ignore[arg-type]
    return kept


def _decode(terms: _Terms, fact: tuple[int, int, int]) -> tuple[Node, Node, Node]:
    s, p, o = fact
    return (to_rdflib(terms.terms[s]), to_rdflib(terms.terms[p]), to_rdflib(terms.terms[o]))


def _closure_errors(closure: Graph) -> list[str]:
    return [
        f"OWL RL inconsistency: {message}"
        for node in closure.subjects(RDF.type, ERRNS.ErrorMessage)
        for message in closure.objects(node, ERRNS.error)
    ]


def _datatype_subsumptions(rules: _Rules, instance: list[tuple[int, int, int]]) -> None:
    """owlrl's one-time rule: a resource typed with a datatype also has its supertypes."""
    terms = rules.terms
    for s, p, o in instance:
        if p != rules.type or isinstance(terms.terms[s], ox.Literal):
            continue
        value = terms.terms[o]
        if isinstance(value, ox.NamedNode) and value.value in _SUBSUMPTIONS:
            for sup in _SUBSUMPTIONS[value.value]:
                rules.add(s, rules.type, terms.iri(sup))


_THING, _NOTHING = str(OWL.Thing), str(OWL.Nothing)
_SUBCLASS, _DOMAIN, _RANGE = str(RDFS.subClassOf), str(RDFS.domain), str(RDFS.range)

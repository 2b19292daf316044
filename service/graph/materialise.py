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
from rdflib import BNode, Graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from service.graph.owl_consistency import (
    ALL_DISJOINT,
    ASYMMETRIC,
    COMPLEMENT,
    DISJOINT,
    FUNCTIONAL,
    INVERSE_FUNCTIONAL,
    IRREFLEXIVE,
    MAX_CARDINALITY,
    PROPERTY_DISJOINT,
    Inconsistency,
    messages,
    problems,
)
from service.graph.owl_rules import Plans, RuleEngine, Unsupported, is_tautology
from service.graph.reason import owlrl_closure
from service.store.terms import OxTerm, to_oxigraph, to_rdflib, triple_to_rdflib

__all__ = ["Materialised", "Unsupported", "is_schema_triple", "materialise"]

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
_CONVERTERS = {str(k): v for k, v in AltXSDToPYTHON.items()}
_RL_DATATYPES = frozenset(str(d) for d in OWL_RL_Datatypes)
#: owlrl's one-time rule: a resource typed with a datatype also has its supertypes.
SUBSUMPTIONS = {str(k): [str(v) for v in vs] for k, vs in OWL_Datatype_Subsumptions.items()}


@dataclass
class Materialised:
    """The inferred triples (engine terms) and the inconsistencies found."""

    inferred: list[ox.Triple]
    inconsistencies: list[str] = field(default_factory=list)
    schema_triples: int = 0
    found: list[Inconsistency] = field(default_factory=list)  # each with what it concerns

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

    def node(self, node: Node) -> int:
        return self.id(to_oxigraph(node))  # type: ignore[arg-type]


class _Rules(RuleEngine[int]):
    """The rules over every fact in memory: integer-encoded, indexed by subject and, for
    the properties the rules look up that way, by object."""

    def __init__(self, closure: Graph, terms: _Terms) -> None:
        self.terms = terms
        self.plans = Plans(closure, terms.node)
        self.type = self.plans.type
        self.sp: dict[int, dict[int, set[int]]] = defaultdict(dict)
        self.op: dict[int, dict[int, set[int]]] = {p: {} for p in self.plans.by_object}
        self.queue: list[tuple[int, int, int]] = []

    def encode(self, triple: tuple[Node, Node, Node]) -> tuple[int, int, int]:
        node = self.terms.node
        return node(triple[0]), node(triple[1]), node(triple[2])

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
        queue, step = self.queue, self.step
        while queue:
            step(*queue.pop())

    def triples(self) -> Iterator[tuple[int, int, int]]:
        for p, by_s in self.sp.items():
            for s, objects in by_s.items():
                for o in objects:
                    yield s, p, o

    def candidates(self, kind: str, s: Node, o: Node) -> Iterable[int]:
        """Every individual a consistency rule can concern, read off the indexes."""
        key, typ = self.plans.key, self.type

        def typed(c: Node) -> set[int]:
            cid = key(c)
            return {x for x, objects in self.sp[typ].items() if cid in objects}

        if kind in (DISJOINT, COMPLEMENT):
            return sorted(typed(s))
        if kind in (PROPERTY_DISJOINT, FUNCTIONAL, IRREFLEXIVE, ASYMMETRIC):
            return sorted(self.sp.get(key(s), {}))
        if kind == INVERSE_FUNCTIONAL:
            by_s = self.sp.get(key(s), {})
            return sorted({y for objects in by_s.values() for y in objects})
        if kind == MAX_CARDINALITY:
            return sorted(typed(s))
        if kind == ALL_DISJOINT:
            closure = self.plans.closure
            members = [m for head in closure.objects(s, OWL.members) for m in closure.items(head)]
            return sorted({x for m in members for x in typed(m)})
        return sorted(typed(s))  # NOTHING


def literal_problems(literals: Iterable[ox.Literal]) -> list[Inconsistency]:
    """owlrl's lexical check: a typed literal whose text its datatype rejects."""
    found = []
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
            message = (
                f"OWL RL inconsistency: Lexical value of the literal '{shown}' does not match"
                f" its datatype ({datatype})"
            )
            found.append(Inconsistency(message, lt, lexical=True))
    return found


#: Schema closures already computed, by schema content: every write to the service reasons
#: over the same ontology, and owlrl takes seconds to close it.
_CLOSURES: OrderedDict[frozenset[tuple[Node, Node, Node]], Graph] = OrderedDict()
_CLOSURES_KEPT = 4


def schema_closure(schema: Graph) -> Graph:
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


def closure_facts(closure: Graph) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of a schema closure the instance rules start from: owlrl drops its
    generalised triples (blank-node predicates) and its error reports at the end."""
    errors = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
    for triple in closure:
        if not isinstance(triple[1], BNode) and triple[0] not in errors:
            yield triple


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
        closure = schema_closure(schema)
        rules = _Rules(closure, terms)
        asserted: set[tuple[int, int, int]] = set(instance)
        asserted.update(rules.encode(triple) for triple in schema_asserted)
        for triple in closure_facts(closure):
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

    def show(i: int) -> str:
        return str(to_rdflib(terms.terms[i]))

    found = literal_problems(literals) + closure_errors(closure)
    found += [
        Inconsistency(message, terms.terms[about])
        for message, about in problems(rules.plans, rules, show, rules.candidates)
    ]
    decoded_terms = terms.terms
    inferred = [
        ox.Triple(decoded_terms[s], decoded_terms[p], decoded_terms[o])  # type: ignore[arg-type]
        for s, p, o in rules.triples()
        if (s, p, o) not in asserted
        and not is_tautology(decoded_terms[s], decoded_terms[p], decoded_terms[o])
    ]
    return Materialised(inferred, messages(found), len(schema), found)


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


def _decode(terms: _Terms, fact: tuple[int, int, int]) -> tuple[Node, Node, Node]:
    s, p, o = fact
    return (to_rdflib(terms.terms[s]), to_rdflib(terms.terms[p]), to_rdflib(terms.terms[o]))


def closure_errors(closure: Graph) -> list[Inconsistency]:
    """The inconsistencies owlrl itself reported while closing the schema."""
    return [
        Inconsistency(f"OWL RL inconsistency: {message}")
        for node in closure.subjects(RDF.type, ERRNS.ErrorMessage)
        for message in closure.objects(node, ERRNS.error)
    ]


def _datatype_subsumptions(rules: _Rules, instance: list[tuple[int, int, int]]) -> None:
    """:data:`SUBSUMPTIONS`, applied once to the asserted instance triples."""
    terms = rules.terms
    for s, p, o in instance:
        if p != rules.type or isinstance(terms.terms[s], ox.Literal):
            continue
        value = terms.terms[o]
        if isinstance(value, ox.NamedNode) and value.value in SUBSUMPTIONS:
            for sup in SUBSUMPTIONS[value.value]:
                rules.add(s, rules.type, terms.iri(sup))

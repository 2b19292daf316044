"""SHACL compiled to SPARQL and run set-at-a-time on the engine, pyshacl kept as the oracle.

pyshacl walks every focus node of every shape in Python (and rdflib evaluates each
``sh:sparql`` query once per focus node): 45 s at 100k triples, minutes at a million. Each
constraint of a shape, though, is a set question the engine answers in one query: "which
focus nodes have no French label?", "which values of ``ess:unit`` are no ``skos:Concept``?".
So every (shape, constraint component) pair becomes ONE ``SELECT ?this ?value`` returning
all its violations at once, evaluated by pyoxigraph over the data and the ontology (their
union, as pyshacl sees them with ``ont_graph`` and ``inference="none"``: classes are matched
through ``rdfs:subClassOf*``).

The compiler is deliberately conservative. A shape with a target whose constraints (or
nested shapes) use anything it does not translate exactly raises :class:`Unsupported`
internally, and that shape, with everything under it, is validated by pyshacl instead (on
a shapes graph where only those shapes keep their targets); nothing is ever skipped.

The data sits in the engine with every term as given (:mod:`service.graph.shacl_store`),
``sh:datatype`` checks lexical forms per XSD datatype (:mod:`service.graph.xsd_lexical`),
and a report conforms only without any result. ``tests/w3c/test_shacl_core.py`` runs the
W3C SHACL Core suite through this path (all 98 pass); ``tests/service/test_shacl_sparql.py``
compares it with pyshacl result for result on the project's own shapes and data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from service.graph.shacl_pairs import PAIR_COMPONENTS, NeedsPath, holds, outside, violations
from service.graph.shacl_store import ExactStore, Term, as_stored, compare, datatype_test
from service.graph.sparql_prebinding import joinable
from service.graph.xsd_lexical import well_formed
from service.store.terms import ntriples_term, to_oxigraph, to_rdflib

DATA_GRAPH = ox.NamedNode("urn:esskg:shacl:data")
ONTOLOGY_GRAPH = ox.NamedNode("urn:esskg:shacl:ontology")
TRUE = Literal("true", datatype=XSD.boolean)


class Unsupported(Exception):
    """A construct the compiler does not translate exactly: pyshacl validates that shape."""


@dataclass(frozen=True)
class Check:
    """One compiled (shape, constraint component): a query whose rows are its violations."""

    shape: Node
    component: str  # local name, e.g. "MinCountConstraintComponent"
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None  # the shape's sh:path node, copied into the report
    query: str
    path_triples: tuple[tuple[Node, Node, Node], ...] = ()  # a complex path's structure
    constraint: Node | None = None  # a SPARQL-based constraint's node: read by the engine
    root: Node | None = None  # the shape with targets whose focus nodes the query checks
    focus: str = ""  # the focus pattern inside ``query`` (see :func:`restricted`)

    def __hash__(self) -> int:
        """A write's incremental checks key a few hundred lookups by check: the generated
        hash went through every field, rdflib literals included, each time (a third of the
        engine's time on a one-triple write). The query and the component tell checks
        apart; strings keep their hash, and equality still compares every field."""
        return hash((self.query, self.component))


@dataclass
class Compiled:
    """What the engine checks, and the shapes left to pyshacl (with their targets only)."""

    checks: list[Check] = field(default_factory=list)
    fallback: list[Node] = field(default_factory=list)
    fallback_reasons: dict[Node, str] = field(default_factory=dict)
    everything_to_pyshacl: str | None = None  # why the whole shapes graph goes to pyshacl


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Predicates that carry no constraint (or that are read by the code handling their shape).
_INERT = frozenset(
    {
        RDF.type, SH.name, SH.description, SH.message, SH.severity, SH.order, SH.group,
        SH.defaultValue, SH.path, SH.property, SH.deactivated, SH.sparql,
        SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint, SH.declare, SH.prefixes, SH.flags, SH.closed,
        SH.ignoredProperties, *_TARGETS,
    }
)  # fmt: skip
_LITERAL_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS = {
    SH.minInclusive: (">=", "MinInclusiveConstraintComponent"),
    SH.minExclusive: (">", "MinExclusiveConstraintComponent"),
    SH.maxInclusive: ("<=", "MaxInclusiveConstraintComponent"),
    SH.maxExclusive: ("<", "MaxExclusiveConstraintComponent"),
}
# Value-type constraints: each is one test on one value node.
_VALUE_COMPONENTS = {
    SH.datatype: "DatatypeConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
    **{p: c for p, (_, c) in _COMPARISONS.items()},
}
# Components on the set of values of a path (sh:hasValue also as a value test).
_COUNT_COMPONENTS = frozenset({SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang})
# SPARQL keywords whose meaning changes between pre-binding $this (what pyshacl does) and
# joining it with the focus nodes (what the compiled query does): such texts go to pyshacl.
_PREBINDING_SENSITIVE = re.compile(
    r"\b(MINUS|SERVICE|VALUES|OPTIONAL|UNION|GRAPH|EXISTS\s*\{\s*SELECT)\b|\$(PATH|currentShape"
    r"|shapesGraph)\b|AS\s+[?$]this\b",
    re.IGNORECASE,
)


def _term(node: Node) -> str:
    """A constant in query text, matching the same term of the data (see
    :func:`shacl_store.as_stored`); blank nodes have no stable name across graphs."""
    if isinstance(node, BNode):
        raise Unsupported("a blank node as a constant")
    if isinstance(node, Literal | URIRef):
        return str(as_stored(to_oxigraph(node)))
    raise Unsupported(f"constant {node!r}")


def _value(node: Node) -> str:
    """A constant compared by value (the bound of sh:minInclusive...)."""
    if not isinstance(node, Literal | URIRef):
        raise Unsupported(f"constant {node!r}")
    return ntriples_term(node)


def _is_true(node: Node | None) -> bool:
    """A boolean parameter is on only when it is the literal ``true``: the W3C suite reads
    ``"1"^^xsd:boolean``, another spelling of the same value, as not activating it."""
    return node == TRUE and isinstance(node, Literal) and str(node) == "true"


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._fresh = itertools.count()

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    # -- reading the shapes graph ----------------------------------------------------------

    def one(self, subject: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(subject, predicate))
        if len(values) > 1:
            raise Unsupported(f"several values of {predicate.n3()} on one shape")
        return values[0] if values else None

    def items(self, head: Node) -> list[Node]:
        return list(Collection(self.g, head))

    def deactivated(self, shape: Node) -> bool:
        return any(_is_true(d) for d in self.g.objects(shape, SH.deactivated))

    def integer(self, node: Node | None) -> int:
        if not isinstance(node, Literal) or not isinstance(node.toPython(), int):
            raise Unsupported(f"count {node!r} is no integer")
        return int(node.toPython())

    def check_vocabulary(self, shape: Node) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            known = _INERT | _VALUE_COMPONENTS.keys() | _COUNT_COMPONENTS | PAIR_COMPONENTS.keys()
            if str(predicate).startswith(str(SH)) and predicate not in known:
                raise Unsupported(f"{predicate.n3()} is not compiled")

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path.

        A node that is a list is a sequence path, whatever else it carries (the W3C suite's
        "strange" paths); the report then copies that reading only (:meth:`path_triples`).
        """
        if isinstance(node, URIRef):
            return _term(node)
        if (node, RDF.first, None) in self.g:
            members = self.items(node)
            if len(members) < 2:
                raise Unsupported("a sequence path of fewer than two members")
            return "(" + " / ".join(self.path(i) for i in members) + ")"
        inverse = self.one(node, SH.inversePath)
        if inverse is not None:
            return f"^({self.path(inverse)})"
        for predicate, mark in (
            (SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?"),
        ):  # fmt: skip
            inner = self.one(node, predicate)
            if inner is not None:
                return f"({self.path(inner)}){mark}"
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + " | ".join(self.path(i) for i in self.items(alternatives)) + ")"
        raise Unsupported("an unknown kind of path")

    def path_triples(self, node: Node) -> list[tuple[Node, Node, Node]]:
        """The triples of a complex path as :meth:`path` reads it, for the report."""
        if not isinstance(node, BNode):
            return []
        if (node, RDF.first, None) in self.g:
            return self.list_triples(node)
        for predicate in (
            SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath,
            SH.alternativePath,
        ):  # fmt: skip
            inner = self.one(node, predicate)
            if inner is not None:
                if predicate == SH.alternativePath:
                    return [(node, predicate, inner), *self.list_triples(inner)]
                return [(node, predicate, inner), *self.path_triples(inner)]
        return []

    def list_triples(self, head: Node) -> list[tuple[Node, Node, Node]]:
        found: list[tuple[Node, Node, Node]] = []
        cell = head
        while cell != RDF.nil:
            first, rest = self.one(cell, RDF.first), self.one(cell, RDF.rest)
            if first is None or rest is None:
                raise Unsupported("a malformed list in a path")
            found += [(cell, RDF.first, first), (cell, RDF.rest, rest), *self.path_triples(first)]
            cell = rest
        return found

    # -- conformance of one node: a SPARQL boolean expression -------------------------------

    def value_test(self, predicate: URIRef, param: Node, v: str, shape: Node, depth: int) -> str:
        """True when node ``v`` satisfies one value-type parameter.

        Every test is total (true or false, never a SPARQL error), so that ``!``, ``||``
        and ``&&`` over them (sh:not, sh:or, sh:and, sh:xone) keep their two-valued meaning.
        """
        if predicate == SH.datatype:
            if not isinstance(param, URIRef):
                raise Unsupported("sh:datatype is no IRI")
            # a literal of the datatype whose lexical form is in the datatype's lexical
            # space (plain literals are xsd:string in RDF 1.1, language-tagged ones are not)
            test = datatype_test(v, str(param))
            lexical = well_formed(str(param), f"STR({v})")
            return f"({test} && {lexical})" if lexical else test
        if predicate == SH["class"]:
            # the same as ``EXISTS { v rdf:type/rdfs:subClassOf* C }``, written so that the
            # engine walks up from the node's own types: given the path with its constant
            # end, it starts from C's instances inside EXISTS (7 ms per node on 100k
            # triples, against 0.3 ms: a 1,000-member upload spent 8 s there)
            t = self.var()
            subclass = f"{_term(RDFS.subClassOf)}*"
            return (
                f"EXISTS {{ {v} {_term(RDF.type)} {t} . "
                f"FILTER EXISTS {{ {t} {subclass} {_term(param)} }} }}"
            )
        if predicate == SH.nodeKind:
            if not isinstance(param, URIRef) or param not in _LITERAL_KINDS:
                raise Unsupported("unknown sh:nodeKind")
            return _LITERAL_KINDS[param].format(v=v)
        if predicate == SH.languageIn:
            ranges = [str(r) for r in self.items(param)]
            if not ranges:
                return "false"
            tests = " || ".join(f"langMatches(lang({v}), {_term(Literal(r))})" for r in ranges)
            return f"(isLiteral({v}) && ({tests}))"
        if predicate == SH["in"]:
            members = " || ".join(f"sameTerm({v}, {_term(m)})" for m in self.items(param))
            return f"({members or 'false'})"
        if predicate == SH.pattern:
            flags = self.one(shape, SH.flags)
            args = f"str({v}), {_term(Literal(str(param)))}"
            if flags is not None:
                args += f", {_term(Literal(str(flags)))}"
            return f"(!isBlank({v}) && COALESCE(regex({args}), false))"
        if predicate in (SH.minLength, SH.maxLength):
            op = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({v}) && strlen(str({v})) {op} {self.integer(param)})"
        if predicate in _COMPARISONS:
            return compare(v, _COMPARISONS[predicate][0], _value(param))
        if predicate in (SH["or"], SH["and"], SH.xone):
            shapes = [self.conforms(m, v, depth + 1) for m in self.items(param)]
            if predicate == SH["or"]:
                return "(" + (" || ".join(shapes) or "false") + ")"
            if predicate == SH["and"]:
                return "(" + (" && ".join(shapes) or "true") + ")"
            ones = " + ".join(f"IF({t}, 1, 0)" for t in shapes) or "0"
            return f"(({ones}) = 1)"
        if predicate == SH["not"]:
            return f"(!{self.conforms(param, v, depth + 1)})"
        if predicate == SH.node:
            return self.conforms(param, v, depth + 1)
        raise Unsupported(f"{predicate.n3()} as a value test")

    def conforms(self, shape: Node, v: str, depth: int) -> str:
        """True when node ``v`` conforms to a whole (nested) shape."""
        if depth > 8:
            raise Unsupported("shapes nested too deep (or recursive)")
        if self.deactivated(shape):
            return "true"
        self.check_vocabulary(shape)
        for unsupported in (SH.sparql, SH.qualifiedValueShape):
            if (shape, unsupported, None) in self.g:
                raise Unsupported(f"{unsupported.n3()} inside a nested shape")
        tests: list[str] = []
        path_node = self.one(shape, SH.path)
        path = None if path_node is None else self.path(path_node)
        for predicate, param in self.g.predicate_objects(shape):
            if predicate in PAIR_COMPONENTS:
                other = self.property(param)
                try:
                    tests.append(holds(predicate, v, path, other, self.var(), self.var()))
                except NeedsPath as exc:
                    raise Unsupported(f"{exc} on a node shape") from exc
        if self.closed(shape):
            if path is not None:
                raise Unsupported("sh:closed on a property shape")
            p, x = self.var(), self.var()
            tests.append(f"NOT EXISTS {{ {v} {p} {x} {outside(self.allowed(shape), p)} }}")
        if path is None:
            for predicate, param in self.g.predicate_objects(shape):
                if predicate in _VALUE_COMPONENTS:
                    tests.append(self.value_test(predicate, param, v, shape, depth))  # type: ignore[arg-type]
                elif predicate == SH.hasValue:
                    tests.append(f"sameTerm({v}, {_term(param)})")
                elif predicate in (SH.minCount, SH.maxCount, SH.uniqueLang):
                    raise Unsupported(f"{predicate.n3()} without a path")
            for prop in self.g.objects(shape, SH.property):
                tests.append(self.conforms(prop, v, depth + 1))
            return "(" + (" && ".join(tests) or "true") + ")"
        for predicate, param in self.g.predicate_objects(shape):
            if predicate in _VALUE_COMPONENTS:
                x = self.var()
                test = self.value_test(predicate, param, x, shape, depth)  # type: ignore[arg-type]
                tests.append(f"NOT EXISTS {{ {v} {path} {x} FILTER (!{test}) }}")
            elif predicate == SH.hasValue:
                tests.append(f"EXISTS {{ {v} {path} {_term(param)} }}")
            elif predicate == SH.minCount:
                n = self.integer(param)
                if n >= 1:
                    tests.append(f"EXISTS {{ {self.distinct_values(v, path, n)} }}")
            elif predicate == SH.maxCount:
                n = self.integer(param)
                tests.append(f"NOT EXISTS {{ {self.distinct_values(v, path, n + 1)} }}")
            elif predicate == SH.uniqueLang and _is_true(param):
                tests.append(f"NOT EXISTS {{ {self.shared_language(v, path)} }}")
        for prop in self.g.objects(shape, SH.property):
            x = self.var()
            inner = self.conforms(prop, x, depth + 1)
            tests.append(f"NOT EXISTS {{ {v} {path} {x} FILTER (!{inner}) }}")
        return "(" + (" && ".join(tests) or "true") + ")"

    def distinct_values(self, v: str, path: str, n: int) -> str:
        """A pattern matching when ``v`` has at least ``n`` distinct values (``n`` small: a
        nested shape has no focus of its own to count per, so the values are joined)."""
        if n > 3:
            raise Unsupported("a count above 3 in a nested shape")
        names = [self.var() for _ in range(n)]
        distinct = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
        pattern = " ".join(f"{v} {path} {x} ." for x in names)
        return pattern + (f" FILTER ({' && '.join(distinct)})" if distinct else "")

    def property(self, node: Node) -> str:
        if not isinstance(node, URIRef):
            raise Unsupported("a property-pair component whose value is no IRI")
        return _term(node)

    def closed(self, shape: Node) -> bool:
        return any(_is_true(c) for c in self.g.objects(shape, SH.closed))

    def allowed(self, shape: Node) -> list[str]:
        """What a closed shape allows: its property shapes' predicate paths and the
        sh:ignoredProperties."""
        found: list[Node] = [
            path
            for prop in self.g.objects(shape, SH.property)
            for path in self.g.objects(prop, SH.path)
            if isinstance(path, URIRef)
        ]
        ignored = self.one(shape, SH.ignoredProperties)
        if ignored is not None:
            found += self.items(ignored)
        return sorted({_term(p) for p in found})

    # -- top-level shapes: one query per constraint component -------------------------------

    def focus(self, shapes: Iterable[Node], *, engine_view: bool = False) -> str:
        """A group pattern binding ``?this`` to each focus node once (``engine_view``: the
        focus nodes of SPARQL-based constraints, literals as the engine holds them)."""
        constant = _value if engine_view else _term
        parts: list[str] = []
        for shape in shapes:
            for c in self.g.objects(shape, SH.targetClass):
                parts.append(f"?this {_term(RDF.type)}/{_term(RDFS.subClassOf)}* {_term(c)} .")
            for n in self.g.objects(shape, SH.targetNode):
                parts.append(f"VALUES ?this {{ {constant(n)} }}")
            for p in self.g.objects(shape, SH.targetSubjectsOf):
                parts.append(f"?this {_term(p)} [] .")
            for p in self.g.objects(shape, SH.targetObjectsOf):
                parts.append(f"[] {_term(p)} ?this .")
            if _is_class(self.g, shape):
                parts.append(f"?this {_term(RDF.type)}/{_term(RDFS.subClassOf)}* {_term(shape)} .")
        union = " UNION ".join(f"{{ {p} }}" for p in parts)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def shape_checks(self, shape: Node, focus: str, engine_focus: str) -> list[Check]:
        """The queries of one shape with a given focus pattern (and of its property shapes);
        ``engine_focus`` is the same for SPARQL-based constraints."""
        if self.deactivated(shape):
            return []
        self.check_vocabulary(shape)
        severity = self.one(shape, SH.severity) or SH.Violation
        if not isinstance(severity, URIRef):
            raise Unsupported("sh:severity is no IRI")
        messages = tuple(m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal))
        path_node = self.one(shape, SH.path)
        structure = tuple(self.path_triples(path_node)) if path_node is not None else ()
        checks: list[Check] = []

        def add(component: str, query: str, msgs: tuple[Literal, ...] = messages) -> None:
            checks.append(Check(shape, component, severity, msgs, path_node, query, structure))

        path = None if path_node is None else self.path(path_node)
        if path is None:
            value_of, projection = "?this", "(?this AS ?value)"
            where = focus
        else:
            value_of = projection = "?value"
            where = f"{focus} ?this {path} ?value ."
        for predicate, param in self.g.predicate_objects(shape):
            if predicate in PAIR_COMPONENTS:
                other = self.property(param)
                try:
                    found = violations(predicate, "?this", path, other, "?value", "?_other")
                except NeedsPath as exc:
                    raise Unsupported(f"{exc} on a node shape") from exc
                for pattern in found:
                    # one result per pair compared wrongly: ?_other keeps the pairs apart
                    add(
                        PAIR_COMPONENTS[predicate],  # type: ignore[index]
                        f"SELECT DISTINCT ?this ?value ?_other WHERE {{ {focus} {pattern} }}",
                    )
        if self.closed(shape):
            if path is not None:
                raise Unsupported("sh:closed on a property shape")
            add(
                "ClosedConstraintComponent",
                f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus} ?this ?path ?value "
                f"{outside(self.allowed(shape), '?path')} }}",
            )

        for predicate, param in self.g.predicate_objects(shape):
            if predicate in _VALUE_COMPONENTS:
                test = self.value_test(predicate, param, value_of, shape, 0)  # type: ignore[arg-type]
                add(
                    _VALUE_COMPONENTS[predicate],  # type: ignore[index]
                    f"SELECT DISTINCT ?this {projection} WHERE {{ {where} FILTER (!{test}) }}",
                )

        if path is None:
            for predicate, param in self.g.predicate_objects(shape):
                if predicate == SH.hasValue:
                    add(
                        "HasValueConstraintComponent",
                        f"SELECT ?this WHERE {{ {focus} "
                        f"FILTER (!sameTerm(?this, {_term(param)})) }}",
                    )
                elif predicate in (SH.minCount, SH.maxCount, SH.qualifiedValueShape):
                    raise Unsupported(f"{predicate.n3()} on a node shape")
            for prop in self.g.objects(shape, SH.property):
                checks.extend(self.shape_checks(prop, focus, engine_focus))
        else:
            if (shape, SH.property, None) in self.g:
                # its results come once per focus node reaching a value (W3C property-001):
                # counted per value, the compiled queries would merge them
                raise Unsupported("sh:property under a property shape")
            for param in self.g.objects(shape, SH.hasValue):
                add(
                    "HasValueConstraintComponent",
                    f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS "
                    f"{{ ?this {path} {_term(param)} }} }}",
                )
            for param in self.g.objects(shape, SH.minCount):
                n = self.integer(param)
                if n >= 1:
                    add("MinCountConstraintComponent", self.count_query(focus, path, "<", n))
            for param in self.g.objects(shape, SH.maxCount):
                n = self.integer(param)
                add("MaxCountConstraintComponent", self.count_query(focus, path, ">", n))
            if any(_is_true(p) for p in self.g.objects(shape, SH.uniqueLang)):
                # one result per focus node and shared language, no sh:value (SHACL 4.5.3)
                add(
                    "UniqueLangConstraintComponent",
                    f"SELECT DISTINCT ?this (lang(?value) AS ?language) WHERE {{ {focus} "
                    f"{self.shared_language('?this', path, '?value', '?other')} }}",
                )
            for component, query in self.qualified(shape, focus, path):
                add(component, query)
        for constraint in self.g.objects(shape, SH.sparql):
            checks.extend(
                self.sparql(shape, constraint, engine_focus, severity, messages, path_node)
            )
        return checks

    def shared_language(self, v: str, path: str, a: str = "", b: str = "") -> str:
        """A pattern matching when two values of ``v`` share a (non-empty) language tag."""
        a, b = a or self.var(), b or self.var()
        return (
            f"{v} {path} {a} . {v} {path} {b} . "
            f'FILTER (!sameTerm({a}, {b}) && lang({a}) != "" && lang({a}) = lang({b}))'
        )

    def count_query(self, focus: str, path: str, op: str, n: int, test: str = "") -> str:
        """Focus nodes whose number of (qualifying) values is ``op n``."""
        if op == "<" and n == 1:
            return (
                f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS "
                f"{{ ?this {path} ?value {test} }} }}"
            )
        if op == ">":
            return (
                f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE "
                f"{{ {focus} ?this {path} ?value {test} }} GROUP BY ?this }} "
                f"FILTER (?n {op} {n}) }}"
            )
        return (
            f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE "
            f"{{ {focus} OPTIONAL {{ ?this {path} ?value {test} }} }} GROUP BY ?this }} "
            f"FILTER (?n {op} {n}) }}"
        )

    def qualified(self, shape: Node, focus: str, path: str) -> list[tuple[str, str]]:
        """Qualified counts: values conforming to a nested shape, counted per focus node."""
        qualified = self.one(shape, SH.qualifiedValueShape)
        minimum = self.one(shape, SH.qualifiedMinCount)
        maximum = self.one(shape, SH.qualifiedMaxCount)
        if qualified is None:
            if minimum is not None or maximum is not None:
                raise Unsupported("a qualified count without sh:qualifiedValueShape")
            return []
        if _is_true(self.one(shape, SH.qualifiedValueShapesDisjoint)):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        test = f"FILTER ({self.conforms(qualified, '?value', 1)})"
        found = []
        if minimum is not None and self.integer(minimum) >= 1:
            found.append(
                (
                    "QualifiedMinCountConstraintComponent",
                    self.count_query(focus, path, "<", self.integer(minimum), test),
                )
            )
        if maximum is not None:
            found.append(
                (
                    "QualifiedMaxCountConstraintComponent",
                    self.count_query(focus, path, ">", self.integer(maximum), test),
                )
            )
        return found

    def prefixes(self, constraint: Node) -> str:
        lines = []
        for ontology in self.g.objects(constraint, SH.prefixes):
            for declaration in self.g.objects(ontology, SH.declare):
                prefix = self.one(declaration, SH.prefix)
                namespace = self.one(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise Unsupported("an incomplete sh:declare")
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(sorted(set(lines)))

    def sparql(
        self,
        shape: Node,
        constraint: Node,
        focus: str,
        severity: URIRef,
        shape_messages: tuple[Literal, ...],
        path_node: Node | None,
    ) -> list[Check]:
        """A SPARQL-based constraint: its SELECT joined with the focus nodes, as one query."""
        if self.deactivated(constraint):
            return []
        text = self.one(constraint, SH.select)
        if not isinstance(text, Literal):
            raise Unsupported("a SPARQL constraint without sh:select")
        body = str(text)
        if _PREBINDING_SENSITIVE.search(body) or len(re.findall(r"\bSELECT\b", body, re.I)) != 1:
            raise Unsupported("a SPARQL constraint whose meaning depends on pre-binding $this")
        head = re.search(r"\bSELECT\b(.*?)\bWHERE\b", body, re.I | re.S)
        if head is None or not re.search(r"[?$]this\b|\*", head.group(1)):
            raise Unsupported("a SPARQL constraint that does not project $this")
        if not joinable(f"{self.prefixes(constraint)}\n{body}"):
            raise Unsupported("a SPARQL constraint that reads $this before binding it")
        inner = re.sub(r"\$(\w+)", r"?\1", body)
        if not _SLICED.search(inner):
            # where a restricted run puts its focus nodes inside the constraint's own
            # SELECT too (see :func:`restricted`): a comment until then
            inner = _WHERE_OPEN.sub(lambda m: m.group(0) + _INNER_FOCUS, inner, count=1)
        projected = {"value", "path"} & set(re.findall(r"[?$](\w+)", head.group(1)))
        if "*" in head.group(1):
            projected = {"value", "path"} & set(re.findall(r"[?$](\w+)", body))
        outer = " ".join(f"?{name}" for name in sorted(projected))
        messages = (
            tuple(m for m in self.g.objects(constraint, SH.message) if isinstance(m, Literal))
            or shape_messages
        )
        query = (
            f"{self.prefixes(constraint)}\nSELECT DISTINCT ?this {outer} WHERE {{ {focus} "
            f"{{ {inner} }} }}"
        )
        structure = tuple(self.path_triples(path_node)) if path_node is not None else ()
        return [
            Check(
                shape,
                "SPARQLConstraintComponent",
                severity,
                messages,
                path_node,
                query,
                structure,
                constraint=constraint,
            )
        ]


def _is_class(g: Graph, shape: Node) -> bool:
    """Implicit class targets: a shape that is also a class targets its instances."""
    return any((shape, RDF.type, c) in g for c in (RDFS.Class, OWL.Class))


def _is_shape(g: Graph, node: Node) -> bool:
    return (node, RDF.type, SH.NodeShape) in g or (node, RDF.type, SH.PropertyShape) in g


def top_level_shapes(shapes: Graph) -> list[Node]:
    """Shapes with targets, where pyshacl starts (the rest is reached from them)."""
    found: set[Node] = set()
    for predicate in (*_TARGETS, SH.target):
        found.update(shapes.subjects(predicate, None))
    for kind in (SH.NodeShape, SH.PropertyShape):
        found.update(s for s in shapes.subjects(RDF.type, kind) if _is_class(shapes, s))
    return sorted(found, key=str)


def compile_shapes(shapes: Graph) -> Compiled:
    """One query per (shape, component); unsupported shapes listed for pyshacl."""
    result = Compiled()
    for why, present in (
        ("SHACL rules (sh:rule) change the data first", (None, SH.rule, None) in shapes),
        ("custom constraint components", (None, SH.parameter, None) in shapes),
        ("SHACL entailment (sh:entailment)", (None, SH.entailment, None) in shapes),
    ):
        if present:
            result.everything_to_pyshacl = why
            return result
    compiler = _Compiler(shapes)
    for shape in top_level_shapes(shapes):
        try:
            if (shape, SH.target, None) in shapes:
                raise Unsupported("SPARQL-based targets (sh:target)")
            focus = compiler.focus([shape])
            engine_focus = compiler.focus([shape], engine_view=True)
            result.checks.extend(
                replace(
                    check,
                    root=shape,
                    focus=focus if check.constraint is None else engine_focus,
                )
                for check in compiler.shape_checks(shape, focus, engine_focus)
            )
        except Unsupported as exc:
            result.fallback.append(shape)
            result.fallback_reasons[shape] = str(exc)
    return result


def fallback_shapes(shapes: Graph, compiled: Compiled) -> Graph:
    """The shapes graph where only the shapes pyshacl must validate keep their targets."""
    keep = set(compiled.fallback)
    reduced = Graph()
    for prefix, namespace in shapes.namespaces():
        reduced.bind(prefix, namespace, override=True)
    target_predicates = {*_TARGETS, SH.target}
    for s, p, o in shapes:
        if s not in keep and p in target_predicates:
            continue
        implicit_target = p == RDF.type and o in (RDFS.Class, OWL.Class)
        if s not in keep and implicit_target and _is_shape(shapes, s):
            continue
        reduced.add((s, p, o))
    return reduced


_FOCUS_HEAD = "{ SELECT DISTINCT ?this WHERE { "
#: where a SPARQL-based constraint's WHERE clause opens: the restricted runs' focus nodes
_INNER_FOCUS = " #esskg:focus\n"
_WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.I)
_SLICED = re.compile(r"\b(?:LIMIT|OFFSET)\b", re.I)


def restricted(check: Check, values: str, *, focus_known: bool = False) -> str:
    """The check's query on some focus nodes only: ``values`` (a ``VALUES ?this { ... }``
    block of serialised terms) joins the focus pattern inside it, where the engine starts
    from those nodes instead of enumerating every focus node (incremental validation).

    A SPARQL-based constraint's own SELECT gets the block too: it binds ``?this`` in its
    graph patterns before reading it (:func:`~service.graph.sparql_prebinding.joinable`)
    and has no LIMIT or OFFSET, so joining the focus nodes inside it means what joining
    them outside does, and the engine no longer answers it for every node of the store
    (two SIREN checks took 1.8 s each at 1M triples for a 1,000-row upload).

    ``focus_known``: the caller has found every node of ``values`` to be a focus node of the
    check's shape (reading the targets as the focus pattern does), so the block replaces the
    pattern instead of joining it: the engine no longer proves it again for each node.
    """
    if not check.focus.startswith(_FOCUS_HEAD):
        raise ValueError("the check was not compiled with its focus pattern")
    if focus_known:
        query = check.query.replace(check.focus, f"{{ {values} }}")
    else:
        inner = check.focus.removeprefix(_FOCUS_HEAD)
        query = check.query.replace(check.focus, f"{_FOCUS_HEAD}{values} {inner}")
    return query.replace(_INNER_FOCUS, f" {values}\n", 1)


# -- running ---------------------------------------------------------------------------------


def engine_store(
    data: Graph | Iterable[ox.Quad], ontology: Graph | Iterable[ox.Quad]
) -> ExactStore:
    """An in-memory store holding the data and the ontology, every term as given."""
    return ExactStore(
        _quads(source, name) for source, name in ((data, DATA_GRAPH), (ontology, ONTOLOGY_GRAPH))
    )


def _quads(source: Graph | Iterable[ox.Quad], graph_name: ox.NamedNode) -> Iterator[ox.Quad]:
    if isinstance(source, Graph):
        for s, p, o in source:
            yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph_name)  # type: ignore[arg-type]
    else:
        yield from source


@dataclass(frozen=True)
class Row:
    """One violation found by the engine, in the terms of the data."""

    check: Check
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    path: ox.NamedNode | ox.BlankNode | ox.Literal | None


def run_checks(store: ExactStore, checks: Iterable[Check]) -> list[Row]:
    """Every compiled query over the union of the store's graphs; the SPARQL-based
    constraints last, on the data as the engine holds it."""
    rows: list[Row] = []
    for check in sorted(checks, key=lambda c: c.constraint is not None):
        solutions = store.query(check.query, engine_view=check.constraint is not None)
        rows.extend(solution_rows(check, solutions, store.given))
    return rows


def solution_rows(
    check: Check, solutions: ox.QuerySolutions, given: Callable[[Term], Term] = lambda t: t
) -> Iterator[Row]:
    """The rows of one check's solutions, each term as the data gave it (``given``)."""
    names = {v.value for v in solutions.variables}
    for solution in solutions:
        focus = solution["this"]
        if focus is None or isinstance(focus, ox.Triple):
            continue
        value = solution["value"] if "value" in names else None
        if value is None and check.constraint is not None and check.path is None:
            value = focus  # a node shape's value node is its focus node (SHACL 5.3.2)
        path = solution["path"] if "path" in names else None
        yield Row(check, given(focus), None if value is None else given(value), path)


def report_graph(rows: Iterable[Row]) -> tuple[Graph, BNode]:
    """The rows as a ``sh:ValidationReport``, as pyshacl would have written them.

    ``sh:conforms`` is true only for a report without any result, whatever the results'
    severities (SHACL 3.6.1.1): warnings are still results. Whether a write may pass is
    the caller's question (it looks at violations only).
    """
    report = Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    conforms = True
    for row in rows:
        conforms = False
        check = row.check
        result = BNode()
        report.add((root, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, to_rdflib(row.focus)))
        report.add((result, SH.resultSeverity, check.severity))
        report.add((result, SH.sourceShape, check.shape))
        report.add((result, SH.sourceConstraintComponent, SH[check.component]))
        if check.constraint is not None:
            report.add((result, SH.sourceConstraint, check.constraint))
        for message in _messages(check, row):
            report.add((result, SH.resultMessage, message))
        if row.value is not None:
            report.add((result, SH.value, to_rdflib(row.value)))
        if row.path is not None:
            report.add((result, SH.resultPath, to_rdflib(row.path)))
        elif check.path is not None:
            report.add((result, SH.resultPath, check.path))
            for triple in check.path_triples:
                report.add(triple)
    report.add((root, SH.conforms, Literal(conforms)))
    return report, root


def _messages(check: Check, row: Row) -> list[Literal]:
    if not check.messages:
        return [Literal(f"{check.component} not satisfied")]
    found = []
    for message in check.messages:
        text = str(message)
        for name, term in (("this", row.focus), ("value", row.value), ("path", row.path)):
            if term is not None:
                text = text.replace(f"{{${name}}}", str(term)).replace(f"{{?{name}}}", str(term))
        found.append(Literal(text, lang=message.language))
    return found

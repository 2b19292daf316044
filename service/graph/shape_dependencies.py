"""Which triples a compiled SHACL check reads, located from its focus node.

A check's verdict on a focus node F depends on finitely many triples: those its targets
read at F, those its path reads on the way from F to the values, and those the values'
own tests read (``sh:class`` reads their types; ``sh:node``, ``sh:and``, ``sh:or``,
``sh:xone``, ``sh:not`` and ``sh:qualifiedValueShape`` read what the nested shape reads,
from each value). Each is a :data:`Dependency`: a path ``prefix`` leading from F to a node
n, and a :class:`Step`, one triple read at n. A write changing a triple that matches a
step at n can only change the verdicts of the nodes F with ``F prefix n``, found by
walking the prefix backwards from n (:mod:`service.graph.incremental_validation`).

Walking the state *after* the write is enough: on any chain of triples from F to a
changed one, take the first changed triple; the triples before it did not change, so they
lead from F to it after the write as they did before.

SPARQL-based constraints (``sh:sparql``) are read from their query: every triple pattern
must be joined to ``$this`` through variables, each path of patterns giving a prefix.
A check whose dependencies cannot be bounded (a pattern not joined to ``$this``, a
component this module does not know) raises :class:`Unbounded`; it is then evaluated on
every focus node. ``rdfs:subClassOf`` is read by every class test and target, so a write
changing one is validated in full by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.paths import Path as RdflibPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.graph.shacl_sparql import Check
from service.store.terms import to_oxigraph

_TYPE = ox.NamedNode(str(RDF.type))
#: Shape predicates that read no triple beyond the values themselves (or that carry none).
_TERM_ONLY = frozenset(
    {
        SH.datatype, SH.nodeKind, SH.languageIn, SH["in"], SH.pattern, SH.flags,
        SH.minLength, SH.maxLength, SH.minInclusive, SH.minExclusive, SH.maxInclusive,
        SH.maxExclusive, SH.hasValue, SH.minCount, SH.maxCount, SH.uniqueLang,
        SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.name, SH.description, SH.message,
        SH.severity, SH.order, SH.group, SH.defaultValue, SH.deactivated, SH.path,
        SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql,
        SH.declare, SH.prefixes,
    }
)  # fmt: skip
_MAX_DEPTH = 12
_MAX_ROUTES = 64


class Unbounded(Exception):
    """The check may read triples anywhere: evaluate it on every focus node."""


@dataclass(frozen=True)
class Step:
    """One triple read at a node n: ``n p ?`` (``p`` any when None), or ``? p n`` when
    ``inverse``. For ``rdf:type`` read forward, ``classes`` (when set) says which types
    matter: those that are, or are subclasses of, one of them."""

    predicate: ox.NamedNode | None
    inverse: bool = False
    classes: frozenset[ox.NamedNode] | None = None


@dataclass(frozen=True)
class Seq:
    parts: tuple[Path, ...]


@dataclass(frozen=True)
class Alt:
    options: tuple[Path, ...]


@dataclass(frozen=True)
class Repeat:
    """``inner*`` (``at_least_one`` false), ``inner+``; ``inner?`` when ``at_most_one``."""

    inner: Path
    at_least_one: bool = False
    at_most_one: bool = False


Path = Step | Seq | Alt | Repeat
EMPTY = Seq(())
#: A prefix from the focus node to a node n, and the triple read at n.
Dependency = tuple[Path, Step]


def seq(*paths: Path) -> Path:
    """The sequence of paths, flattened, without empty members."""
    parts: list[Path] = []
    for path in paths:
        parts.extend(path.parts if isinstance(path, Seq) else (path,))
    return parts[0] if len(parts) == 1 else Seq(tuple(parts))


def inverse(path: Path) -> Path:
    """The same triples read the other way."""
    if isinstance(path, Step):
        return Step(path.predicate, not path.inverse, path.classes)
    if isinstance(path, Seq):
        return Seq(tuple(inverse(p) for p in reversed(path.parts)))
    if isinstance(path, Alt):
        return Alt(tuple(inverse(p) for p in path.options))
    return Repeat(inverse(path.inner), path.at_least_one, path.at_most_one)


def reads(path: Path) -> Iterator[Dependency]:
    """Every triple evaluating ``path`` from a node reads, located from that node."""
    if isinstance(path, Step):
        yield EMPTY, path
    elif isinstance(path, Seq):
        before: Path = EMPTY
        for part in path.parts:
            for prefix, step in reads(part):
                yield seq(before, prefix), step
            before = seq(before, part)
    elif isinstance(path, Alt):
        for option in path.options:
            yield from reads(option)
    elif path.at_most_one:
        yield from reads(path.inner)
    else:
        star = Repeat(path.inner)
        for prefix, step in reads(path.inner):
            yield seq(star, prefix), step


def _iri(node: Node) -> ox.NamedNode:
    if not isinstance(node, URIRef):
        raise Unbounded(f"{node!r} where an IRI was expected")
    return ox.NamedNode(str(node))


class _Shapes:
    """Reading the shapes graph the way the compiler reads it, for what each shape reads."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes

    def items(self, head: Node) -> list[Node]:
        return list(Collection(self.g, head))

    def path(self, node: Node) -> Path:
        """A SHACL path (``sh:path`` value) as a :data:`Path`."""
        g = self.g
        if isinstance(node, URIRef):
            return Step(_iri(node))
        if (node, RDF.first, None) in g:
            return seq(*(self.path(item) for item in self.items(node)))
        for predicate in (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath,
                          SH.oneOrMorePath, SH.zeroOrOnePath):  # fmt: skip
            inner = g.value(node, predicate)
            if inner is None:
                continue
            if predicate == SH.inversePath:
                return inverse(self.path(inner))
            if predicate == SH.alternativePath:
                return Alt(tuple(self.path(item) for item in self.items(inner)))
            return Repeat(
                self.path(inner),
                at_least_one=predicate == SH.oneOrMorePath,
                at_most_one=predicate == SH.zeroOrOnePath,
            )
        raise Unbounded("an unknown kind of path")

    def targets(self, shape: Node) -> Iterator[Dependency]:
        """What decides whether a node is one of the shape's focus nodes."""
        g = self.g
        classes = [_iri(c) for c in g.objects(shape, SH.targetClass)]
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.append(_iri(shape))  # a shape that is a class targets its instances
        if classes:
            yield EMPTY, Step(_TYPE, classes=frozenset(classes))
        for p in g.objects(shape, SH.targetSubjectsOf):
            yield EMPTY, Step(_iri(p))
        for p in g.objects(shape, SH.targetObjectsOf):
            yield EMPTY, Step(_iri(p), inverse=True)

    def reads(
        self, shape: Node, at: Path, *, properties: bool, depth: int = 0
    ) -> Iterator[Dependency]:
        """What the constraints of ``shape`` read, evaluated at the node(s) ``at`` leads to
        (``properties``: with its ``sh:property`` shapes, compiled into the same test)."""
        if depth > _MAX_DEPTH:
            raise Unbounded("shapes nested too deep")
        g = self.g
        path_node = g.value(shape, SH.path)
        values = at
        if path_node is not None:
            path = self.path(path_node)
            for prefix, step in reads(path):
                yield seq(at, prefix), step
            values = seq(at, path)
        for predicate, param in g.predicate_objects(shape):
            if predicate == SH["class"]:
                yield values, Step(_TYPE, classes=frozenset({_iri(param)}))
            elif predicate in (SH.node, SH["not"], SH.qualifiedValueShape):
                yield from self.reads(param, values, properties=True, depth=depth + 1)
            elif predicate in (SH["and"], SH["or"], SH.xone):
                for member in self.items(param):
                    yield from self.reads(member, values, properties=True, depth=depth + 1)
            elif predicate == SH.property:
                if properties:
                    yield from self.reads(param, values, properties=True, depth=depth + 1)
            elif str(predicate).startswith(str(SH)) and predicate not in _TERM_ONLY:
                raise Unbounded(f"{predicate.n3()} is not bounded")


@dataclass(frozen=True)
class Targets:
    """What makes a node a focus node of a shape, as its compiled focus pattern reads it:
    an instance of ``classes`` (or of their subclasses), a subject of ``subjects_of``, an
    object of ``objects_of``, or one of ``nodes``. ``exact`` is false when the pattern
    may say more than this (a literal target node, which the engine may spell otherwise)."""

    classes: frozenset[ox.NamedNode]
    subjects_of: frozenset[ox.NamedNode]
    objects_of: frozenset[ox.NamedNode]
    nodes: frozenset[ox.NamedNode | ox.BlankNode]
    exact: bool = True


def targets(shapes: Graph, root: Node) -> Targets:
    """The targets of a shape with targets (what the compiler's focus pattern unites)."""
    reader = _Shapes(shapes)
    classes: set[ox.NamedNode] = set()
    subjects: set[ox.NamedNode] = set()
    objects: set[ox.NamedNode] = set()
    for _, step in reader.targets(root):
        assert step.predicate is not None
        if step.classes is not None:
            classes |= step.classes
        else:
            (objects if step.inverse else subjects).add(step.predicate)
    nodes = {_key(n) for n in shapes.objects(root, SH.targetNode)}
    exact = not any(isinstance(n, ox.Literal) for n in nodes)
    named = frozenset(n for n in nodes if not isinstance(n, ox.Literal))
    return Targets(frozenset(classes), frozenset(subjects), frozenset(objects), named, exact)


def _key(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    return to_oxigraph(node)  # type: ignore[arg-type]


def dependencies(shapes: Graph, check: Check) -> frozenset[Dependency]:
    """Everything the check's verdict on a focus node may read, from that node."""
    reader = _Shapes(shapes)
    if check.root is None:
        raise Unbounded("a check compiled without its focus shape")
    found = set(reader.targets(check.root))
    if check.component == "SPARQLConstraintComponent":
        found.update(query_dependencies(check.query))
    else:
        found.update(reader.reads(check.shape, EMPTY, properties=check.shape != check.root))
    return frozenset(found)


# -- SPARQL-based constraints ----------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """One triple pattern: a path between two ends, each a variable name or a constant."""

    subject: str | None  # variable name; None for a constant
    path: Path
    object: str | None


def query_dependencies(query: str) -> Iterator[Dependency]:
    """What a SELECT reads from its ``?this``: every pattern joined to it by variables."""
    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception as exc:  # rdflib raises whatever its parser meets
        raise Unbounded(f"the query does not parse: {exc}") from exc
    patterns = list(_patterns(algebra))
    for index, pattern in enumerate(patterns):
        ends = [(pattern.subject, pattern.path), (pattern.object, inverse(pattern.path))]
        reached = False
        for end, oriented in ends:
            if end is None:
                continue
            for route in _routes(patterns, index, end):
                reached = True
                for prefix, step in reads(oriented):
                    yield seq(route, prefix), step
        if not reached:
            raise Unbounded("a triple pattern not joined to $this")


def _routes(patterns: list[_Pattern], skip: int, target: str) -> Iterator[Path]:
    """Every simple path of patterns from ``?this`` to ``target`` (not using ``skip``)."""
    found = 0

    def walk(at: str, used: frozenset[int], seen: frozenset[str], route: Path) -> Iterator[Path]:
        nonlocal found
        if at == target:
            found += 1
            if found > _MAX_ROUTES:
                raise Unbounded("too many ways to join a pattern to $this")
            yield route
            return
        for i, p in enumerate(patterns):
            if i == skip or i in used:
                continue
            for here, there, path in ((p.subject, p.object, p.path),
                                      (p.object, p.subject, inverse(p.path))):  # fmt: skip
                if here == at and there is not None and there not in seen:
                    yield from walk(there, used | {i}, seen | {there}, seq(route, path))

    yield from walk("this", frozenset(), frozenset({"this"}), EMPTY)


def _patterns(node: object) -> Iterator[_Pattern]:
    """Every triple pattern anywhere in the algebra, filters' EXISTS included."""
    if isinstance(node, CompValue):
        if node.name in ("Graph", "ServiceGraphPattern", "GraphGraphPattern"):
            raise Unbounded(f"{node.name} in a constraint")
        if node.name in ("BGP", "TriplesBlock"):
            for triple in node.get("triples") or ():
                yield _pattern(triple)
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _patterns(value)


def _pattern(triple: Iterable[object]) -> _Pattern:
    s, p, o = triple
    path = _sparql_path(p)
    if isinstance(o, URIRef) and isinstance(path, Step) and path.predicate == _TYPE:
        path = Step(_TYPE, classes=frozenset({_iri(o)}))
    return _Pattern(_variable(s), path, _variable(o))


def _variable(term: object) -> str | None:
    if isinstance(term, Variable):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef | Literal):
        return None
    raise Unbounded(f"an unknown term in a pattern: {term!r}")


def _sparql_path(p: object) -> Path:
    if isinstance(p, URIRef):
        return Step(_iri(p))
    if isinstance(p, Variable):
        return Step(None)
    if isinstance(p, InvPath):
        return inverse(_sparql_path(p.arg))
    if isinstance(p, SequencePath):
        return seq(*(_sparql_path(a) for a in p.args))
    if isinstance(p, AlternativePath):
        return Alt(tuple(_sparql_path(a) for a in p.args))
    if isinstance(p, MulPath):
        return Repeat(_sparql_path(p.path), p.mod == "+", p.mod == "?")
    if isinstance(p, NegatedPath):
        return Alt((Step(None), Step(None, inverse=True)))
    if isinstance(p, RdflibPath):
        raise Unbounded(f"an unknown path {p!r}")
    raise Unbounded(f"an unknown predicate {p!r}")

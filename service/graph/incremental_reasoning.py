"""Incremental OWL 2 RL reasoning: what a write changes in the inferred graph, from the write.

A write adds and removes a few asserted triples; rerunning :func:`materialise` over a
million triples to learn which inferred triples follow costs tens of seconds. The same
rules (:mod:`service.graph.owl_rules`) are applied instead to the change alone, reading
every other premise from the store's indexes (``quads_for_pattern``), delete-and-rederive:

1. *overdelete*: every fact the removed triples support, followed through the rules over
   the state before the write;
2. *rederive*: the overdeleted facts that still follow from what is left. Every rule
   deriving ``s p o`` has a premise with ``s`` as subject or object, so applying the rules
   once to the remaining facts about each overdeleted fact's subject finds each surviving
   derivation; what is rederived is followed semi-naively;
3. *insert*: the added triples and everything new they imply, semi-naively.

An inferred triple so disappears exactly when its last derivation does. The state's
inconsistencies are recomputed for the individuals whose facts changed, the rest kept.

The store holds the closure minus its tautologies, which the rules can still use as
premises: ``x a owl:Thing``, and facts about literals or RDF/OWL terms (a literal value
of a property with a range or an inverse). Those the schema makes inert (no visible
consequence) are ignored; any other makes the write fall back to :func:`materialise` over
all the data, as does a write that changes the schema (a triple of the RDFS/OWL
vocabulary). ``InferenceDelta.full`` says when and why. Equality with a full
:func:`materialise` after any sequence of writes is the property test of
``tests/service/test_incremental.py``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from service.errors import EsskgError
from service.graph.layout import GraphName, Layout
from service.graph.materialise import (
    SCHEMA_PREDICATES,
    SCHEMA_TYPES,
    SUBSUMPTIONS,
    closure_facts,
    is_schema_triple,
    literal_problems,
    materialise,
    schema_closure,
)
from service.graph.owl_consistency import (
    ALL_DISJOINT,
    COMPLEMENT,
    DISJOINT,
    MAX_CARDINALITY,
    Inconsistency,
    messages,
    problems,
)
from service.graph.owl_rules import Plans, RuleEngine, is_built_in, is_tautology
from service.store.terms import OxTerm, to_oxigraph, to_rdflib, triple_to_rdflib

Fact = tuple[OxTerm, OxTerm, OxTerm]

_TYPE = ox.NamedNode(str(RDF.type))
_BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclass
class InferenceDelta:
    """What a write changes in the inferred graph, and the problems of the new state."""

    removed: set[ox.Triple] = field(default_factory=set)
    added: set[ox.Triple] = field(default_factory=set)
    found: list[Inconsistency] = field(default_factory=list)  # all of the new state's
    full: str | None = None  # why the whole data was reasoned over (None: incremental)

    @property
    def inconsistencies(self) -> list[str]:
        return messages(self.found)

    def quads(self, layout: Layout | None = None) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """The change as quads of the inferred graph (removed, added), for the commit."""
        graph = (layout or Layout()).inferred
        return (
            [ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.removed],
            [ox.Quad(t.subject, t.predicate, t.object, graph) for t in self.added],
        )


class NeedsFullReasoning(EsskgError):
    """The write cannot be reasoned over incrementally (it changes the schema, or the data
    holds what the rules cannot follow): reason over all the data."""


class _NeedsFull(Exception):
    """The write reaches something the incremental path cannot follow exactly."""


class _Index:
    """Facts in memory, looked up the ways the rules and the seeds need."""

    def __init__(self) -> None:
        self.sp: dict[tuple[OxTerm, OxTerm], set[OxTerm]] = defaultdict(set)
        self.po: dict[tuple[OxTerm, OxTerm], set[OxTerm]] = defaultdict(set)
        self.about: dict[OxTerm, set[Fact]] = defaultdict(set)
        self.facts: set[Fact] = set()

    def add(self, fact: Fact) -> bool:
        if fact in self.facts:
            return False
        s, p, o = fact
        self.facts.add(fact)
        self.sp[s, p].add(o)
        self.po[p, o].add(s)
        self.about[s].add(fact)
        self.about[o].add(fact)
        return True

    def objects(self, s: OxTerm, p: OxTerm) -> set[OxTerm]:
        return self.sp.get((s, p)) or set()

    def subjects(self, p: OxTerm, o: OxTerm) -> set[OxTerm]:
        return self.po.get((p, o)) or set()


class _Schema:
    """The schema closure compiled for engine terms, with what the store cannot tell.

    ``inert``: classes whose membership has no consequence but more memberships in inert
    classes (so ``"12" a xsd:integer`` or ``x a owl:Thing``, never stored, need not be
    known); ``risky``: properties whose literal (or RDF/OWL term) values give such
    unstored facts a consequence, which only :func:`materialise` follows.
    """

    def __init__(self, closure: Graph) -> None:
        self.closure = closure
        self.plans: Plans[OxTerm] = Plans(closure, _key)
        self.facts = _Index()
        for triple in closure_facts(closure):
            self.facts.add(_key_triple(triple))
        self.inert = self._inert_classes()
        self.risky: set[OxTerm] = set()
        for p, plan in self.plans.props.items():
            ranges = [*plan.ranges, *(filler for _, filler in plan.all_values)]
            if plan.inverses or plan.symmetric or any(c not in self.inert for c in ranges):
                self.risky.add(p)

    def _inert_classes(self) -> set[OxTerm]:
        plans = self.plans
        live: set[OxTerm] = {_key(OWL.Nothing)}
        for plan in plans.props.values():
            live.update(filler for _, filler in plan.some if filler is not None)
        for kind, s, o in plans.checks:
            if kind in (DISJOINT, COMPLEMENT):
                live.update((_key(s), _key(o)))
            elif kind == MAX_CARDINALITY:
                live.add(_key(s))
            elif kind == ALL_DISJOINT:
                closure = self.closure
                for head in closure.objects(s, OWL.members):
                    live.update(_key(c) for c in closure.items(head))
        for c, cplan in plans.classes.items():
            if cplan.some or cplan.all_values or cplan.has_value or cplan.intersections:
                live.add(c)
        # a class is live when its membership implies membership of a live class
        implies: dict[OxTerm, set[OxTerm]] = defaultdict(set)
        for c, cplan in plans.classes.items():
            for d in (*cplan.supers, *cplan.components, *cplan.unions):
                implies[d].add(c)
        queue = list(live)
        while queue:
            for c in implies.get(queue.pop(), ()):
                if c not in live:
                    live.add(c)
                    queue.append(c)
        classes = set(plans.classes) | {_key(OWL.Thing)}
        for plan in plans.props.values():
            classes.update(plan.ranges)
        return classes - live


def _key(node: Node) -> OxTerm:
    return to_oxigraph(node)  # type: ignore[arg-type]


def _key_triple(triple: tuple[Node, Node, Node]) -> Fact:
    return _key(triple[0]), _key(triple[1]), _key(triple[2])


def _triple(fact: Fact) -> ox.Triple:
    return ox.Triple(*fact)  # type: ignore[arg-type]


def _fact(triple: ox.Triple) -> Fact:
    return triple.subject, triple.predicate, triple.object  # type: ignore[return-value]


class IncrementalReasoner:
    """The inferred graph of one store kept up to date write by write.

    Built once per ontology; each :meth:`apply` reads the store as it is *before* the
    write (its data graphs, the inferred graph, the ontology) and returns what the write
    changes in the inferred graph. The store is not modified.
    """

    def __init__(
        self, ontology: Graph, layout: Layout | None = None, *, fallback: bool = True
    ) -> None:
        """``fallback``: reason over all the data when a write cannot be followed; without
        it such a write raises :class:`NeedsFullReasoning`, for a caller that would rather
        run that elsewhere (the query engine process, whose time limit stops it)."""
        self.ontology = ontology
        self.layout = layout or Layout()
        self.fallback = fallback
        self._schemas: dict[frozenset[tuple[Node, Node, Node]], _Schema] = {}
        self._clean: _Schema | None = None  # the schema the store was last found clean for
        #: the data's own RDFS/OWL triples while the store is clean: a write followed
        #: incrementally never changes them (one that would is reasoned over in full)
        self._data_schema: frozenset[tuple[Node, Node, Node]] | None = None

    def apply(
        self,
        store: ox.Store,
        removed: Iterable[ox.Quad],
        added: Iterable[ox.Quad],
        previous: Iterable[Inconsistency] = (),
    ) -> InferenceDelta:
        """What removing then adding these quads changes in the inferred graph.

        ``previous``: the problems of the state before (none for a store the build or the
        gate accepted); the result lists all of the new state's.
        """
        write = _Write(store, self.layout, removed, added)
        schema_triples = self._data_schema if self._clean is not None else None
        if schema_triples is None:
            schema_triples = write.data_schema_triples()
        try:
            if any(
                is_schema_triple(t[1].value, t[2]) for t in (*write.unasserted, *write.asserted)
            ):
                raise _NeedsFull("the write changes the schema (RDFS/OWL vocabulary)")
            return _Delta(self._ready(write, schema_triples), write).run(list(previous))
        except _NeedsFull as why:
            self._clean = None
            if not self.fallback:
                raise NeedsFullReasoning(str(why)) from None
            return self._full(write, str(why))

    def prepare(self, store: ox.Store) -> None:
        """Compile the schema and check the store's state now rather than at the first
        write (that check reads all the data once: seconds at a million triples)."""
        write = _Write(store, self.layout, [], [])
        with contextlib.suppress(_NeedsFull):  # then each write reasons in full, and rechecks
            self._ready(write, write.data_schema_triples())

    def forget_state(self) -> None:
        """The store may have changed by other writes than those seen here: check it again
        at the next write for facts the incremental rules cannot follow."""
        self._clean = None

    def _ready(self, write: _Write, data_schema: frozenset[tuple[Node, Node, Node]]) -> _Schema:
        """The compiled schema, once the store was found free of what it cannot follow."""
        schema = self._schema(data_schema)
        if self._clean is not schema:
            self._data_schema = None
            _check_clean(write.store, self.layout, schema)
            self._clean = schema
            self._data_schema = data_schema
        return schema

    def _schema(self, data_schema: frozenset[tuple[Node, Node, Node]]) -> _Schema:
        found = self._schemas.get(data_schema)
        if found is None:
            schema = Graph()
            for triple in self.ontology:
                schema.add(triple)
            for triple in data_schema:
                schema.add(triple)
            found = _Schema(schema_closure(schema))
            self._schemas = {data_schema: found}  # one schema at a time
        return found

    def _full(self, write: _Write, why: str) -> InferenceDelta:
        """:func:`materialise` over all the data after the write, compared with before."""
        result = materialise(self.ontology, write.all_asserted())
        new = set(result.inferred)
        old = {q.triple for q in write.quads(None, None, None, self.layout.inferred)}
        return InferenceDelta(old - new, new - old, result.found, full=why)


class _Write:
    """The store before a write, and the write itself, normalised to triples."""

    def __init__(
        self, store: ox.Store, layout: Layout, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]
    ) -> None:
        self.store, self.layout = store, layout
        removed, added = list(removed), list(added)
        for quad in (*removed, *added):
            if not layout.is_data(quad.graph_name):
                raise ValueError(f"{quad.graph_name} holds no data a write may change here")
        adding = set(added)  # removed, then added: a quad in both stays
        self.removed_quads = {q for q in removed if q in store and q not in adding}
        self.added_quads = {q for q in adding if q not in store}
        self.added_triples = {_fact(q.triple) for q in self.added_quads}
        #: triples asserted before and not after, and after but not before
        self.unasserted = {
            t
            for t in {_fact(q.triple) for q in self.removed_quads}
            if not self.asserted_after(t, data_only=False)
        }
        self.asserted = {t for t in self.added_triples if not self.asserted_before(t, False)}

    def quads(
        self,
        s: OxTerm | None,
        p: OxTerm | None,
        o: OxTerm | None,
        graph: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        if isinstance(s, ox.Literal) or isinstance(p, ox.Literal | ox.BlankNode):
            return iter(())
        return self.store.quads_for_pattern(s, p, o, graph)

    def asserted_before(self, fact: Fact, data_only: bool = True) -> bool:
        layout = self.layout
        for quad in self.quads(*fact):
            if layout.is_data(quad.graph_name) or (
                not data_only and quad.graph_name == layout.ontology
            ):
                return True
        return False

    def asserted_after(self, fact: Fact, data_only: bool = True) -> bool:
        if fact in self.added_triples:
            return True
        layout = self.layout
        for quad in self.quads(*fact):
            if quad in self.removed_quads:
                continue
            if layout.is_data(quad.graph_name) or (
                not data_only and quad.graph_name == layout.ontology
            ):
                return True
        return False

    def data_schema_triples(self) -> frozenset[tuple[Node, Node, Node]]:
        """The data's RDFS/OWL triples after the write, found through the indexes."""
        found: set[ox.Triple] = set()
        patterns: list[tuple[None, ox.NamedNode, ox.NamedNode | None]]
        patterns = [(None, ox.NamedNode(p), None) for p in SCHEMA_PREDICATES]
        patterns += [(None, _TYPE, ox.NamedNode(c)) for c in SCHEMA_TYPES]
        for s, p, o in patterns:
            for quad in self.quads(s, p, o):
                if self.layout.is_data(quad.graph_name) and quad not in self.removed_quads:
                    found.add(quad.triple)
        found.update(
            q.triple for q in self.added_quads if is_schema_triple(q.predicate.value, q.object)
        )
        return frozenset(triple_to_rdflib(t) for t in found)

    def all_asserted(self) -> Iterator[ox.Triple]:
        """Every asserted data triple after the write (for the full fallback)."""
        for quad in self.store:
            if self.layout.is_data(quad.graph_name) and quad not in self.removed_quads:
                yield quad.triple
        for quad in self.added_quads:
            yield quad.triple


def _check_clean(store: ox.Store, layout: Layout, schema: _Schema) -> None:
    """Raise :class:`_NeedsFull` when the store holds facts whose unstored consequences
    the incremental rules would need: data about RDF/OWL terms, literal (or RDF/OWL)
    values of :attr:`_Schema.risky` properties, schema triples inferred from the data.

    One query over the data, once per reasoner (and after a write that fell back): the
    writes the incremental path accepts cannot create such facts.
    """
    built_in = " || ".join(f'STRSTARTS(STR(?{{v}}), "{ns}")' for ns in _BUILT_IN_NAMESPACES)
    skipped = f"{layout.ontology}, {layout.shapes}"
    everywhere = f"{{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g NOT IN ({skipped})) }}"
    if not layout.union:
        everywhere = f"{{ {everywhere} UNION {{ ?s ?p ?o }} }}"
    if store.query(f"ASK {{ {everywhere} FILTER ({built_in.format(v='s')}) }}"):
        raise _NeedsFull("the data describes RDF/OWL terms")
    if schema.risky:
        values = " ".join(str(p) for p in schema.risky)
        value = f"isLiteral(?o) || {built_in.format(v='o')}"
        if store.query(f"ASK {{ VALUES ?p {{ {values} }} {everywhere} FILTER ({value}) }}"):
            raise _NeedsFull("a literal or RDF/OWL value of a property with an inverse or range")
    facts = schema.facts.facts
    patterns: list[tuple[ox.NamedNode, ox.NamedNode | None]]
    patterns = [(ox.NamedNode(p), None) for p in SCHEMA_PREDICATES]
    patterns += [(_TYPE, ox.NamedNode(c)) for c in SCHEMA_TYPES]
    for p, o in patterns:
        for quad in store.quads_for_pattern(None, p, o, layout.inferred):
            if _fact(quad.triple) not in facts:
                raise _NeedsFull("the data implies schema triples")


class _Delta(RuleEngine[OxTerm]):
    """The rules run over the store before the write, what the write removes and adds.

    Three modes read the facts differently: ``delete`` the state before the write;
    ``rederive`` and ``insert`` that state minus the overdeleted facts (:attr:`gone`) plus
    the facts rederived or inserted so far (:attr:`back`).
    """

    def __init__(self, schema: _Schema, write: _Write) -> None:
        self.schema, self.write = schema, write
        self.plans = schema.plans
        self.type = self.plans.type
        self.mode = "delete"
        self.gone: set[Fact] = set()
        self.back = _Index()
        self.rederived: set[Fact] = set()
        self.inserted: set[Fact] = set()
        self.queue: list[Fact] = []
        self._objects: dict[tuple[OxTerm, OxTerm], frozenset[OxTerm]] = {}
        self._subjects: dict[tuple[OxTerm, OxTerm], frozenset[OxTerm]] = {}

    # -- the facts, as the mode reads them --------------------------------------------------

    def _before(self, s: OxTerm | None, p: OxTerm | None, o: OxTerm | None) -> Iterator[Fact]:
        holds_facts = self.write.layout.holds_facts
        for quad in self.write.quads(s, p, o):
            if holds_facts(quad.graph_name):
                yield _fact(quad.triple)

    def objects(self, s: OxTerm, p: OxTerm) -> frozenset[OxTerm] | set[OxTerm]:
        found = self._objects.get((s, p))
        if found is None:
            known = {f[2] for f in self._before(s, p, None)} | self.schema.facts.objects(s, p)
            found = self._objects[s, p] = frozenset(known)
        if self.mode == "delete":
            return found
        gone = self.gone
        return {o for o in found if (s, p, o) not in gone} | self.back.objects(s, p)

    def subjects(self, p: OxTerm, o: OxTerm) -> frozenset[OxTerm] | set[OxTerm]:
        found = self._subjects.get((p, o))
        if found is None:
            known = {f[0] for f in self._before(None, p, o)} | self.schema.facts.subjects(p, o)
            found = self._subjects[p, o] = frozenset(known)
        if self.mode == "delete":
            return found
        gone = self.gone
        return {s for s in found if (s, p, o) not in gone} | self.back.subjects(p, o)

    def has(self, s: OxTerm, p: OxTerm, o: OxTerm) -> bool:
        fact = (s, p, o)
        if self.mode != "delete":
            if fact in self.back.facts:
                return True
            if fact in self.gone:
                return False
        return fact in self.schema.facts.facts or any(self._before(s, p, o))

    def _about(self, x: OxTerm) -> set[Fact]:
        """The facts left with ``x`` as subject or object (rederivation seeds)."""
        found = set(self._before(x, None, None)) | set(self._before(None, None, x))
        found |= self.schema.facts.about.get(x, set())
        return found - self.gone

    # -- deriving ---------------------------------------------------------------------------

    def add(self, s: OxTerm, p: OxTerm, o: OxTerm) -> None:
        fact = (s, p, o)
        if fact in self.schema.facts.facts or not self._visible(fact):
            return
        if self.mode == "delete":
            if fact not in self.gone and not self.write.asserted_after(fact, data_only=False):
                self.gone.add(fact)
                self.queue.append(fact)
        elif self.mode == "rederive":
            if fact in self.gone and fact not in self.rederived:
                self.rederived.add(fact)
                self.back.add(fact)
                self.queue.append(fact)
        elif not self.has(s, p, o):
            self.inserted.add(fact)
            self.back.add(fact)
            self.queue.append(fact)

    def _visible(self, fact: Fact) -> bool:
        """Whether a fact matters; raise :class:`_NeedsFull` for one only a full run can
        follow (a consequence that an unstored tautology of the state could also have)."""
        s, p, o = fact
        if is_tautology(s, p, o):
            if p == self.type and o in self.schema.inert:
                return False
            raise _NeedsFull(f"the write reaches an unstored fact ({_show_fact(fact)})")
        if p in self.schema.risky and (isinstance(o, ox.Literal) or is_built_in(o)):
            raise _NeedsFull(f"a literal or RDF/OWL value of {p} ({_show_fact(fact)})")
        if is_schema_triple(p.value, o):
            raise _NeedsFull(f"the data implies a schema triple ({_show_fact(fact)})")
        return True

    def _step(self, fact: Fact) -> None:
        s, p, o = fact
        self.step(s, p, o)
        # owlrl's one-time rule: an asserted datatype membership implies its supertypes
        if p == self.type and isinstance(o, ox.NamedNode) and o.value in SUBSUMPTIONS:
            write = self.write
            asserted = write.asserted_before if self.mode == "delete" else write.asserted_after
            if not isinstance(s, ox.Literal) and asserted(fact):
                for sup in SUBSUMPTIONS[o.value]:
                    self.add(s, self.type, ox.NamedNode(sup))

    def _drain(self) -> None:
        queue = self.queue
        while queue:
            self._step(queue.pop())

    # -- the three phases -------------------------------------------------------------------

    def run(self, previous: list[Inconsistency]) -> InferenceDelta:
        write = self.write
        self.mode = "delete"
        for fact in write.unasserted:
            if fact not in self.schema.facts.facts and self._visible(fact):
                self.gone.add(fact)
                self.queue.append(fact)
        self._drain()
        self.mode = "rederive"
        for x in {fact[0] for fact in self.gone}:
            for seed in self._about(x):
                self._step(seed)
        self._drain()
        self.mode = "insert"
        for fact in write.asserted:
            self.add(*fact)
            if fact[1] == self.type:
                self._step(fact)  # the one-time rule fires on a new assertion of a fact
        self._drain()
        return self._result(previous)

    def _result(self, previous: list[Inconsistency]) -> InferenceDelta:
        write, inferred = self.write, self.write.layout.inferred
        gone = self.gone - self.rederived - self.inserted
        new = self.inserted - self.gone

        def stored(fact: Fact) -> bool:
            return any(True for _ in write.quads(*fact, inferred))

        removed = {f for f in gone | write.asserted if stored(f)}
        added = {f for f in new if not write.asserted_after(f, data_only=False)}
        added |= {f for f in write.unasserted if f not in gone and not is_tautology(*f)}
        return InferenceDelta(
            {_triple(f) for f in removed},
            {_triple(f) for f in added},
            self._problems(previous, gone | new),
        )

    def _problems(self, previous: list[Inconsistency], changed: set[Fact]) -> list[Inconsistency]:
        """The previous problems, those about what changed found afresh."""
        affected = sorted({f[0] for f in changed} | {f[2] for f in changed}, key=str)
        literals = {
            q.object
            for q in (*self.write.removed_quads, *self.write.added_quads)
            if isinstance(q.object, ox.Literal)
        }
        kept = [
            problem
            for problem in previous
            if problem.about is None
            or problem.about not in (literals if problem.lexical else affected)
        ]

        def show(term: OxTerm) -> str:
            return str(to_rdflib(term))

        found = [
            Inconsistency(message, about)
            for message, about in problems(self.plans, self, show, lambda *_: affected)
        ]
        added = {q.object for q in self.write.added_quads if isinstance(q.object, ox.Literal)}
        present = [lt for lt in literals if lt in added or self._literal_kept(lt)]
        return kept + found + literal_problems(present)

    def _literal_kept(self, literal: ox.Literal) -> bool:
        """Whether a data graph still holds the literal once the write's removals are gone."""
        write = self.write
        return any(
            write.layout.is_data(q.graph_name) and q not in write.removed_quads
            for q in write.quads(None, None, literal)
        )


def _show_fact(fact: Fact) -> str:
    return " ".join(str(term) for term in fact)

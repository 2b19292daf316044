"""Incremental SHACL validation: a write re-checks only the focus nodes it can affect.

Validating a million triples after a one-triple write re-runs some 200 compiled checks
over every focus node. A check's verdict on a node, though, reads only the triples
:mod:`service.graph.shape_dependencies` locates from that node, so after a write:

1. the triples the write changed, as the validation sees the data (the asserted graphs
   and the ontology; the inferred graph is never validated);
2. for each check, the nodes that lead to a changed triple along one of its dependency
   prefixes: walked backwards from the triple through the store's indexes
   (``quads_for_pattern``), shared between checks;
3. each check run on those nodes only: its focus pattern joined with a ``VALUES`` block of
   serialised terms, or, for a blank node (which query text cannot name), with the node
   substituted for ``?this`` by the engine.

The results of those (check, focus node) pairs replace the previous ones; every other
verdict is unchanged, so the state's report is the previous one with them replaced
(:meth:`ValidationDelta.merged`). That equals a full :func:`validate` of the state after
the write: the property test of ``tests/service/test_incremental.py``.

Evaluated in full instead: a check whose dependencies cannot be bounded (see
:class:`shape_dependencies.Unbounded`: reported in :attr:`IncrementalValidator.unbounded`),
every check when the write changes ``rdfs:subClassOf`` (read by every target and class
test), and everything, through :func:`validate`, when some shape is left to pyshacl.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDFS

from service.graph import shacl_sparql
from service.graph.layout import GraphName, Layout
from service.graph.shacl_sparql import Check, Row
from service.graph.shape_dependencies import (
    Dependency,
    Path,
    Repeat,
    Seq,
    Step,
    Targets,
    Unbounded,
    dependencies,
    targets,
)
from service.graph.validate import ValidationOutcome, outcome_of, validate
from service.store.terms import OxTerm, triple_to_rdflib

Term = ox.NamedNode | ox.BlankNode | ox.Literal
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_THIS = ox.Variable("this")
_SUPERCLASSES = Repeat(Step(_SUBCLASS, inverse=True))
_BATCH = 500  # focus nodes per VALUES block


@dataclass
class ValidationDelta:
    """The verdicts a write may have changed, as they are after it.

    ``evaluated`` maps each check re-run to the focus nodes it was re-run on (``None``:
    all of them); ``rows`` are their results. ``outcome`` is the report of those results,
    or, when ``full`` says why everything was validated, of the whole state.
    """

    rows: list[Row] = field(default_factory=list)
    evaluated: dict[Check, frozenset[Term] | None] = field(default_factory=dict)
    full: str | None = None
    #: the whole state's outcome, when ``full`` (else it is the rows' report)
    given: ValidationOutcome | None = None

    @cached_property
    def outcome(self) -> ValidationOutcome:
        """The report, built when first asked for: after a tentative write's checks, once
        readers may start again (the rows hold engine terms, not the store's state)."""
        if self.given is not None:
            return self.given
        return outcome_of(shacl_sparql.report_graph(self.rows)[0])

    def merged(self, previous: Iterable[Row]) -> list[Row]:
        """The state's results: the previous ones, those re-evaluated replaced."""
        evaluated = self.evaluated
        kept = []
        for row in previous:
            nodes = evaluated.get(row.check, frozenset())
            if nodes is None or row.focus in nodes:
                continue
            kept.append(row)
        return kept + self.rows


class IncrementalValidator:
    """The compiled shapes, with what each check reads, ready to validate writes."""

    def __init__(self, shapes: Graph, layout: Layout | None = None) -> None:
        self.shapes = shapes
        self.layout = layout or Layout()
        self.compiled = shacl_sparql.compile_shapes(shapes)
        #: why everything goes through :func:`validate` (shapes left to pyshacl)
        self.everything: str | None = self.compiled.everything_to_pyshacl
        if self.compiled.fallback:
            reasons = self.compiled.fallback_reasons
            self.everything = "shapes left to pyshacl: " + "; ".join(
                f"{shape}: {reasons.get(shape, '?')}" for shape in self.compiled.fallback
            )
        #: the checks evaluated on every focus node at each write, and why
        self.unbounded: dict[Check, str] = {}
        self._reads: dict[Check, frozenset[Dependency]] = {}
        for check in self.compiled.checks:
            try:
                self._reads[check] = dependencies(shapes, check)
            except Unbounded as why:
                self.unbounded[check] = str(why)
        shared: dict[Targets, Targets] = {}
        self._targets: dict[Check, Targets] = {
            check: shared.setdefault(found, found)
            for check in self._reads
            if check.root is not None
            for found in (targets(shapes, check.root),)
        }
        self._steps: dict[ox.NamedNode | None, set[Step]] = defaultdict(set)
        #: for each step, the checks reading it and the paths that lead to it: a write
        #: visits the checks of the steps it changes, not every check
        self._readers: dict[Step, list[tuple[int, Check, Dependency]]] = defaultdict(list)
        for position, (check, reads) in enumerate(self._reads.items()):
            for dependency in reads:
                self._steps[dependency[1].predicate].add(dependency[1])
                self._readers[dependency[1]].append((position, check, dependency))

    def rows(self, store: ox.Store) -> list[Row]:
        """Every check on every focus node: a state's results, to start from."""
        view = _View(store, self.layout)
        return [row for check in self.compiled.checks for row in view.run(check, None)]

    def validate(
        self, store: ox.Store, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]
    ) -> ValidationDelta:
        """Re-check what the write (already applied to ``store``) may have changed."""
        view = _View(store, self.layout)
        changed = view.changed(list(removed), list(added))
        if self.everything is not None:
            return self._everything(view, self.everything)
        if any(t[1] == _SUBCLASS for t in changed):
            plan: dict[Check, frozenset[Term] | None] = dict.fromkeys(self.compiled.checks)
            return self._run(view, plan, "the write changes rdfs:subClassOf")
        plan = dict.fromkeys(self.unbounded)
        focus: dict[Check, frozenset[Term]] = {}
        walked: dict[Dependency, frozenset[Term]] = {}
        reached: dict[int, tuple[Check, set[Term]]] = {}
        for step, found in self._starts(view, changed).items():
            for position, check, dependency in self._readers.get(step, ()):
                if dependency not in walked:
                    walked[dependency] = frozenset(view.back(dependency[0], found))
                reached.setdefault(position, (check, set()))[1].update(walked[dependency])
        for _, (check, nodes) in sorted(reached.items(), key=lambda item: item[0]):
            if nodes:
                plan[check] = frozenset(nodes)
                # only the focus nodes among them can have results after the write
                focus[check] = view.focus_nodes(self._targets[check], nodes)
        return self._run(view, plan, None, focus)

    def _starts(self, view: _View, changed: set[tuple[Term, Term, Term]]) -> dict[Step, set[Term]]:
        """For each step a changed triple matches, the nodes it is read at."""
        starts: dict[Step, set[Term]] = defaultdict(set)
        for s, p, o in changed:
            steps = self._steps.get(p, set()) if isinstance(p, ox.NamedNode) else set()
            for step in steps | self._steps.get(None, set()):
                classes = step.classes
                if classes is not None and p == _TYPE and not view.superclasses(o) & classes:
                    continue
                starts[step].add(o if step.inverse else s)
        return starts

    def _run(
        self,
        view: _View,
        plan: dict[Check, frozenset[Term] | None],
        full: str | None,
        focus: dict[Check, frozenset[Term]] | None = None,
    ) -> ValidationDelta:
        """Run each check of the plan on its nodes (on those of ``focus`` when given)."""
        narrowed = focus or {}
        rows = [
            row
            for check, nodes in plan.items()
            for row in view.run(
                check,
                narrowed.get(check, nodes),
                check in narrowed and self._targets[check].exact,
            )
        ]
        return ValidationDelta(rows, plan, full)

    def _everything(self, view: _View, why: str) -> ValidationDelta:
        ontology = Graph()
        for quad in view.store.quads_for_pattern(None, None, None, self.layout.ontology):
            ontology.add(triple_to_rdflib(quad.triple))
        shapes = Graph()
        for triple in self.shapes:
            shapes.add(triple)
        outcome = validate(view.data_quads(), shapes, ontology)
        return ValidationDelta(full=why, given=outcome)


class _View:
    """The store as validation reads it: the asserted graphs and the ontology."""

    def __init__(self, store: ox.Store, layout: Layout) -> None:
        self.store, self.layout = store, layout
        self.graphs: list[GraphName] = [ox.DefaultGraph()] if not layout.union else []
        self.graphs += [g for g in store.named_graphs() if layout.is_validated(g)]
        self._superclasses: dict[Term, frozenset[Term]] = {}
        self._types: dict[Term, frozenset[Term]] = {}
        self._focus: dict[tuple[int, Term], bool] = {}
        self._linked: dict[tuple[Term, ox.NamedNode, bool], bool] = {}

    def _quads(
        self, s: OxTerm | None, p: ox.NamedNode | None, o: OxTerm | None
    ) -> Iterator[ox.Quad]:
        if isinstance(s, ox.Literal):
            return
        validated = self.layout.is_validated
        for quad in self.store.quads_for_pattern(s, p, o):
            if validated(quad.graph_name):
                yield quad

    def changed(
        self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad]
    ) -> set[tuple[Term, Term, Term]]:
        """The triples the write (applied to the store) added to or removed from the view."""
        if any(q.graph_name == self.layout.shapes for q in (*removed, *added)):
            raise ValueError("a write to the shapes needs a new validator")
        validated = self.layout.is_validated
        new = {q for q in added if validated(q.graph_name)}
        gone: dict[ox.Triple, set[ox.Quad]] = defaultdict(set)
        for quad in removed:
            if validated(quad.graph_name):
                gone[quad.triple].add(quad)
        found: set[tuple[Term, Term, Term]] = set()
        for t in {q.triple for q in new} | set(gone):
            after = set(self._quads(t.subject, t.predicate, t.object))  # type: ignore[arg-type]
            before = (after - new) | gone.get(t, set())
            if bool(after) != bool(before):
                found.add((t.subject, t.predicate, t.object))  # type: ignore[arg-type]
        return found

    def focus_nodes(self, targets: Targets, nodes: Iterable[Term]) -> frozenset[Term]:
        """Those of ``nodes`` that are focus nodes of a shape with these targets now."""
        if not targets.exact:
            return frozenset(nodes)
        return frozenset(n for n in nodes if self._is_focus(targets, n))

    def _is_focus(self, targets: Targets, n: Term) -> bool:
        key = (id(targets), n)  # the validator shares one Targets among equal ones
        found = self._focus.get(key)
        if found is None:
            found = self._focus[key] = self._targeted(targets, n)
        return found

    def _targeted(self, targets: Targets, n: Term) -> bool:
        if n in targets.nodes:
            return True
        if any(self._uses(n, p, True) for p in targets.subjects_of):
            return True
        if any(self._uses(n, p, False) for p in targets.objects_of):
            return True
        if not targets.classes or isinstance(n, ox.Literal):
            return False
        return not self._classes(n).isdisjoint(targets.classes)

    def _classes(self, n: Term) -> frozenset[Term]:
        """The classes ``n`` is an instance of, its types' superclasses included."""
        found = self._types.get(n)
        if found is None:
            types = {q.object for q in self._quads(n, _TYPE, None)}
            found = self._types[n] = frozenset().union(*(self.superclasses(c) for c in types))  # type: ignore[arg-type]
        return found

    def _uses(self, n: Term, p: ox.NamedNode, as_subject: bool) -> bool:
        """Whether ``n`` is a subject (or an object) of ``p``: asked once per node and
        predicate, however many shapes target ``p``'s subjects or objects."""
        found = self._linked.get((n, p, as_subject))
        if found is None:
            quads = self._quads(n, p, None) if as_subject else self._quads(None, p, n)
            found = self._linked[n, p, as_subject] = any(True for _ in quads)
        return found

    def superclasses(self, c: Term) -> frozenset[Term]:
        """A class and every class it is a subclass of, in the data and the ontology."""
        found = self._superclasses.get(c)
        if found is None:
            found = self._superclasses[c] = frozenset(self.back(_SUPERCLASSES, {c}))
        return found

    def back(self, path: Path, nodes: Iterable[Term]) -> set[Term]:
        """The nodes F with ``F path n`` for some n of ``nodes``."""
        nodes = set(nodes)
        if not nodes:
            return nodes
        if isinstance(path, Step):
            found: set[Term] = set()
            for n in nodes:
                if path.inverse:
                    found.update(q.object for q in self._quads(n, path.predicate, None))  # type: ignore[misc]
                else:
                    found.update(q.subject for q in self._quads(None, path.predicate, n))  # type: ignore[misc]
            return found
        if isinstance(path, Seq):
            for part in reversed(path.parts):
                nodes = self.back(part, nodes)
            return nodes
        if not isinstance(path, Repeat):
            return {f for option in path.options for f in self.back(option, nodes)}
        if path.at_most_one:
            return nodes | self.back(path.inner, nodes)
        reached, frontier = set(nodes), set(nodes)
        while frontier:
            frontier = self.back(path.inner, frontier) - reached
            reached |= frontier
        return self.back(path.inner, reached) if path.at_least_one else reached

    def run(
        self, check: Check, nodes: frozenset[Term] | None, focus_known: bool = False
    ) -> Iterator[Row]:
        """The check's results on these focus nodes (all of them for ``None``);
        ``focus_known``: each of ``nodes`` is known to be a focus node of the check."""
        if nodes is None:
            yield from self._rows(check, check.query, None)
            return
        named = sorted((n for n in nodes if not isinstance(n, ox.BlankNode)), key=str)
        for i in range(0, len(named), _BATCH):
            values = " ".join(str(n) for n in named[i : i + _BATCH])
            block = f"VALUES ?this {{ {values} }}"
            query = shacl_sparql.restricted(check, block, focus_known=focus_known)
            yield from self._rows(check, query, None)
        for blank in nodes:
            if isinstance(blank, ox.BlankNode):
                yield from self._rows(check, check.query, blank)

    def _rows(self, check: Check, query: str, this: ox.BlankNode | None) -> Iterator[Row]:
        substitutions: dict[ox.Variable, Term | ox.Triple] | None = None
        if this is not None:
            substitutions = {_THIS: this}
        solutions = self.store.query(query, default_graph=self.graphs, substitutions=substitutions)
        assert isinstance(solutions, ox.QuerySolutions)
        return shacl_sparql.solution_rows(check, solutions)

    def data_quads(self) -> list[ox.Quad]:
        """The asserted data, for a full validation."""
        layout = self.layout
        return [q for q in self.store if layout.is_data(q.graph_name)]

"""The OWL 2 RL consistency rules over a complete set of facts, in the build's own words.

Each rule is a question about one individual (its types, its values of a property), so the
same code serves both reasoners: :mod:`service.graph.materialise` asks it about every
individual a rule can concern, :mod:`service.graph.incremental_reasoning` only about the
individuals whose facts a write changed. Every problem comes with the individual it was
found on, so that a write can replace exactly the problems it may have changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol, TypeVar

from rdflib import Literal
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from service.graph.owl_rules import Plans
from service.store.terms import OxTerm

K = TypeVar("K")

#: The consistency rules by the name :class:`Plans` files them under.
DISJOINT, COMPLEMENT = str(OWL.disjointWith), str(OWL.complementOf)
PROPERTY_DISJOINT, MAX_CARDINALITY = str(OWL.propertyDisjointWith), str(OWL.maxCardinality)
FUNCTIONAL, INVERSE_FUNCTIONAL = str(OWL.FunctionalProperty), str(OWL.InverseFunctionalProperty)
IRREFLEXIVE, ASYMMETRIC = str(OWL.IrreflexiveProperty), str(OWL.AsymmetricProperty)
ALL_DISJOINT = str(OWL.AllDisjointClasses)
NOTHING = "nothing"  # not a schema check: anything typed owl:Nothing


@dataclass(frozen=True)
class Inconsistency:
    """One problem of a state, with what it was found on: an individual (``lexical``
    false), a literal whose lexical form its datatype rejects (``lexical`` true), or
    nothing for what owlrl found in the schema itself."""

    message: str
    about: OxTerm | None = None
    lexical: bool = False


def messages(found: Iterable[Inconsistency]) -> list[str]:
    """The problems as the build reports them: each message once, sorted."""
    return sorted({problem.message for problem in found})


class Facts(Protocol[K]):
    """What the rules read: the complete facts of one state."""

    def has(self, s: K, p: K, o: K) -> bool: ...

    def objects(self, s: K, p: K) -> AbstractSet[K]: ...

    def subjects(self, p: K, o: K) -> AbstractSet[K]: ...


#: The individuals a rule must look at: ``(rule, schema subject, schema object) -> keys``.
Candidates = Callable[[str, Node, Node], Iterable[K]]


def problems(
    plans: Plans[K], facts: Facts[K], show: Callable[[K], str], candidates: Candidates[K]
) -> Iterator[tuple[str, K]]:
    """Every inconsistency among the candidates, with the individual it concerns.

    A merge by ``owl:sameAs`` (functional and inverse-functional properties, maximum
    cardinalities) is reported once per pair, from each individual whose values force it.
    """
    typ, key, closure = plans.type, plans.key, plans.closure
    prefix = "OWL RL inconsistency: "

    def merges(about: K, values: AbstractSet[K]) -> Iterator[tuple[str, K]]:
        shown = sorted(show(v) for v in values)
        for i, a in enumerate(shown):
            for b in shown[i + 1 :]:
                if a != b:
                    yield f"owl:sameAs merges two distinct resources: <{a}> = <{b}>", about

    for kind, s, o in plans.checks:
        found = candidates(kind, s, o)
        if kind in (DISJOINT, COMPLEMENT):
            c1, c2 = key(s), key(o)
            for x in found:
                if facts.has(x, typ, c1) and facts.has(x, typ, c2):
                    if kind == DISJOINT:
                        message = f"Disjoint classes {s} and {o} have a common individual"
                    else:
                        message = f"Violation of complementarity for classes {s} and {o} on element"
                    yield f"{prefix}{message} {show(x)}", x
        elif kind == PROPERTY_DISJOINT:
            p1, p2 = key(s), key(o)
            for x in found:
                for y in facts.objects(x, p1) & facts.objects(x, p2):
                    yield (
                        (
                            f"{prefix}Erroneous usage of disjoint properties {s} and {o} on "
                            f"{show(x)} and {show(y)}"
                        ),
                        x,
                    )
        elif kind == MAX_CARDINALITY:
            r = key(s)
            props = [key(prop) for prop in closure.objects(s, OWL.onProperty)]
            for x in found:
                if not facts.has(x, typ, r):
                    continue
                for prop in props:
                    values = facts.objects(x, prop)
                    if values and isinstance(o, Literal) and o.value == 0:
                        yield (
                            (
                                f"{prefix}Erroneous usage of maximum cardinality with {s} and "
                                f"{min(show(v) for v in values)}"
                            ),
                            x,
                        )
                    elif len(values) > 1:
                        yield from merges(x, values)
        elif kind == FUNCTIONAL:
            p = key(s)
            for x in found:
                yield from merges(x, facts.objects(x, p))
        elif kind == INVERSE_FUNCTIONAL:
            p = key(s)
            for y in found:
                yield from merges(y, facts.subjects(p, y))
        elif kind == IRREFLEXIVE:
            p = key(s)
            for x in found:
                if facts.has(x, p, x):
                    yield f"{prefix}Irreflexive property used on {show(x)} with {s}", x
        elif kind == ASYMMETRIC:
            p = key(s)
            for x in found:
                for y in facts.objects(x, p):
                    if facts.has(y, p, x):
                        yield (
                            (
                                f"{prefix}Erroneous usage of asymmetric property {s} on {show(x)} "
                                f"and {show(y)}"
                            ),
                            x,
                        )
        elif kind == ALL_DISJOINT:
            for head in closure.objects(s, OWL.members):
                classes = list(closure.items(head))
                for x in found:
                    for i, first in enumerate(classes):
                        for second in classes[i + 1 :]:
                            if facts.has(x, typ, key(first)) and facts.has(x, typ, key(second)):
                                message = f"Disjoint classes {first} and {second} have a common"
                                yield f"{prefix}{message} individual {show(x)}", x
    nothing = key(OWL.Nothing)
    for x in candidates(NOTHING, OWL.Nothing, RDF.type):
        if facts.has(x, typ, nothing):
            yield f"{prefix}{show(x)} is defined of type 'Nothing'", x
            yield f"<{show(x)}> is inferred to be an owl:Nothing (unsatisfiable)", x

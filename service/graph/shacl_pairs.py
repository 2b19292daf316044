"""Components that compare the values of a focus node with those of another property
(sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals, SHACL 4.4), and sh:closed
(4.8.1), as SPARQL patterns the compiler joins with the focus nodes.

Each comes twice: as patterns binding ``?value`` to every value that violates it, after the
focus pattern of a top-level shape (one query per pattern), and as a boolean expression
for a node tested inside sh:and, sh:or, sh:not, sh:xone or sh:node. In both, every variable
from outside is bound by a triple pattern of the group that reads it.
"""

from __future__ import annotations

from rdflib.namespace import SH

from service.graph.shacl_store import compare

PAIR_COMPONENTS = {
    SH.equals: "EqualsConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
}
_ORDER = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}


class NeedsPath(Exception):
    """sh:lessThan and sh:lessThanOrEquals are defined on property shapes only."""


def violations(component: object, path: str | None, other: str) -> list[tuple[str, str]]:
    """(projection, pattern) pairs: each pattern follows the focus pattern (``?this``) and
    binds the values that violate ``component`` against property ``other``."""
    if path is None:  # the value node is the focus node itself
        if component == SH.equals:
            return [
                ("?value", f"?this {other} ?value FILTER (!sameTerm(?value, ?this))"),
                ("(?this AS ?value)", f"FILTER NOT EXISTS {{ ?this {other} ?this }}"),
            ]
        if component == SH.disjoint:
            return [("(?this AS ?value)", f"?this {other} ?this .")]
        raise NeedsPath(str(component))
    if component == SH.equals:
        return [
            ("?value", f"?this {path} ?value FILTER NOT EXISTS {{ ?this {other} ?value }}"),
            ("?value", f"?this {other} ?value FILTER NOT EXISTS {{ ?this {path} ?value }}"),
        ]
    if component == SH.disjoint:
        return [("?value", f"?this {path} ?value . ?this {other} ?value .")]
    # one result per pair of values that compare wrongly (?_other keeps the pairs apart)
    below = compare("?value", _ORDER[component], "?_other")  # type: ignore[index]
    return [("?value ?_other", f"?this {path} ?value . ?this {other} ?_other FILTER (!{below})")]


def holds(component: object, v: str, path: str | None, other: str, x: str, y: str) -> str:
    """True when node ``v`` satisfies ``component`` (``x``, ``y``: fresh variables)."""
    if path is None:
        if component == SH.equals:
            return (
                f"(EXISTS {{ {v} {other} {v} }} && "
                f"NOT EXISTS {{ {v} {other} {x} FILTER (!sameTerm({x}, {v})) }})"
            )
        if component == SH.disjoint:
            return f"NOT EXISTS {{ {v} {other} {v} }}"
        raise NeedsPath(str(component))
    if component == SH.equals:
        return (
            f"(NOT EXISTS {{ {v} {path} {x} FILTER NOT EXISTS {{ {v} {other} {x} }} }} && "
            f"NOT EXISTS {{ {v} {other} {x} FILTER NOT EXISTS {{ {v} {path} {x} }} }})"
        )
    if component == SH.disjoint:
        return f"NOT EXISTS {{ {v} {path} {x} . {v} {other} {x} }}"
    below = compare(x, _ORDER[component], y)  # type: ignore[index]
    return f"NOT EXISTS {{ {v} {path} {x} . {v} {other} {y} FILTER (!{below}) }}"


def outside(allowed: list[str], predicate: str) -> str:
    """A filter keeping the properties a closed shape does not allow."""
    return f"FILTER ({predicate} NOT IN ({', '.join(allowed)}))" if allowed else ""

"""Components that compare the values of a focus node with those of another property
(sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals, SHACL 4.4), and sh:closed
(4.8.1), as SPARQL patterns the compiler joins with the focus nodes.

Each is a list of patterns matching its violations: after the focus pattern of a top-level
shape, one query per pattern; for a node tested inside sh:and, sh:or, sh:not, sh:xone or
sh:node, a conjunction of ``NOT EXISTS`` (the engine's EXISTS sees the outer bindings).
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


def violations(
    component: object, v: str, path: str | None, other: str, x: str, y: str
) -> list[str]:
    """Group patterns, each binding ``x`` to a value node of ``v`` that violates
    ``component`` against the property ``other`` (``y``: the other property's value it
    compared wrongly with). A node shape's one value node is ``v`` itself."""
    if path is None:
        if component not in (SH.equals, SH.disjoint):
            raise NeedsPath(str(component))
        values, member = f"BIND ({v} AS {x})", f"sameTerm({x}, {v})"
    else:
        values, member = f"{v} {path} {x} .", f"EXISTS {{ {v} {path} {x} }}"
    if component == SH.equals:
        return [
            f"{values} FILTER NOT EXISTS {{ {v} {other} {x} }}",
            f"{v} {other} {x} FILTER (!{member})",
        ]
    if component == SH.disjoint:
        return [f"{values} {v} {other} {x} ."]
    below = compare(x, _ORDER[component], y)  # type: ignore[index]
    return [f"{values} {v} {other} {y} FILTER (!{below})"]


def holds(component: object, v: str, path: str | None, other: str, x: str, y: str) -> str:
    """True when node ``v`` satisfies ``component`` (``x``, ``y``: fresh variables)."""
    found = violations(component, v, path, other, x, y)
    return "(" + " && ".join(f"NOT EXISTS {{ {pattern} }}" for pattern in found) + ")"


def outside(allowed: list[str], predicate: str) -> str:
    """A filter keeping the properties a closed shape does not allow."""
    return f"FILTER ({predicate} NOT IN ({', '.join(allowed)}))" if allowed else ""

"""Whether a SPARQL-based constraint means the same joined with its focus nodes as it does
with ``$this`` pre-bound (SHACL 5.3.1), decided on the query's algebra.

The compiled path runs a constraint's SELECT once over all the data and joins its solutions
with the focus nodes on ``?this``. That is what pre-binding means only when the query binds
``?this`` itself, in its basic graph patterns, before any expression reads it: in
``SELECT $this WHERE { FILTER ($this > 4) }`` the filter would see ``?this`` unbound and drop
every solution, where pre-binding reports each focus node above 4. So the algebra (rdflib's
translation) is walked, and only a small fragment is accepted: basic graph patterns and
their joins, FILTER and BIND over them, projection, DISTINCT, ORDER BY, LIMIT. Anything else
(UNION, OPTIONAL, MINUS, GROUP BY, VALUES, subqueries, GRAPH) goes to pyshacl.
"""

from __future__ import annotations

from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

THIS = Variable("this")
_PASS_THROUGH = frozenset({"SelectQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy"})


class _Outside(Exception):
    """A construct outside the accepted fragment, or ``?this`` read before it is bound."""


def joinable(text: str) -> bool:
    """True when joining the solutions of ``text`` with the focus nodes on ``?this`` gives
    what pre-binding ``$this`` gives."""
    try:
        query = prepareQuery(text)
    except Exception:  # rdflib reports a syntax error or an unknown prefix as any Exception
        return False
    try:
        return THIS in _bound(query.algebra)
    except _Outside:
        return False


def _bound(node: CompValue) -> set[Variable]:
    """The variables every solution of ``node`` binds; raises when ``?this`` is read where
    it may be unbound, or on a construct outside the fragment."""
    name = node.name
    if name == "BGP":
        return {term for triple in node.triples for term in triple if isinstance(term, Variable)}
    if name == "Join":
        return _bound(node.p1) | _bound(node.p2)
    if name in ("Filter", "Extend"):
        bound = _bound(node.p)
        if THIS not in bound and _reads_this(node.expr):
            raise _Outside(f"?this read by {name} before it is bound")
        return bound | ({node.var} if name == "Extend" else set())
    if name in _PASS_THROUGH:
        return _bound(node.p)
    raise _Outside(name)


def _reads_this(expression: object) -> bool:
    """Whether ``?this`` occurs anywhere in an expression, EXISTS patterns included."""
    if expression == THIS:
        return True
    if isinstance(expression, dict):  # CompValue is an ordered dict of its parts
        return any(_reads_this(part) for key, part in expression.items() if key != "_vars")
    if isinstance(expression, list | tuple | set):
        return any(_reads_this(part) for part in expression)
    return False

"""The validator's engine store, where every term is the one it was given.

The engine stores the literals of the XSD types it knows by their value: "4.0"^^xsd:decimal
comes back as "4"^^xsd:decimal, "1"^^xsd:boolean as "true", and "12"^^xsd:byte as
"12"^^xsd:integer. SHACL's core components read terms, not values: ``sh:datatype``
compares datatype IRIs, ``sh:pattern`` and ``sh:maxLength`` read lexical forms, counts
and ``sh:in`` compare terms, and a report names each value as written. So a literal the
engine would change (a *changed* literal, found by giving each distinct typed literal to
the engine once) is stored as a *surrogate* the engine keeps verbatim: the same lexical
form, the datatype IRI behind :data:`SURROGATE`. The compiled checks read a surrogate
through :func:`datatype_test` and :func:`compare`, and the report gets the literal back.

SPARQL-based constraints (``sh:sparql``) are the user's own queries, meant for the data as
the engine holds it (the semantics of ``/sparql``): they run last, once the surrogates have
been swapped for the literals themselves. Either way every check is one query over the
union of the store's graphs; most data has no changed literal and is stored as given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib.namespace import XSD

SURROGATE = "urn:esskg:shacl:as-given:"
_EXACT_GRAPH = ox.NamedNode("urn:esskg:shacl:as-given")
_PROBE = ox.NamedNode("urn:esskg:shacl:probe")

#: Datatypes the engine stores by value (its ``numeric_encoder``): only their literals can
#: come back changed; every other literal is kept exactly as given.
NATIVE = frozenset(
    str(XSD[name])
    for name in (
        "boolean", "float", "double", "decimal", "integer", "byte", "short", "int", "long",
        "unsignedByte", "unsignedShort", "unsignedInt", "unsignedLong", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "nonNegativeInteger", "dateTime",
        "dateTimeStamp", "time", "date", "gYearMonth", "gYear", "gMonthDay", "gDay", "gMonth",
        "duration", "yearMonthDuration", "dayTimeDuration",
    )
)  # fmt: skip

_NATIVE_NODES = frozenset(ox.NamedNode(iri) for iri in NATIVE)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def changed_literals(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """The literals the engine would store differently, each with what it would store."""
    given = list(dict.fromkeys(literals))
    if not given:
        return {}
    probe = ox.Store()
    probe.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:i:{i}"), _PROBE, literal) for i, literal in enumerate(given)
    )
    changed: dict[ox.Literal, ox.Literal] = {}
    for quad in probe:
        original, stored = given[int(quad.subject.value[6:])], quad.object
        if stored != original and isinstance(stored, ox.Literal):
            changed[original] = stored
    return changed


def surrogate(literal: ox.Literal) -> ox.Literal:
    return ox.Literal(literal.value, datatype=ox.NamedNode(SURROGATE + literal.datatype.value))


@lru_cache(maxsize=4096)
def as_stored(term: Term) -> Term:
    """How a constant of the shapes is written in a query so that it matches the same term
    of the data: a changed literal by its surrogate."""
    if isinstance(term, ox.Literal) and term.datatype.value in NATIVE and changed_literals([term]):
        return surrogate(term)
    return term


def datatype_test(value: str, datatype: str) -> str:
    """True when ``value`` is a literal of exactly ``datatype``, stored as given or not."""
    test = f"datatype({value}) = <{datatype}>"
    if datatype in NATIVE:
        test = f"({test} || datatype({value}) = <{SURROGATE}{datatype}>)"
    return f"(isLiteral({value}) && {test})"


def _decoded(term: str) -> str:
    """The literal a surrogate stands for (the engine then holds it by value); an error for
    any other term, so only called where a plain comparison failed."""
    datatype = f"STR(DATATYPE({term}))"
    return (
        f'IF(STRSTARTS({datatype}, "{SURROGATE}"), '
        f'STRDT(STR({term}), IRI(STRAFTER({datatype}, "{SURROGATE}"))), {term})'
    )


def compare(left: str, op: str, right: str) -> str:
    """``left op right`` on values, false where undefined (never an error): a surrogate is
    compared by the value of the literal it stands for."""
    return f"COALESCE({left} {op} {right}, {_decoded(left)} {op} {_decoded(right)}, false)"


class ExactStore:
    """An in-memory engine store of the data and the ontology, terms exactly as given.

    Everything is loaded as it is, in the engine's own loop; then each quad whose literal
    the engine changed loses its changed copy (unless that copy was also given as such) to
    a surrogate. The copies come back for the engine's view.
    """

    def __init__(self, sources: Iterable[Iterable[ox.Quad]]) -> None:
        self.store = ox.Store()
        typed: list[ox.Quad] = []
        for source in sources:
            quads = source if isinstance(source, list) else list(source)
            typed += _typed(quads)
            self.store.bulk_extend(quads)
        changed = changed_literals(q.object for q in typed)  # type: ignore[misc]
        self._exact: list[ox.Quad] = []  # the surrogates
        self._copies: list[ox.Quad] = []  # what the engine made of the changed literals
        # per value the engine holds, the literals given for it (when one of them changed)
        self._given: dict[Term, set[ox.Literal]] = defaultdict(set)
        if changed:
            values = set(changed.values())
            as_given = {q for q in typed if q.object in values}
            for quad in typed:
                literal: ox.Literal = quad.object  # type: ignore[assignment]
                if literal in changed:
                    s, p, g = quad.subject, quad.predicate, quad.graph_name
                    self._exact.append(ox.Quad(s, p, surrogate(literal), _EXACT_GRAPH))
                    self._given[changed[literal]].add(literal)
                    copy = ox.Quad(s, p, changed[literal], g)
                    if copy not in as_given:
                        self._copies.append(copy)
                elif literal in values:
                    self._given[literal].add(literal)
            for quad in self._copies:
                self.store.remove(quad)
            self.store.bulk_extend(self._exact)
        self._engine_view = False

    def query(self, text: str, *, engine_view: bool = False) -> ox.QuerySolutions:
        """Run a check; ``engine_view`` for SPARQL-based constraints (after all others)."""
        if engine_view and not self._engine_view:
            self._engine_view = True
            for quad in self._exact:
                self.store.remove(quad)
            self.store.bulk_extend(self._copies)
        elif self._engine_view and not engine_view:
            raise RuntimeError("core checks run before the SPARQL-based constraints")
        solutions = self.store.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def given(self, term: Term) -> Term:
        """The term of the data a query answered with: a surrogate's literal; in the engine's
        view, the one literal given for a value (the value itself when several were)."""
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            if datatype.startswith(SURROGATE):
                original = ox.NamedNode(datatype.removeprefix(SURROGATE))
                return ox.Literal(term.value, datatype=original)
            given = self._given.get(term)
            if self._engine_view and given and len(given) == 1:
                return next(iter(given))
        return term


def _typed(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads whose literal the engine may change.

    The one pass over the data in Python: a type test per quad (a fraction of the engine's
    own loading time), so that only typed literals go to :func:`changed_literals`.
    """
    literal, native = ox.Literal, _NATIVE_NODES
    return [q for q in quads if type(o := q.object) is literal and o.datatype in native]

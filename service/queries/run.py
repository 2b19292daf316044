"""Running a canned query: parameters to terms, one binding path, pages with a real count.

Parameters are bound by :func:`service.sparql.binding.bind_variables`, which writes them as
serialised RDF terms in a ``VALUES`` block; the page and the count are then derived from that
bound text by appending integers we computed (``LIMIT``/``OFFSET``) or by wrapping it in a
``COUNT`` subquery, so no client string is ever part of the query's text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice

from rdflib import URIRef

from service.queries.catalogue import CannedQuery, Catalogue, split_prologue
from service.queries.params import InvalidParameter, ParamSpec, to_term
from service.sparql.binding import bind_variables
from service.store.base import Store, Term

MAX_PER_PAGE = 1000
COUNT_VAR = "esskg_row_count"
_RDF_TYPE_PATH = "a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_SUBCLASS_PATH = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


@dataclass(frozen=True)
class PageInfo:
    """Where a page sits in the whole answer; ``total`` comes from a COUNT query."""

    page: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class Plan:
    """The texts that answer one request: the (paged) query and, when paged, its count."""

    text: str
    count_text: str | None = None
    page: int | None = None
    per_page: int | None = None

    def page_info(self, total: int) -> PageInfo | None:
        if self.page is None or self.per_page is None:
            return None
        return PageInfo(self.page, self.per_page, total)


def _membership_check(spec: ParamSpec) -> str | None:
    if spec.class_iri:
        return f"ASK {{ ?value {_RDF_TYPE_PATH} ?class }}"
    if spec.subclass_of:
        return f"ASK {{ ?value {_SUBCLASS_PATH} ?class }}"
    return None


#: Asks whether a value is a member of a class (an ASK text and its bindings).
MemberCheck = Callable[[str, tuple[tuple[str, Term], ...]], bool]


def is_member(store: Store, check: str, bindings: tuple[tuple[str, Term], ...]) -> bool:
    """One membership check: the web API runs it as a job of the query engine."""
    return store.ask(check, bindings=dict(bindings))


def resolve_params(
    query: CannedQuery, raw: Mapping[str, str], member: MemberCheck
) -> dict[str, Term]:
    """The bindings for ``raw`` request values: typed, defaulted and checked against the data
    (by ``member``, e.g. ``functools.partial(is_member, store)``)."""
    declared = {p.name: p for p in query.header.params}
    for name in raw:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise InvalidParameter(name, f"a declared parameter of this query (known: {known})")
    bindings: dict[str, Term] = {}
    for name, spec in declared.items():
        value = raw.get(name, spec.default)
        if value is None:
            if spec.required:
                raise InvalidParameter(name, spec.expected + " (required)")
            continue
        term = to_term(spec, value)
        check = _membership_check(spec)
        if check is not None:
            kind = spec.class_iri or spec.subclass_of
            assert kind is not None
            if not member(check, (("value", term), ("class", _iri(kind)))):
                raise InvalidParameter(name, spec.expected, value[:100])
        bindings[name] = term
    return bindings


def _iri(value: str) -> Term:
    return URIRef(value)


def count_query(bound_text: str) -> str:
    """A query counting the solutions of a bound SELECT (one row, one integer)."""
    prologue, body = split_prologue(bound_text)
    return f"{prologue}SELECT (COUNT(*) AS ?{COUNT_VAR}) WHERE {{\n{body}\n}}"


def plan(
    query: CannedQuery,
    bindings: Mapping[str, Term],
    *,
    page: int | None = None,
    per_page: int | None = None,
) -> Plan:
    """What to run for ``query``: a paginated SELECT answers one page and counts the whole.

    The texts are only built here; where they run (in-process, or in a worker that the
    time limit can stop) is the caller's choice.
    """
    bound = bind_variables(query.text, bindings)
    if not query.paginated:
        return Plan(bound)
    size = per_page or query.header.pagination or MAX_PER_PAGE
    number = page or 1
    if not 1 <= size <= MAX_PER_PAGE:
        raise InvalidParameter("per_page", f"an integer between 1 and {MAX_PER_PAGE}")
    if number < 1:
        raise InvalidParameter("page", "an integer of at least 1")
    paged = f"{bound}\nLIMIT {int(size)} OFFSET {int((number - 1) * size)}\n"
    return Plan(paged, count_query(bound), number, size)


#: An enumerated parameter: (query id, parameter, class IRI, whether instances or subclasses).
Enumerated = tuple[str, str, str, bool]


def enumerated(catalogue: Catalogue) -> tuple[Enumerated, ...]:
    """Every enumerated parameter of the catalogue."""
    found = []
    for query in catalogue:
        for spec in query.header.params:
            if spec.enumerated:
                kind = spec.class_iri or spec.subclass_of
                assert kind is not None
                found.append((query.id, spec.name, kind, spec.class_iri is not None))
    return tuple(found)


def enumerations(
    store: Store, parameters: tuple[Enumerated, ...], cap: int
) -> dict[tuple[str, str], list[str]]:
    """Values of every enumerated parameter, drawn from the data (for OpenAPI ``enum``), at
    most ``cap`` each; the web API runs it as a job of the query engine."""
    found: dict[tuple[str, str], list[str]] = {}
    for query_id, name, kind, instances in parameters:
        path = _RDF_TYPE_PATH if instances else _SUBCLASS_PATH
        result = store.query(
            f"SELECT DISTINCT ?value WHERE {{ ?value {path} ?class . FILTER(isIRI(?value)) }}"
            " ORDER BY ?value",
            bindings={"class": _iri(kind)},
        )
        rows = islice(result.rows(), cap)
        found[(query_id, name)] = [str(r["value"]) for r in rows if "value" in r]
    return found

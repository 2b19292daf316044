"""Content negotiation: which serialisation answers a request, and the response that carries it.

Public API, shared by ``/sparql``, ``/graphs`` and the canned queries:

* :func:`choose_format` picks a :class:`~service.formats.Format` from ``Accept`` (q-values,
  wildcards, media-type parameters) or a ``format=`` parameter (what browsers can send), for
  the kind of answer (SELECT/ASK results or RDF), raising :class:`NotAcceptable` otherwise;
* :func:`result_response` turns a :class:`QueryResult` into a response whose Content-Type
  matches the body, with ``Vary: Accept``; :func:`body_response` does the same for bytes
  that were serialised elsewhere (the query engine process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Response

from service.errors import NotAcceptable
from service.formats import (
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDF_FORMATS,
    RDFXML,
    RESULT_FORMATS,
    RESULTS_CSV,
    RESULTS_JSON,
    RESULTS_TSV,
    RESULTS_XML,
    TRIG,
    TURTLE,
    Format,
)
from service.store.base import QueryKind, QueryResult

#: What each kind of answer can be written as, the default first.
CHOICES: dict[QueryKind, tuple[Format, ...]] = {
    QueryKind.SELECT: (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV),
    QueryKind.ASK: (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV),
    QueryKind.GRAPH: (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS),
}

#: Media types clients send for the same serialisations.
_SYNONYMS: dict[str, Format] = {
    "application/json": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
    "application/x-turtle": TURTLE,
    "text/n3": TURTLE,
    "text/plain": NTRIPLES,
    "application/json+ld": JSONLD,
    "application/x-trig": TRIG,
}

#: For GRAPH answers, JSON and XML requests mean their RDF counterparts.
_RDF_SYNONYMS: dict[str, Format] = {
    "application/json": JSONLD,
    "application/xml": RDFXML,
    "text/xml": RDFXML,
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


@lru_cache(maxsize=512)
def parse_accept(header: str) -> tuple[MediaRange, ...]:
    """Media ranges of an Accept header; malformed pieces are skipped, as RFC 9110 allows."""
    ranges = []
    for order, piece in enumerate(header.split(",")):
        media, *params = (p.strip() for p in piece.split(";"))
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        main, _, sub = media.lower().partition("/")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q, order))
    return tuple(ranges)


def _by_name(kind: QueryKind) -> dict[str, Format]:
    names: dict[str, Format] = {}
    for fmt in CHOICES[kind]:
        names[fmt.name] = fmt
        names[fmt.media_type] = fmt
        for alias in fmt.aliases:
            names[alias] = fmt
    return names


def _names(fmt: Format, candidate: MediaRange, synonyms: Mapping[str, Format]) -> bool:
    """Whether a full media type (no wildcard) names ``fmt``, itself or by a synonym."""
    return candidate.specificity == 2 and (
        candidate.matches(fmt.media_type)
        or synonyms.get(f"{candidate.type}/{candidate.subtype}") is fmt
    )


def _quality(fmt: Format, ranges: Sequence[MediaRange], synonyms: Mapping[str, Format]) -> float:
    """The q-value the most specific matching range gives ``fmt`` (RFC 9110 §12.5.1).

    At equal specificity the format's own media type outranks a synonym, so that
    ``application/json;q=0.1, application/sparql-results+json`` still means JSON at q=1.
    """
    best: MediaRange | None = None
    best_rank = (0, False)
    for candidate in ranges:
        exact = candidate.matches(fmt.media_type)
        if not (exact or _names(fmt, candidate, synonyms)):
            continue
        rank = (candidate.specificity, exact)
        if best is None or rank > best_rank:
            best, best_rank = candidate, rank
    return 0.0 if best is None else best.q


@lru_cache(maxsize=1024)
def choose_format(accept: str | None, format_param: str | None, kind: QueryKind) -> Format:
    """The serialisation for an answer of ``kind``; ``format=`` wins over ``Accept``.

    Among the formats with the highest q-value, the one named first in the header (by its
    media type or a synonym such as ``application/json``) wins, then our default order;
    no Accept (or ``*/*``) gives the kind's default.
    """
    choices = CHOICES[kind]
    if format_param:
        wanted = format_param.strip().lower()
        found = _by_name(kind).get(wanted) or _by_name(kind).get(wanted.split(";")[0])
        if found is None:
            raise NotAcceptable(f"format={format_param}", [f.name for f in choices])
        return found
    if not accept or not accept.strip():
        return choices[0]
    ranges = parse_accept(accept)
    if not ranges:
        return choices[0]
    synonyms = dict(_SYNONYMS)
    if kind is QueryKind.GRAPH:
        synonyms.update(_RDF_SYNONYMS)
    best: Format | None = None
    best_key: tuple[float, int, int] = (0.0, 0, 0)
    for position, fmt in enumerate(choices):
        q = _quality(fmt, ranges, synonyms)
        if q <= 0:
            continue
        first_named = min(
            (r.order for r in ranges if _names(fmt, r, synonyms)), default=len(ranges)
        )
        key = (q, -first_named, -position)
        if best is None or key > best_key:
            best, best_key = fmt, key
    if best is None:
        raise NotAcceptable(accept, [f.media_type for f in choices])
    return best


_HTML = ("text/html", "application/xhtml+xml")


def wants_html(accept: str | None) -> bool:
    """True when the client ranks HTML strictly above every RDF format (browsers do).

    Each media type gets the q-value of the most specific range that matches it, so a
    browser's ``*/*;q=0.8`` leaves Turtle below its ``text/html``, while ``*/*`` alone
    (curl, most libraries) ties and goes to data.
    """
    if not accept:
        return False
    ranges = parse_accept(accept)

    def quality(media_type: str) -> float:
        matching = [r for r in ranges if r.matches(media_type)]
        return max(matching, key=lambda r: (r.specificity, r.q)).q if matching else 0.0

    html = max(quality(m) for m in _HTML)
    return html > max(quality(f.media_type) for f in RDF_FORMATS)


def content_type(fmt: Format) -> str:
    """The Content-Type header for ``fmt``; text types say they are UTF-8."""
    if fmt.media_type.startswith("text/"):
        return f"{fmt.media_type}; charset=utf-8"
    return fmt.media_type


def body_response(
    body: bytes,
    fmt: Format,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response carrying ``body`` serialised as ``fmt``; it always varies on Accept."""
    out = {"Vary": "Accept"}
    if headers:
        out.update(headers)
    return Response(body, status_code=status_code, media_type=content_type(fmt), headers=out)


def result_response(
    result: QueryResult, fmt: Format, *, headers: Mapping[str, str] | None = None
) -> Response:
    """Serialise a query result natively and wrap it (``fmt`` must suit the result's kind)."""
    return body_response(result.serialize(fmt), fmt, headers=headers)


def rdf_format_named(name: str) -> Format | None:
    """An RDF format by its ``format=`` name or media type (used by the dataset dump)."""
    for fmt in (*RDF_FORMATS, *RESULT_FORMATS):
        if name in (fmt.name, fmt.media_type, *fmt.aliases):
            return fmt
    return None

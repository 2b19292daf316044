"""Content negotiation: which serialisation answers a request, and the response that carries it.

Public API, shared by ``/sparql``, ``/graphs`` and the canned queries:

* :func:`choose_format` picks a :class:`~service.formats.Format` from ``Accept`` (q-values,
  wildcards, media-type parameters) or ``format=`` values (what browsers can send; SPARQL
  clients repeat it, as ``output=`` and ``results=`` too), for the kind of answer (SELECT/ASK
  results or RDF), raising :class:`NotAcceptable` otherwise;
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
from service.sparql.answers import write_answer
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
    "application/turtle": TURTLE,
    "text/n3": TURTLE,
    "text/plain": NTRIPLES,
    "application/json+ld": JSONLD,
    "application/x-json+ld": JSONLD,
    "application/x-trig": TRIG,
}

#: For GRAPH answers, JSON and XML requests mean their RDF counterparts.
_RDF_SYNONYMS: dict[str, Format] = {
    "application/json": JSONLD,
    "application/xml": RDFXML,
    "text/xml": RDFXML,
}

#: Short names SPARQL clients put in ``format=`` for RDF answers (SPARQLWrapper's return
#: formats, Fuseki's ``output=`` names), beyond our own names and aliases.
_RDF_NAMES: dict[str, Format] = {
    "json": JSONLD,
    "n3": TURTLE,
    "rdf": RDFXML,
    "rdf+xml": RDFXML,
    "n-triples": NTRIPLES,
    "n-quads": NQUADS,
}

#: Every media type (or synonym) that names a format of one family or the other.
_KNOWN_MEDIA = frozenset(
    {f.media_type for f in (*RESULT_FORMATS, *RDF_FORMATS)} | set(_SYNONYMS) - {"text/plain"}
)

#: A request for several formats, in order of preference: one ``format=`` value, or all the
#: values of ``format``/``output``/``results`` a client sent.
FormatRequest = str | tuple[str, ...] | None


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


@lru_cache(maxsize=4)
def _by_name(kind: QueryKind) -> dict[str, Format]:
    names: dict[str, Format] = {}
    synonyms = dict(_SYNONYMS)
    if kind is QueryKind.GRAPH:
        synonyms |= _RDF_SYNONYMS | _RDF_NAMES
    for name, fmt in synonyms.items():
        if fmt in CHOICES[kind]:
            names[name] = fmt
    for fmt in CHOICES[kind]:
        names[fmt.name] = fmt
        names[fmt.media_type] = fmt
        for alias in fmt.aliases:
            names[alias] = fmt
    return names


def _named(request: FormatRequest, kind: QueryKind) -> Format | None:
    """The first requested format that suits ``kind``; None when nothing was requested.

    SPARQLWrapper sends its return format twice in each of ``format``, ``output`` and
    ``results`` (``tsv`` and ``text/tab-separated-values``), some values comma-separated
    lists of media types: the first value this endpoint knows wins, the others are ignored,
    as Fuseki does. Values naming nothing that suits the answer are a 406.
    """
    values = (request,) if isinstance(request, str) else (request or ())
    wanted = [
        piece.strip().lower() for value in values for piece in value.split(",") if piece.strip()
    ]
    if not wanted:
        return None
    names = _by_name(kind)
    for name in wanted:
        found = names.get(name) or names.get(name.split(";")[0].strip())
        if found is not None:
            return found
    raise NotAcceptable(f"format={wanted[0]}", [f.name for f in CHOICES[kind]])


def _names_other_kind(ranges: Sequence[MediaRange], kind: QueryKind) -> bool:
    """Whether the client named (with q > 0) a SPARQL format that only suits other answers:
    a client that sends one Accept header whatever the query form (rdflib's ``SPARQLStore``
    with ``returnFormat="json"`` asks a CONSTRUCT for JSON results)."""
    own = {f.media_type for f in CHOICES[kind]}
    return any(
        r.q > 0 and r.specificity == 2 and f"{r.type}/{r.subtype}" in _KNOWN_MEDIA - own
        for r in ranges
    )


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
def choose_format(accept: str | None, format_param: FormatRequest, kind: QueryKind) -> Format:
    """The serialisation for an answer of ``kind``; ``format=`` wins over ``Accept``.

    Among the formats with the highest q-value, the one named first in the header (by its
    media type or a synonym such as ``application/json``) wins, then our default order;
    no Accept (or ``*/*``) gives the kind's default. An Accept header that names only
    formats of the other kind of answer (results for a CONSTRUCT, RDF for a SELECT) also
    gets the kind's default, as Fuseki answers: the client's parser goes by Content-Type.
    Anything else unacceptable is a 406.
    """
    choices = CHOICES[kind]
    named = _named(format_param, kind)
    if named is not None:
        return named
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
        if _names_other_kind(ranges, kind):
            return choices[0]
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
    html = max(media_quality(ranges, m) for m in _HTML)
    return html > max(media_quality(ranges, f.media_type) for f in RDF_FORMATS)


def media_quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value of the most specific range matching ``media_type`` (0: not acceptable)."""
    matching = [r for r in ranges if r.matches(media_type)]
    return max(matching, key=lambda r: (r.specificity, r.q)).q if matching else 0.0


PLAIN_JSON = "application/json"


def choose_json_or_rdf(accept: str | None, format_param: str | None) -> Format | None:
    """For a document offered as plain JSON or as RDF (the query catalogue): None for JSON,
    or the RDF format; 406 when the client accepts neither (``image/png``).

    JSON wins ties, so ``*/*`` and no Accept get JSON, and only a client that ranks an RDF
    format (by its own media type) above ``application/json`` gets RDF.
    """
    if format_param is not None and format_param.strip():
        if format_param.strip().lower() in ("json", PLAIN_JSON):
            return None
        return choose_format(None, format_param, QueryKind.GRAPH)
    ranges = parse_accept(accept) if accept and accept.strip() else ()
    if not ranges:
        return None
    json_q = media_quality(ranges, PLAIN_JSON)
    rdf_q = max(media_quality(ranges, f.media_type) for f in RDF_FORMATS)
    if json_q > 0 and json_q >= rdf_q:
        return None
    if rdf_q > 0:
        return choose_format(accept, None, QueryKind.GRAPH)
    raise NotAcceptable(accept or "", [PLAIN_JSON, *(f.media_type for f in RDF_FORMATS)])


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
    result: QueryResult,
    fmt: Format,
    *,
    headers: Mapping[str, str] | None = None,
    context: str | None = None,
) -> Response:
    """Serialise a whole query result for its reader (``service.sparql.answers``) and wrap
    it; ``fmt`` must suit the result's kind, ``context`` is the JSON-LD context's URL."""
    body, _ = write_answer(result, fmt, None, context=context)
    return body_response(body, fmt, headers=headers)


def rdf_format_named(name: str) -> Format | None:
    """An RDF format by its ``format=`` name or media type (used by the dataset dump)."""
    for fmt in (*RDF_FORMATS, *RESULT_FORMATS):
        if name in (fmt.name, fmt.media_type, *fmt.aliases):
            return fmt
    return None

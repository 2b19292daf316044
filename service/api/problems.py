"""RFC 9457 problem details, and the one table that maps typed errors to HTTP statuses.

Routers raise the domain's typed errors and never choose a status code for a failure; the
handlers installed here turn each into ``application/problem+json``. Anything not listed
is a bug: a problem+json 500 (never disguised as a client error, never Starlette's plain
text) whose traceback is logged under the id the body gives as ``instance``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.auth import CHALLENGE
from service.api.negotiation import parse_accept, wants_html
from service.errors import (
    BadRequest,
    ControlInPath,
    EngineReloading,
    EsskgError,
    EvaluationError,
    Forbidden,
    GraphNotFound,
    IncompleteBody,
    InvalidIri,
    MalformedRequest,
    NotAcceptable,
    ParseMemoryExceeded,
    ParserCrashed,
    ParseTimeout,
    PayloadTooLarge,
    PreconditionFailed,
    ProtectedGraph,
    QueryCrashed,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    RdfRefused,
    RdfSyntaxError,
    RemoteFetchFailed,
    RunawayCooldown,
    StoreUnavailable,
    TooManyFailures,
    TooManyParses,
    TooManyQueries,
    Unauthorized,
    UnknownPartnerKind,
    UnsupportedFormat,
    UnsupportedMediaType,
    UploadConflict,
    UploadRejected,
    UriTooLong,
    Worded,
    WritesDisabled,
)
from service.formats import JSONLD, TURTLE, serialize_graph
from service.graph.gate import ShapesViolation
from service.queries.params import InvalidParameter

logger = logging.getLogger("esskg.api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://w3id.org/esskg/problems/"

#: error class → (status, problem type slug, title)
STATUS: dict[type[EsskgError], tuple[int, str, str]] = {
    QuerySyntaxError: (400, "syntax", "The SPARQL request does not parse"),
    RdfSyntaxError: (400, "rdf-syntax", "The RDF payload does not parse"),
    RdfRefused: (400, "rdf-refused", "The RDF payload takes a form this service refuses"),
    BadRequest: (400, "bad-request", "The request breaks the SPARQL protocol"),
    EvaluationError: (400, "evaluation", "The request could not be carried out"),
    InvalidIri: (400, "invalid-iri", "Not a valid IRI"),
    ControlInPath: (400, "control-character", "The request path holds a control character"),
    MalformedRequest: (400, "malformed-request", "The request is not well-formed HTTP/1.1"),
    IncompleteBody: (400, "incomplete-body", "The request body is shorter than announced"),
    Unauthorized: (401, "unauthorized", "A write key is required to write"),
    Forbidden: (403, "forbidden", "This key may not write"),
    WritesDisabled: (403, "writes-disabled", "Writes are disabled on this service"),
    ProtectedGraph: (403, "protected-graph", "This graph is managed by the build"),
    QueryRefused: (403, "refused", "The request would fetch a remote URL"),
    GraphNotFound: (404, "graph-not-found", "No such graph"),
    NotAcceptable: (406, "not-acceptable", "No acceptable serialisation"),
    PreconditionFailed: (412, "precondition-failed", "The graph changed since it was read"),
    UploadConflict: (409, "upload-conflict", "The partner's graph kept changing during the upload"),
    PayloadTooLarge: (413, "too-large", "The request is too large"),
    UriTooLong: (414, "uri-too-long", "The request URL is too long"),
    ParseMemoryExceeded: (413, "parse-memory", "The RDF payload needs too much memory to parse"),
    UnsupportedMediaType: (415, "unsupported-media-type", "Unsupported request Content-Type"),
    UnsupportedFormat: (415, "unsupported-media-type", "Unsupported RDF format"),
    RemoteFetchFailed: (502, "remote-failed", "An allow-listed remote source failed"),
    ShapesViolation: (422, "shapes-violation", "The write violates the shapes"),
    InvalidParameter: (422, "invalid-parameter", "Invalid query parameter"),
    ParserCrashed: (422, "parser-crashed", "The RDF parser failed on this payload"),
    TooManyFailures: (429, "too-many-failures", "Too many wrong keys from this client"),
    UploadRejected: (422, "upload-rejected", "The upload has errors; nothing was written"),
    UnknownPartnerKind: (404, "unknown-kind", "No such kind of contribution"),
    TooManyQueries: (429, "too-many-queries", "This client has too many queries running"),
    TooManyParses: (429, "too-many-parses", "This client has too many payloads being parsed"),
    RunawayCooldown: (429, "runaway-cooldown", "This client's queries stopped the engine lately"),
    QueryTimeout: (503, "timeout", "The query ran past the time limit"),
    QueryCrashed: (503, "engine-crashed", "The query stopped the query engine"),
    StoreUnavailable: (503, "unavailable", "The store is unavailable"),
    EngineReloading: (503, "engine-reloading", "The query engine is loading the data"),
    ParseTimeout: (503, "parse-timeout", "The RDF payload took too long to parse"),
}


INTERNAL = (500, "internal", "Internal error")


def status_for(exc: EsskgError) -> tuple[int, str, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return INTERNAL


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str = "about:blank",
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": slug if slug == "about:blank" else PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if extra:
        body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def _extra(exc: EsskgError) -> tuple[dict[str, Any], dict[str, str]]:
    """Fields and headers specific to some errors."""
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, QuerySyntaxError):
        extra.update(message=exc.message, line=exc.line, column=exc.column)
    elif isinstance(exc, RdfSyntaxError):
        extra.update(line=exc.line, column=exc.column)
    elif isinstance(exc, RdfRefused):
        extra["line"] = exc.line
    elif isinstance(exc, InvalidParameter):
        extra.update(parameter=exc.name, expected=exc.expected)
    elif isinstance(exc, InvalidIri):
        extra["parameter"] = exc.parameter
    elif isinstance(exc, NotAcceptable):
        extra["available"] = exc.available
    elif isinstance(exc, PayloadTooLarge | UriTooLong | ParseMemoryExceeded):
        extra["limit"] = exc.limit
    elif isinstance(exc, QueryTimeout):
        headers["Retry-After"] = "1"
    elif isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = CHALLENGE
    elif isinstance(exc, UploadRejected):
        extra.update(exc.report)
    elif isinstance(exc, TooManyFailures):
        headers["Retry-After"] = "60"
    elif isinstance(exc, TooManyParses):
        headers["Retry-After"] = "5"
    elif isinstance(exc, RunawayCooldown | EngineReloading):
        headers["Retry-After"] = str(exc.retry_after)
    return extra, headers


def error_response(exc: EsskgError, lang: str = "fr") -> Response:
    """The problem for ``exc``; a :class:`Worded` error's detail in ``lang``."""
    status, slug, title = status_for(exc)
    extra, headers = _extra(exc)
    detail = exc.words(lang) if isinstance(exc, Worded) else str(exc)
    return problem_response(status, title, detail, slug=slug, extra=extra, headers=headers)


def internal_error_response(request: Request, exc: BaseException) -> Response:
    """A bug's answer: its traceback goes to the log, an id to find it goes to the client."""
    incident = f"urn:uuid:{uuid.uuid4()}"
    logger.error(
        "unexpected error %s answering %s %s",
        incident,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return incident_response(incident)


def incident_response(incident: str) -> Response:
    """The 500 problem a client gets for a bug: no detail of it, the id it was logged under."""
    status, slug, title = INTERNAL
    return problem_response(
        status,
        title,
        "an unexpected error; it was logged under the id given as 'instance'",
        slug=slug,
        extra={"instance": incident},
    )


def _browser_page(request: Request, status: int, detail: str) -> Response | None:
    """A person's browser gets a page for a missing resource, not a problem document."""
    if status == 404 and wants_html(request.headers.get("accept")):
        from service.api.web.routes import not_found_page  # the pages import this module

        return not_found_page(request, detail)
    return None


async def _esskg_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EsskgError)
    if status_for(exc) is INTERNAL:
        return internal_error_response(request, exc)
    page = _browser_page(request, status_for(exc)[0], str(exc))
    if page is not None:
        return page
    from service.api.web.i18n import language  # the pages import this module

    return error_response(exc, language(request))


async def _internal_handler(request: Request, exc: Exception) -> Response:
    """Starlette's outermost layer calls this for any exception no other handler took."""
    return internal_error_response(request, exc)


async def _http_handler(request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405) as problems too, keeping their headers (``Allow``)."""
    assert isinstance(exc, StarletteHTTPException)
    page = _browser_page(request, exc.status_code, str(exc.detail))
    if page is not None:
        return page
    return problem_response(
        exc.status_code,
        str(exc.detail),
        str(exc.detail),
        headers=exc.headers,
    )


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(400, "Invalid request parameters", str(exc.errors()))


_REPORT_FORMATS = {fmt.media_type: fmt for fmt in (TURTLE, JSONLD)}


def shapes_report_response(
    request: Request, exc: ShapesViolation, *, status_code: int = 422
) -> Response:
    """The SHACL report: problem+json (report embedded as JSON-LD) unless the client
    prefers Turtle or JSON-LD, which then get the report graph itself."""
    outcome = exc.outcome
    accept = request.headers.get("accept") or ""
    best, best_q = PROBLEM_JSON, 0.0
    for media_range in parse_accept(accept):
        media = f"{media_range.type}/{media_range.subtype}"
        if media in (*_REPORT_FORMATS, PROBLEM_JSON, "application/json") and media_range.q > best_q:
            best, best_q = media, media_range.q
    conforms = not outcome.violations and not exc.inconsistencies
    if best in _REPORT_FORMATS:
        body = serialize_graph(outcome.report, _REPORT_FORMATS[best])
        media_type = best + ("; charset=utf-8" if best.startswith("text/") else "")
        return Response(body, status_code=status_code, media_type=media_type)
    report = json.loads(outcome.report.serialize(format="json-ld"))
    extra = {
        "conforms": conforms,
        "violations": [asdict(p) for p in outcome.violations],
        "warnings": [asdict(p) for p in outcome.warnings],
        "inconsistencies": exc.inconsistencies,
        "report": report,
    }
    if status_code == 200:
        detail = "the data conforms" if conforms else str(exc)
        return Response(
            json.dumps({"detail": detail, **extra}, ensure_ascii=False).encode("utf-8"),
            media_type="application/json",
        )
    _, slug, title = STATUS[ShapesViolation]
    return problem_response(status_code, title, str(exc), slug=slug, extra=extra)


async def _shapes_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShapesViolation)
    return shapes_report_response(request, exc)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ShapesViolation, _shapes_handler)
    app.add_exception_handler(EsskgError, _esskg_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _internal_handler)

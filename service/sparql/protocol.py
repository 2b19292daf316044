"""Decoding a SPARQL 1.1 Protocol request: which operation, its text and its dataset.

Three ways to send a query (GET, POST form, POST ``application/sparql-query``) and two to
send an update (POST form, POST ``application/sparql-update``) all end up as one
:class:`SparqlRequest`; every way the protocol forbids ends up as a typed error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl

from service.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, UriTooLong
from service.store.terms import checked_iri

FORM = "application/x-www-form-urlencoded"
#: Parameters that name the answer's format: ``format`` (Virtuoso, Fuseki, browsers),
#: ``output`` (Fuseki, Joseki) and ``results``; SPARQLWrapper sends all three, twice each.
FORMAT_PARAMETERS = ("format", "output", "results")
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


class Operation(StrEnum):
    QUERY = "query"
    UPDATE = "update"
    DESCRIBE_SERVICE = "describe-service"  # a bare GET: the service description


@dataclass
class SparqlRequest:
    operation: Operation
    text: str = ""
    default_graphs: list[str] = field(default_factory=list)  # or using-graph-uri
    named_graphs: list[str] = field(default_factory=list)  # or using-named-graph-uri
    formats: tuple[str, ...] = ()  # the values of FORMAT_PARAMETERS, in order

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    @property
    def format_param(self) -> str | None:
        """The first format the client named, if any."""
        return self.formats[0] if self.formats else None


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """The bare media type and its charset parameter, lower-cased."""
    if not content_type:
        return "", None
    bare, *params = (p.strip() for p in content_type.split(";"))
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return bare.lower(), charset


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the {what} is not valid UTF-8: {exc.reason} at byte {exc.start}"
        ) from exc


def parse_params(encoded: str, what: str = "query string") -> list[tuple[str, str]]:
    """Name/value pairs of a URL query string or form body, percent-decoded once as UTF-8.

    ``parse_qsl`` would silently turn bytes that are not UTF-8 (``%E9`` from a Latin-1
    form) into U+FFFD and run a query the client never wrote; this refuses them with 400.
    """
    try:
        return parse_qsl(encoded, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the {what} is not UTF-8 once percent-decoded: {exc.reason} at byte {exc.start}"
        ) from exc


def _one(params: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"the request carries {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _all(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def check_sizes(query_string: str, content_length: str | None, max_url: int, max_body: int) -> None:
    """Refuse an oversized URL (414) or announced body (413) before reading anything."""
    if len(query_string) > max_url:
        raise UriTooLong(max_url)
    # isdigit() alone accepts "²", which int() refuses: ASCII digits only.
    digits = content_length is not None and content_length.isascii() and content_length.isdigit()
    if digits and int(content_length or 0) > max_body:
        raise PayloadTooLarge("body", max_body)


def decode(
    method: str,
    url_params: Sequence[tuple[str, str]],
    content_type: str | None,
    body: bytes,
) -> SparqlRequest:
    """The operation a request asks for (``url_params`` decoded once, in order)."""
    params = list(url_params)
    if method in ("GET", "HEAD"):
        if _all(params, "update"):
            raise BadRequest("updates must be sent by POST")
        text = _one(params, "query")
        if text is None:
            return SparqlRequest(Operation.DESCRIBE_SERVICE, formats=_formats(params))
        return _dataset(SparqlRequest(Operation.QUERY, text), params)
    if method != "POST":
        raise BadRequest(f"{method} is not a SPARQL protocol method")  # routing answers 405

    media, charset = _media_type(content_type)
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(content_type or "")
    if media == FORM:
        params += parse_params(_utf8(body, "form body"), "form body")
        query, update = _one(params, "query"), _one(params, "update")
        if query is not None and update is not None:
            raise BadRequest("send either 'query' or 'update', not both")
        if query is not None:
            return _dataset(SparqlRequest(Operation.QUERY, query), params)
        if update is not None:
            return _dataset(SparqlRequest(Operation.UPDATE, update), params)
        raise BadRequest("the form carries neither 'query' nor 'update'")
    if media == QUERY:
        if _all(params, "query") or _all(params, "update"):
            raise BadRequest("the query is the body: do not repeat it as a parameter")
        return _dataset(SparqlRequest(Operation.QUERY, _utf8(body, "query")), params)
    if media == UPDATE:
        if _all(params, "query") or _all(params, "update"):
            raise BadRequest("the update is the body: do not repeat it as a parameter")
        return _dataset(SparqlRequest(Operation.UPDATE, _utf8(body, "update")), params)
    raise UnsupportedMediaType(content_type or "")


def _formats(params: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Every non-empty value of the format parameters; the negotiation takes the first it
    knows (``service.api.negotiation``)."""
    return tuple(v for k, v in params if k in FORMAT_PARAMETERS and v.strip())


def _graph_iris(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Every value of a dataset parameter, each an IRI the engine takes (else 400)."""
    return [checked_iri(value, name) for value in _all(params, name)]


def _dataset(request: SparqlRequest, params: Sequence[tuple[str, str]]) -> SparqlRequest:
    if request.operation is Operation.QUERY:
        request.default_graphs = _graph_iris(params, "default-graph-uri")
        request.named_graphs = _graph_iris(params, "named-graph-uri")
        if _all(params, "using-graph-uri") or _all(params, "using-named-graph-uri"):
            raise BadRequest("using-graph-uri/using-named-graph-uri apply to updates only")
    else:
        request.default_graphs = _graph_iris(params, "using-graph-uri")
        request.named_graphs = _graph_iris(params, "using-named-graph-uri")
        if _all(params, "default-graph-uri") or _all(params, "named-graph-uri"):
            raise BadRequest("default-graph-uri/named-graph-uri apply to queries only")
    request.formats = _formats(params)
    return request

"""``/graphs``: the SPARQL 1.1 Graph Store Protocol (indirect and direct identification).

``/graphs?graph=IRI`` names a graph, ``/graphs?default`` the store's default graph, and any
``/graphs/…`` URL names the graph whose IRI is that very URL (direct identification: a
client can then keep graphs at URLs this server answers). Reads are public; PUT/POST/DELETE
need the write token and pass the SHACL gate. POST also takes ``multipart/form-data``, one
RDF document per part (what an HTML file upload sends). ``POST /validate`` runs the same
gate as a dry run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import partial
from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from rdflib import URIRef

from service.api.auth import check_graph, require_writer
from service.api.caching import not_modified
from service.api.conditional import check_preconditions, graph_etag, origin_digest
from service.api.negotiation import body_response, choose_format
from service.api.problems import shapes_report_response
from service.api.routers.meta import context_url
from service.api.routers.sparql import LIMIT, TRUNCATED, endpoint_iri, read_body
from service.api.routing import add_method_routes
from service.api.runtime import AppState, app_state, client_address
from service.api.web.browsers import asks_for_page, rdf_page
from service.errors import BadRequest, GraphNotFound, UnsupportedMediaType
from service.formats import JSONLD, NTRIPLES, TURTLE, Format, rdf_format_for_media_type
from service.graph.dry_run import DryRun
from service.graph.gate import Precondition, ShapesViolation, WriteResult, parse_payload
from service.namespaces import GRAPH
from service.parsing.limits import ParseLimits
from service.sparql.answers import write_answer
from service.sparql.protocol import check_sizes
from service.store.base import QueryKind, Store
from service.store.terms import checked_iri

router = APIRouter(tags=["graphs"])

_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_DEFAULT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"  # over the store's own default graph

#: ``?default`` rather than a graph IRI.
DEFAULT = None


def _target(request: Request, *, required: bool = True) -> tuple[bool, str | None]:
    """(named?, graph IRI): exactly one of ``graph=`` and ``default`` (raw query decoded once)."""
    params = parse_qsl(request.url.query, keep_blank_values=True)
    graphs = [v for k, v in params if k == "graph"]
    default = any(k == "default" for k, _ in params)
    if request.path_params.get("path"):  # direct identification: the URL is the graph IRI
        if graphs or default:
            raise BadRequest("a /graphs/… URL names its graph itself: drop ?graph= and ?default")
        return True, endpoint_iri(request)
    if len(graphs) > 1 or (graphs and default):
        raise BadRequest("name one graph: either ?graph=IRI or ?default")
    if graphs:
        return True, checked_iri(graphs[0], "graph")
    if default:
        return True, DEFAULT
    if required:
        raise BadRequest("name a graph with ?graph=IRI or ?default")
    return False, None


@dataclass(frozen=True)
class GraphRead:
    """One graph as read for a GET: its digest (the ETag) and its serialisation."""

    exists: bool
    digest: str | None
    body: bytes = b""
    truncated: bool = False


def graph_representation(
    store: Store, name: str | None, fmt: Format, cap: int, with_body: bool, context: str
) -> GraphRead:
    """A graph's digest and, unless ``with_body`` is false, at most ``cap`` of its triples
    (``context``: the JSON-LD context a JSON-LD body names)."""
    if name is not None and not store.has_graph(name):
        return GraphRead(False, None)
    digest = store.graph_digest(name)
    if not with_body:
        return GraphRead(True, digest)
    if name is None:
        result = store.query(_DEFAULT, default_graphs=[None])
    else:
        result = store.query(_GRAPH, bindings={"g": URIRef(name)})
    body, truncated = write_answer(result, fmt, cap, context=context)
    return GraphRead(True, digest, body, truncated)


def _variant(fmt: Format, context: str) -> str:
    """The representation part of a graph's tag: its format and, for JSON-LD, whose body
    names the context on this origin, the origin too."""
    return fmt.name if fmt is not JSONLD else f"{fmt.name}.{origin_digest(context)}"


#: Most triples a browser is shown of a graph outside the project's own (the whole graph is
#: a ``format=`` link away): a page of 100,000 lines helps nobody read.
PAGE_TRIPLES = 2_000


def graph_page(request: Request, name: str | None) -> Response:
    """What a browser gets at ``/graphs``: it ranks ``application/xml`` second, so
    negotiating would send it an RDF/XML download of a graph it meant to look at. The
    project's own graphs have a page (``/graph/…``); any other graph is shown as Turtle."""
    if name is not None and name.startswith(GRAPH):
        target = "/graph/" + name.removeprefix(GRAPH)
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
    state = app_state(request)
    context = context_url(request)
    found = state.read(request, graph_representation, name, TURTLE, PAGE_TRIPLES, True, context)
    if not found.exists:
        raise GraphNotFound(f"no graph <{name}>")
    named = [("graph", name)] if name is not None else [("default", "")]
    links = [
        (label, request.url.path + "?" + urlencode([*named, ("format", fmt.name)]))
        for label, fmt in (("Turtle", TURTLE), ("N-Triples", NTRIPLES), ("JSON-LD", JSONLD))
    ]
    return rdf_page(request, name or "default graph", found.body, links)


def read_graph(request: Request) -> Response:
    state = app_state(request)
    _, name = _target(request)
    if request.method == "GET" and asks_for_page(request):
        return graph_page(request, name)
    fmt = choose_format(
        request.headers.get("accept"), request.query_params.get("format"), QueryKind.GRAPH
    )
    cap = state.settings.result_limit
    context = context_url(request)
    with_body = request.method != "HEAD"
    found = state.read(request, graph_representation, name, fmt, cap, with_body, context)
    if not found.exists:
        raise GraphNotFound(f"no graph <{name}>")
    headers = state.version.headers()
    headers["ETag"] = graph_etag(found.digest, _variant(fmt, context))
    if (cached := not_modified(request, headers)) is not None:
        return cached
    if found.truncated:
        headers[TRUNCATED] = "true"
        headers[LIMIT] = str(cap)
    return body_response(found.body, fmt, headers=headers)


def _parts(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """(Content-Type, bytes) of each part of a ``multipart/form-data`` body.

    The standard library's MIME parser does the splitting, so boundaries, transfer encodings
    and header folding follow the RFCs rather than a hand-written scanner.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise BadRequest("the multipart/form-data body has no parts (check the boundary)")
    parts = []
    for part in message.iter_parts():
        media = str(part.get("content-type") or "")
        if not media:
            raise UnsupportedMediaType("(a multipart part without Content-Type)")
        payload = part.get_payload(decode=True)
        parts.append((media, payload if isinstance(payload, bytes) else b""))
    if not parts:
        raise BadRequest("the multipart/form-data body has no parts")
    return parts


async def _documents(request: Request, state: AppState) -> list[tuple[Format, bytes]]:
    """The RDF documents a write sends: one, or (POST only) one per multipart part."""
    content_type = request.headers.get("content-type") or ""
    if not content_type:
        raise UnsupportedMediaType(content_type)
    lowered = content_type.lower()
    if lowered.startswith("multipart/"):
        if request.method != "POST" or not lowered.startswith("multipart/form-data"):
            raise UnsupportedMediaType(content_type)
        body = await read_body(request, state.settings.max_body_bytes)
        return [(rdf_format_for_media_type(m), b) for m, b in _parts(content_type, body)]
    fmt = rdf_format_for_media_type(content_type)
    return [(fmt, await read_body(request, state.settings.max_body_bytes))]


def _parser(
    request: Request, state: AppState, documents: list[tuple[Format, bytes]], base_iri: str
) -> Callable[[], list[ox.Triple]]:
    """The parse of a write's documents, to run in the thread that then writes them: one
    hand-off to a thread and back per write, not one for the parse and one for the write
    (each costs the event loop, and the readers it serves, the interpreter's lock twice)."""
    limits = ParseLimits.from_settings(state.settings)
    return partial(
        parse_payload, documents, base_iri, limits=limits, client=client_address(request)
    )


def _sent_format(request: Request) -> Format:
    """The format a write's body came in (N-Triples for a multipart body, whose parts may
    each have their own): the representation its ``ETag`` names."""
    content_type = request.headers.get("content-type") or ""
    if content_type.lower().startswith("multipart/"):
        return NTRIPLES
    return rdf_format_for_media_type(content_type)


def _written(request: Request, result: WriteResult, location: str | None = None) -> Response:
    """201 or 204, with the graph's new ``ETag`` (the tag a GET in the format sent would
    give), so that an editor's next write can send it as ``If-Match`` without a read."""
    fmt = _sent_format(request)
    context = context_url(request) if fmt is JSONLD else ""
    headers = {"ETag": graph_etag(result.digest, _variant(fmt, context))}
    if result.created:
        if location:
            headers["Location"] = location
        return Response(status_code=201, headers=headers)
    return Response(status_code=204, headers=headers)


def _precondition(request: Request, name: str | None) -> Precondition:
    """``If-Match``/``If-None-Match`` of a write, checked by the gate under its lock."""
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    if if_match is None and if_none_match is None:
        return None

    def check(store: Store) -> None:
        digest = store.graph_digest(name)
        exists = name is None or digest is not None
        check_preconditions(if_match, if_none_match, digest, exists=exists)

    return check


async def write_graph(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings
    writer = require_writer(request, settings)
    check_sizes(
        request.url.query,
        request.headers.get("content-length"),
        settings.max_url_bytes,
        settings.max_body_bytes,
    )
    named, name = _target(request, required=request.method != "POST")
    # a partner's key writes only its own graphs (a new graph named here is never one)
    check_graph(request, writer, name, new=not named)
    gate = state.gate
    if request.method == "DELETE":
        condition = _precondition(request, name)
        await anyio.to_thread.run_sync(gate.delete_graph, name, condition)
        return Response(status_code=204)
    documents = await _documents(request, state)
    if request.method == "POST" and not named:
        # The new graph is named by a URL this server answers (direct identification),
        # so the Location a client follows, or sends back as ?graph=, names it here.
        name = f"{endpoint_iri(request)}/{uuid.uuid4()}"
        parse = _parser(request, state, documents, name)
        condition = _precondition(request, name)
        result = await anyio.to_thread.run_sync(lambda: gate.put_graph(name, parse(), condition))
        result.created = True
        return _written(request, result, location=name)
    parse = _parser(request, state, documents, name or endpoint_iri(request))
    condition = _precondition(request, name)
    write = gate.put_graph if request.method == "PUT" else gate.post_graph
    result = await anyio.to_thread.run_sync(lambda: write(name, parse(), condition))
    return _written(request, result)


@router.post("/validate", summary="Dry run of the write gate: would this data be accepted?")
async def validate_payload(request: Request) -> Response:
    """Adds the payload to ``?graph=`` (or a scratch graph) in a candidate copy and checks it.

    Public, like any read: nothing is committed. Answers 200 with the report either way;
    ``conforms`` says whether a write would pass. Runs as a job of the query engine, with
    a query's limits and without the write lock (``service.graph.dry_run``).
    """
    state = app_state(request)
    named, name = _target(request, required=False)
    if not named:
        name = f"{state.settings.public_base}graph/validate/{uuid.uuid4()}"
    documents = await _documents(request, state)
    parse = _parser(request, state, documents, name or endpoint_iri(request))
    triples = await anyio.to_thread.run_sync(parse)
    settings = state.settings
    job = DryRun(
        {name: tuple(triples)},
        reason=settings.infer_on_write,
        reasoner=settings.reasoner,
        validator=settings.validator,
        client=client_address(request),
    )
    try:
        result: WriteResult = await anyio.to_thread.run_sync(state.executor.run, job)
    except ShapesViolation as exc:
        return shapes_report_response(request, exc, status_code=200)
    assert result.outcome is not None
    return shapes_report_response(request, ShapesViolation(result.outcome), status_code=200)


add_method_routes(
    router,
    "/graphs",
    read_graph,
    {"GET": "Read a graph (GSP)", "HEAD": "Headers of a graph read (GSP)"},
    name="read_graph",
)
add_method_routes(
    router,
    "/graphs",
    write_graph,
    {
        "PUT": "Replace a graph, SHACL-gated (GSP, token)",
        "POST": "Add to a graph, SHACL-gated (GSP, token)",
        "DELETE": "Delete a graph (GSP, token)",
    },
    name="write_graph",
)

# Direct identification: the same handlers on every /graphs/… URL. Left out of the OpenAPI
# document, whose path templates cannot express "any path below /graphs/".
for _methods, _handler in ((("GET", "HEAD"), read_graph), (("PUT", "POST", "DELETE"), write_graph)):
    for _method in _methods:
        router.add_api_route(
            "/graphs/{path:path}",
            _handler,
            methods=[_method],
            operation_id=f"{_handler.__name__}_direct_{_method.lower()}",
            include_in_schema=False,
        )

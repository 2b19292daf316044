"""``/sparql``: the SPARQL 1.1 Protocol endpoint (query, update, service description).

The handler only glues the small modules together: ``sparql.protocol`` decodes, ``sparql.
safety`` refuses remote fetches, ``api.negotiation`` picks the format, ``sparql.execution``
runs the query off the event loop with its limits, ``graph.gate`` checks updates.
"""

from __future__ import annotations

from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service.api.auth import refuse_partner_update, require_writer
from service.api.caching import not_modified
from service.api.negotiation import FormatRequest, body_response, choose_format, wants_html
from service.api.result_cache import CACHEABLE
from service.api.routers import meta as meta_views
from service.api.routing import add_method_routes
from service.api.runtime import AppState, app_state, client_address
from service.errors import NotAcceptable, QuerySyntaxError
from service.formats import Format
from service.sparql.diagnostics import explained
from service.sparql.execution import Answer, QueryJob
from service.sparql.protocol import Operation, SparqlRequest, check_sizes, decode, parse_params
from service.sparql.safety import (
    check_nesting,
    check_query,
    check_update,
    scan,
    with_using,
)
from service.sparql.update_check import check_update_parses
from service.store.base import QueryKind
from service.store.terms import checked_iri

router = APIRouter(tags=["sparql"])

TRUNCATED = "ESSKG-Result-Truncated"
LIMIT = "ESSKG-Result-Limit"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it grows past ``limit`` bytes."""
    from service.errors import PayloadTooLarge

    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("body", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def endpoint_iri(request: Request) -> str:
    """The endpoint's own URL: the base IRI of requests (the protocol allows it), and the
    graph a ``/graphs/…`` URL names. Its host and path come from the client, so it passes
    the same IRI check as any other name a client sends (400 naming the ``url``)."""
    return checked_iri(str(request.url.replace(query=None, fragment=None)), "url")


async def sparql(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings
    check_sizes(
        request.url.query,
        request.headers.get("content-length"),
        settings.max_url_bytes,
        settings.max_body_bytes,
    )
    body = (
        b""
        if request.method in ("GET", "HEAD")
        else await read_body(request, settings.max_body_bytes)
    )
    params = parse_params(request.url.query)
    decoded = decode(request.method, params, request.headers.get("content-type"), body)
    if (page := browser_page(request, decoded)) is not None:
        return page
    if decoded.operation is Operation.DESCRIBE_SERVICE:
        return await anyio.to_thread.run_sync(
            meta_views.service_description, request, state, endpoint_iri(request)
        )
    if decoded.operation is Operation.QUERY:
        return await run_query(request, state, decoded)
    return await run_update(request, state, decoded)


def browser_page(request: Request, decoded: SparqlRequest) -> Response | None:
    """A person opening the endpoint (or a query link) in a browser gets the editor, with the
    query in it and its answer shown, rather than a download; programs never do (they do not
    rank HTML first), nor does a request naming a ``format=`` or a dataset."""
    if (
        request.method != "GET"
        or decoded.operation is Operation.UPDATE
        or decoded.format_param is not None
        or decoded.has_dataset
        or not wants_html(request.headers.get("accept"))
    ):
        return None
    target = "/editor"
    if decoded.operation is Operation.QUERY:
        target += "?" + urlencode({"query": decoded.text})
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


def negotiate_all(
    accept: str | None, format_param: FormatRequest
) -> dict[QueryKind, Format | None]:
    """The format for each kind of answer (None where the client accepts none)."""
    formats: dict[QueryKind, Format | None] = {}
    for kind in QueryKind:
        try:
            formats[kind] = choose_format(accept, format_param, kind)
        except NotAcceptable:
            formats[kind] = None
    return formats


async def run_query(request: Request, state: AppState, decoded: SparqlRequest) -> Response:
    settings = state.settings
    found = scan(decoded.text)
    check_nesting(found, settings.max_nesting)
    local = state.store.graph_names() if found.from_graphs else ()
    check_query(found, settings.allowed_service_hosts, local)

    accept = request.headers.get("accept")
    formats = negotiate_all(accept, decoded.formats)
    if found.form is not None and formats[found.form] is None:
        choose_format(accept, decoded.formats, found.form)  # raises the detailed 406

    base_iri = endpoint_iri(request)
    cache_headers: dict[str, str] = {}
    if request.method in ("GET", "HEAD"):
        # The base IRI is part of the representation: relative IRIs resolve against it.
        cache_headers = state.version.headers("sparql", request.url.query, accept or "", base_iri)
        if (cached := not_modified(request, cache_headers)) is not None:
            return cached

    cap = settings.result_limit
    job = QueryJob(
        text=decoded.text,
        formats=formats,
        accept=accept or "",
        row_cap=cap,
        default_graphs=tuple(decoded.default_graphs) if decoded.has_dataset else None,
        named_graphs=tuple(decoded.named_graphs) if decoded.has_dataset else None,
        base_iri=base_iri,
        calls_service=bool(found.services),
        client=client_address(request),
        context=meta_views.context_url(request),
    )
    try:
        answer: Answer = await anyio.to_thread.run_sync(state.executor.run, job)
    except QuerySyntaxError as exc:
        raise explained(exc, decoded.text, found) from exc
    headers = dict(cache_headers)
    headers[CACHEABLE.decode()] = "1"
    if answer.truncated:
        headers[TRUNCATED] = "true"
        headers[LIMIT] = str(cap)
    return body_response(answer.body, answer.fmt, headers=headers)


async def run_update(request: Request, state: AppState, decoded: SparqlRequest) -> Response:
    refuse_partner_update(request, require_writer(request, state.settings))
    found = scan(decoded.text)
    check_nesting(found, state.settings.max_nesting)
    check_update(found, state.settings.allowed_service_hosts)
    text = with_using(decoded.text, found, decoded.default_graphs, decoded.named_graphs)
    base = endpoint_iri(request)
    timeout, memory = state.settings.query_timeout, state.settings.query_memory_mb << 20
    try:
        await anyio.to_thread.run_sync(check_update_parses, text, base, timeout, memory)
    except QuerySyntaxError as exc:
        raise explained(exc, decoded.text, found) from exc
    client = client_address(request)
    await anyio.to_thread.run_sync(lambda: state.gate.update(text, base_iri=base, client=client))
    return Response(status_code=204)


add_method_routes(
    router,
    "/sparql",
    sparql,
    {
        "GET": "SPARQL 1.1 Protocol: query, or the service description when bare",
        "POST": "SPARQL 1.1 Protocol: query (form or direct), update (form or direct, token)",
        "HEAD": "Headers of the GET answer",
    },
    name="sparql",
)

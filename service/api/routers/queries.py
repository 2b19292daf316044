"""``/queries``: the canned-query catalogue, one typed OpenAPI operation per query.

The routes are generated when the app is created, from the catalogue's headers: each query
gets its own path, operation id and documented, typed parameters, so ``/docs`` shows a form
per question. The handlers decode the request, delegate typing and binding to
:mod:`service.queries`, and hand the engine's serialisation back; they build no SPARQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from service.api.caching import not_modified
from service.api.deps import SettingsDep
from service.api.negotiation import (
    CHOICES,
    PLAIN_JSON,
    body_response,
    choose_format,
    choose_json_or_rdf,
)
from service.api.openapi_protocol import PROBLEM, RESULTS_REF, results_schemas
from service.api.result_cache import CACHEABLE
from service.api.routers.meta import base_url, context_url
from service.api.routers.sparql import LIMIT, TRUNCATED
from service.api.runtime import AppState, app_state, client_address
from service.api.web.browsers import asks_for_page, page_redirect, rdf_page
from service.formats import RESULTS_JSON, TURTLE, Format, serialize_graph
from service.queries.catalogue import CannedQuery, Catalogue, projected_variables
from service.queries.describe import describe
from service.queries.params import InvalidParameter, json_schema
from service.queries.run import (
    COUNT_VAR,
    MAX_PER_PAGE,
    PageInfo,
    enumerated,
    enumerations,
    is_member,
    plan,
    resolve_params,
)
from service.settings import Settings
from service.sparql.execution import Answer, QueryJob, StoreCall
from service.store.base import QueryKind, Term

_RESERVED = ("page", "per_page", "format")


# -- negotiation and problems: the shared modules, plus the catalogue's own JSON/RDF choice --


def offers_for(kind: QueryKind) -> list[Format]:
    return list(CHOICES[kind])


# -- handlers ---------------------------------------------------------------------------------


def _single_values(request: Request) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            raise InvalidParameter(key, "given once")
        values[key] = value
    return values


def _positive(raw: dict[str, str], name: str, maximum: int) -> int | None:
    value = raw.pop(name, None)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise InvalidParameter(name, f"an integer between 1 and {maximum}")
    return int(value)


def link_header(request: Request, info: PageInfo) -> str:
    """RFC 8288 links to the first, previous, next and last pages."""
    targets = {"first": 1, "last": info.last}
    if info.page > 1:
        targets["prev"] = min(info.page - 1, info.last)
    if info.page < info.last:
        targets["next"] = info.page + 1
    links = []
    for rel in ("first", "prev", "next", "last"):
        if rel in targets:
            url = request.url.include_query_params(page=targets[rel], per_page=info.per_page)
            links.append(f'<{url}>; rel="{rel}"')
    return ", ".join(links)


def run_query(request: Request, query: CannedQuery) -> Response:
    """Decode, type, bind, run and serialise one canned query."""
    raw = _single_values(request)
    page = _positive(raw, "page", 10**9)
    per_page = _positive(raw, "per_page", MAX_PER_PAGE)
    format_param = raw.pop("format", None)
    if not query.paginated and (page or per_page):
        raise InvalidParameter("page" if page else "per_page", "absent: not paginated")
    accept = request.headers.get("accept") or ""
    fmt = choose_format(accept, format_param, query.kind)
    state = app_state(request)
    # The page links and a JSON-LD answer's context name this origin: part of the variant.
    validators = state.version.headers(
        "query", query.id, request.url.query, accept, str(request.base_url)
    )
    if (cached := not_modified(request, validators)) is not None:
        return cached

    def member(check: str, bindings: tuple[tuple[str, Term], ...]) -> bool:
        """Through the executor: the query time limit applies to the check too."""
        return state.read(request, is_member, check, bindings)

    bindings = resolve_params(query, raw, member)
    steps = plan(query, bindings, page=page, per_page=per_page)

    def run(text: str, answer_format: Format) -> Answer:
        """Through the same executor as /sparql: the same time limit and row cap."""
        job = QueryJob(
            text=text,
            formats={query.kind: answer_format, QueryKind.SELECT: answer_format},
            accept=accept,
            row_cap=state.settings.result_limit,
            client=client_address(request),
            context=context_url(request),
        )
        return state.executor.run(job)

    headers: dict[str, str] = {**validators, CACHEABLE.decode(): "1"}
    if steps.count_text is not None:
        counted = json.loads(run(steps.count_text, RESULTS_JSON).body)
        bindings_out = counted["results"]["bindings"]
        total = int(bindings_out[0][COUNT_VAR]["value"]) if bindings_out else 0
        info = steps.page_info(total)
        assert info is not None
        headers["Link"] = link_header(request, info)
        headers["X-Total-Count"] = str(info.total)
    answer = run(steps.text, fmt)
    if answer.truncated:
        headers[TRUNCATED] = "true"
        headers[LIMIT] = str(state.settings.result_limit)
    return body_response(answer.body, fmt, headers=headers)


def _endpoint(query: CannedQuery) -> Callable[..., Response]:
    def endpoint(request: Request) -> Response:
        page = page_redirect(request, f"/questions/{query.id}")
        return page if page is not None else run_query(request, query)

    endpoint.__name__ = "run_" + query.id.replace("/", "__").replace("-", "_")
    endpoint.__doc__ = query.header.description["en"]
    return endpoint


# -- OpenAPI ----------------------------------------------------------------------------------


def _parameters(query: CannedQuery) -> list[dict[str, Any]]:
    params = []
    for spec in query.header.params:
        params.append(
            {
                "name": spec.name,
                "in": "query",
                "required": spec.required,
                "description": f"{spec.description['en']} — {spec.description['fr']}"
                f" (expected: {spec.expected})",
                "schema": json_schema(spec),
            }
        )
    if query.paginated:
        size = query.header.pagination
        params += [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1 — numéro de page",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Rows per page — lignes par page",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": size,
                },
            },
        ]
    names = [f.name for f in offers_for(query.kind)]
    params.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Answer format, overriding Accept — format de la réponse: "
            + ", ".join(names),
            "schema": {"type": "string", "examples": names},
        }
    )
    return params


def schema_stem(query: CannedQuery) -> str:
    """The stem of a SELECT's schemas: ``SpaserListTargetsByPlan`` (``…Row``, ``…Results``)."""
    words = query.id.replace("/", "-").split("-")
    return "".join(word.capitalize() for word in words)


def _responses(query: CannedQuery) -> dict[int | str, dict[str, Any]]:
    """JSON results first, described row by row for a SELECT, so that a generated client
    parses an answer into typed objects; the other formats as text."""
    content: dict[str, Any] = {}
    if query.kind is QueryKind.SELECT:
        content[RESULTS_JSON.media_type] = {
            "schema": {"$ref": f"#/components/schemas/{schema_stem(query)}Results"}
        }
    elif query.kind is QueryKind.ASK:
        content[RESULTS_JSON.media_type] = {"schema": RESULTS_REF}
    for fmt in offers_for(query.kind):
        content.setdefault(fmt.media_type, {"schema": {"type": "string"}})
    ok: dict[str, Any] = {"description": "The answer", "content": content}
    if query.paginated:
        ok["headers"] = {
            "Link": {"description": "RFC 8288 first/prev/next/last", "schema": {"type": "string"}},
            "X-Total-Count": {"description": "Rows in all pages", "schema": {"type": "integer"}},
        }
    return {
        "200": ok,
        "406": {"description": "No acceptable format", "content": PROBLEM},
        "422": {"description": "A parameter is not of its type", "content": PROBLEM},
    }


def router_for(catalogue: Catalogue) -> APIRouter:
    """One GET operation per query, plus the catalogue listings. Each operation has one tag
    (its area), so documentation tools list it once; the header's keywords are in its
    description."""
    router = APIRouter()

    @router.get("/queries", tags=["queries"], summary="The canned-query catalogue (JSON or RDF)")
    def list_queries(request: Request, settings: SettingsDep) -> Response:
        page = page_redirect(request, "/questions")
        return page or catalogue_response(request, catalogue, settings, json_allowed=True)

    @router.get(
        "/.well-known/sparql-examples",
        tags=["queries"],
        summary="The catalogue as SHACL SPARQL executables (SIB sparql-examples)",
    )
    def sparql_examples(request: Request, settings: SettingsDep) -> Response:
        return catalogue_response(request, catalogue, settings, json_allowed=False)

    for query in catalogue:
        router.add_api_route(
            f"/queries/{query.id}",
            _endpoint(query),
            methods=["GET"],
            summary=f"{query.header.summary['en']} — {query.header.summary['fr']}",
            description=f"{query.header.description['en']}\n\n{query.header.description['fr']}"
            f"\n\nKeywords: {', '.join(query.header.tags)}",
            operation_id="query_" + query.id.replace("/", "__").replace("-", "_"),
            tags=[f"queries: {query.area}"],
            response_class=Response,
            responses=_responses(query),
            openapi_extra={"parameters": _parameters(query)},
        )
    return router


def catalogue_json(request: Request, catalogue: Catalogue) -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "url": str(request.url_for("list_queries")) + "/" + q.id,
            "summary": q.header.summary,
            "description": q.header.description,
            "tags": list(q.header.tags),
            "kind": q.kind.value,
            "per_page": q.header.pagination,
            "parameters": [
                {
                    "name": p.name,
                    "type": p.type.value,
                    "required": p.required,
                    "default": p.default,
                    "expected": p.expected,
                    "description": p.description,
                }
                for p in q.header.params
            ],
        }
        for q in catalogue
    ]


def catalogue_response(
    request: Request, catalogue: Catalogue, settings: Settings, *, json_allowed: bool
) -> Response:
    """The catalogue as plain JSON or RDF, negotiated (its ETag is its digest: it changes
    with the queries folder and the URLs it names, not with the data)."""
    accept = request.headers.get("accept") or ""
    format_param = request.query_params.get("format")
    if json_allowed:
        fmt = choose_json_or_rdf(accept, format_param)
        if fmt is None:
            body = json.dumps(catalogue_json(request, catalogue), ensure_ascii=False)
            return Response(body.encode("utf-8"), media_type=PLAIN_JSON, headers={"Vary": "Accept"})
    graph = describe(catalogue, settings.public_base, base_url(request) + "/sparql")
    if asks_for_page(request):
        turtle = serialize_graph(graph, TURTLE)
        return rdf_page(request, "SPARQL examples", turtle, [("Turtle", "?format=turtle")])
    if not json_allowed:
        fmt = choose_format(accept or TURTLE.media_type, format_param, QueryKind.GRAPH)
    assert fmt is not None
    return body_response(serialize_graph(graph, fmt, context=context_url(request)), fmt)


def install(app: FastAPI, catalogue: Catalogue) -> None:
    """Add the routes; the document gets each SELECT's row schema and, on first use, the
    values of enumerated parameters found in the store, as examples."""
    app.include_router(router_for(catalogue))
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build_schema()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for query in catalogue:
            if query.kind is QueryKind.SELECT:
                variables = projected_variables(query.text)
                schemas.update(results_schemas(schema_stem(query), variables))
        runtime: AppState | None = getattr(app.state, "runtime", None)
        if runtime is not None:
            _fill_examples(schema, runtime, catalogue)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


#: Values listed in an enumerated parameter's description; the data may hold more.
_LISTED = 20


def _fill_examples(schema: dict[str, Any], runtime: AppState, catalogue: Catalogue) -> None:
    """Values from the data as examples and in the description, never an ``enum``: a
    generated client would refuse whatever a partner adds after it was generated. Read by
    the query engine under the query time limit (a time-out is a 503, and the document is
    built again at the next request)."""
    job = StoreCall(enumerations, (enumerated(catalogue), runtime.settings.result_limit), "")
    for (query_id, name), values in runtime.executor.run(job).items():
        if not values:
            continue
        operation = schema["paths"][f"/queries/{query_id}"]["get"]
        for param in operation.get("parameters", []):
            if param["name"] == name:
                param["schema"]["examples"] = values[:_LISTED]
                listed = ", ".join(values[:_LISTED]) + (", …" if len(values) > _LISTED else "")
                param["description"] += f". Values in the data: {listed}"

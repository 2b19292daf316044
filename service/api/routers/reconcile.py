"""``/reconcile``: the Reconciliation Service API 0.2, for OpenRefine and its kin.

GET without parameters answers the manifest; ``queries=`` (GET or a POST form) a batch of
reconciliation queries, ``extend=`` a data-extension query. Each incoming document is
checked against the specification's schema first (400 naming what is wrong). The entity
index is read as a job of the query engine once per data version and kept in the app's
state (``AppState.derived``).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from service.api.runtime import app_state
from service.api.web.i18n import language
from service.errors import BadRequest
from service.reconcile import documents, schemas
from service.reconcile.extend import extend_entities
from service.reconcile.index import Index, read_index

router = APIRouter(prefix="/reconcile", tags=["reconciliation"])


def _index(request: Request) -> Index:
    return app_state(request).derived(request, read_index)


def _json(body: dict[str, Any], lang: str) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        media_type="application/json",
        headers={"Access-Control-Allow-Origin": "*", "Content-Language": lang},
    )


def _document(raw: str, schema: str) -> Any:
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{schema}: not JSON ({exc.msg}, position {exc.pos})") from exc
    problems = schemas.errors(schema, document)
    if problems:
        raise BadRequest(f"not a valid {schema}: " + "; ".join(problems[:5]))
    return document


async def _answer(request: Request, params: dict[str, str]) -> Response:
    state, lang = app_state(request), language(request)
    base = str(request.url_for("reconcile_get")).rstrip("/")
    if "queries" in params:
        batch = _document(params["queries"], "reconciliation-query-batch")
        index = await anyio.to_thread.run_sync(_index, request)
        body = await anyio.to_thread.run_sync(documents.results, index, batch, lang)
        return _json(body, lang)
    if "extend" in params:
        query = _document(params["extend"], "data-extension-query")
        properties = [p["id"] for p in query["properties"]]
        unknown = [p for p in properties if p not in documents.EXTEND_PROPERTIES]
        if unknown:
            raise BadRequest(f"no such property: {', '.join(unknown)}")
        ids = tuple(str(i) for i in query["ids"])
        body = await anyio.to_thread.run_sync(
            partial(state.read, request, extend_entities, ids, tuple(properties), lang)
        )
        return _json(body, lang)
    return _json(documents.manifest(base, lang), lang)


@router.get(
    "", name="reconcile_get", summary="Manifest, or a batch (?queries=) or extension (?extend=)"
)
async def reconcile_get(request: Request) -> Response:
    return await _answer(request, dict(request.query_params))


@router.post("", summary="A batch of reconciliation queries, or a data-extension query (form)")
async def reconcile_post(request: Request) -> Response:
    form = await request.form()
    params = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    return await _answer(request, params)


@router.get("/preview", summary="An HTML preview of an entity")
async def preview(request: Request, id: str) -> Response:
    lang = language(request)
    index = await anyio.to_thread.run_sync(_index, request)
    page = documents.preview(index.entities.get(id), lang)
    return Response(page, media_type="text/html; charset=utf-8")


@router.get("/suggest/{what}", summary="Suggest entities, types or properties")
async def suggest(request: Request, what: str, prefix: str = "") -> Response:
    lang = language(request)
    if what == "entity":
        index = await anyio.to_thread.run_sync(_index, request)
        return _json(documents.suggest_entities(index, prefix, lang), lang)
    if what == "type":
        return _json(documents.suggest_types(prefix, lang), lang)
    if what == "property":
        return _json(documents.suggest_properties(prefix, lang), lang)
    raise BadRequest("suggest entity, type or property")


@router.get("/extend/propose", summary="Properties a data extension can fetch for a type")
async def propose(request: Request, type: str = "", limit: int | None = None) -> Response:
    lang = language(request)
    return _json(documents.propose_properties(type, lang, limit), lang)

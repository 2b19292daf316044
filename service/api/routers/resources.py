"""Linked-data dereferencing: ``/id/…`` redirects, ``/data/…`` serves RDF, ``/page/…`` HTML.

The persistent IRIs (``https://w3id.org/esskg/id/…``) resolve to this server's ``/id/…``;
a 303 then sends browsers to the page and programs to the data, as the W3C's "Cool URIs for
the Semantic Web" recommends for IRIs that name things rather than documents.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from service.api.caching import not_modified
from service.api.deps import SettingsDep, StoreDep
from service.api.negotiation import body_response, choose_format, wants_html
from service.api.result_cache import CACHEABLE
from service.api.routers.meta import context_url
from service.api.routers.sparql import LIMIT, TRUNCATED
from service.api.runtime import app_state
from service.api.web.browsers import page_redirect
from service.api.web.i18n import VARY, language
from service.api.web.routes import resource_page
from service.errors import GraphNotFound
from service.formats import JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from service.resources import description, exists, known_page, resource_iri
from service.store.base import QueryKind

router = APIRouter(tags=["linked data"])

#: Extensions a ``/data/…`` URL may end with, and what they select.
EXTENSIONS: dict[str, Format] = {"ttl": TURTLE, "nt": NTRIPLES, "jsonld": JSONLD, "rdf": RDFXML}


class ResourceNotFound(GraphNotFound):
    """Nothing in the graph mentions the requested IRI."""


def _unknown(settings: SettingsDep, path: str) -> ResourceNotFound:
    return ResourceNotFound(f"no resource {settings.public_base}id/{path}")


@router.get("/id/{path:path}", summary="Dereference a resource IRI (303 to its page or data)")
def dereference(path: str, request: Request, settings: SettingsDep) -> Response:
    iri = resource_iri(settings.public_base, path)
    if not app_state(request).read(request, exists, iri):
        raise _unknown(settings, path)
    accept = request.headers.get("accept")
    if wants_html(accept):
        target = f"/page/{path}"
    else:
        fmt = choose_format(accept, None, QueryKind.GRAPH)
        ext = next((e for e, f in EXTENSIONS.items() if f is fmt), None)
        target = f"/data/{path}.{ext}" if ext else f"/data/{path}?format={fmt.name}"
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


@router.get("/data/{path:path}", summary="What the graph says about a resource, as RDF")
def data(
    path: str,
    request: Request,
    settings: SettingsDep,
    format: str | None = None,
) -> Response:
    stem, _, ext = path.rpartition(".")
    if stem and ext in EXTENSIONS:
        path, fmt = stem, EXTENSIONS[ext]
    elif (page := page_redirect(request, f"/page/{path}")) is not None:
        return page  # a browser ranks application/xml second: it means the page, not RDF/XML
    else:
        fmt = choose_format(request.headers.get("accept"), format, QueryKind.GRAPH)
    iri = resource_iri(settings.public_base, path)
    context = context_url(request)  # a JSON-LD answer names it: part of the representation
    state = app_state(request)
    headers = state.version.headers("data", path, fmt.name, context)
    if (cached := not_modified(request, headers)) is not None:
        return cached
    cap = state.settings.result_limit
    answer = state.read(request, description, iri, fmt, cap, context)
    if answer is None:
        raise _unknown(settings, path)
    headers["Link"] = f'<{iri}>; rel="describes"'
    headers[CACHEABLE.decode()] = "1"
    if answer.truncated:
        headers[TRUNCATED] = "true"
        headers[LIMIT] = str(cap)
    return body_response(answer.body, fmt, headers=headers)


@router.get("/page/{path:path}", response_class=HTMLResponse, summary="A resource's page")
def html_page(path: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    state = app_state(request)
    # Pages speak the reader's language, which the answer cache does not key on: they are
    # validated by ETag (one per language) but not kept in it.
    lang = language(request)
    headers = state.version.headers("page", path, lang)
    headers["Vary"] = VARY
    if (cached := not_modified(request, headers)) is not None:
        return cached
    iri = resource_iri(settings.public_base, path)
    found = state.read(request, known_page, iri, lang, state.settings.result_limit)
    if found is None:
        raise _unknown(settings, path)
    formats = [
        (label, f"/data/{path}.{ext}", EXTENSIONS[ext].media_type)
        for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
    ]
    response = resource_page(request, store, found, formats)
    response.headers.update(headers)
    return response

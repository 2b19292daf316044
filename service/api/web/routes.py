"""The pages' routes. Each handler gathers what its page shows and renders a template;
the reading is done by the small modules beside this one, cached per data version."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from rdflib import URIRef

from service.api.deps import SettingsDep, StoreDep
from service.api.negotiation import wants_html
from service.api.runtime import AppState, app_state
from service.api.web import assets
from service.api.web.formatting import PREFIXES
from service.api.web.i18n import LANGUAGES, WORDS, area_name, language
from service.api.web.memo import per_version
from service.api.web.overview import overview
from service.api.web.questions import InvalidParameter, ask, fields, submitted
from service.api.web.render import environment, render
from service.api.web.resource_view import query_link, resource_view
from service.api.web.vocabulary import Vocabulary, load_vocabulary
from service.errors import EsskgError, GraphNotFound
from service.namespaces import GRAPH, ONTOLOGY_GRAPH
from service.partners.kinds import KINDS
from service.queries.catalogue import CannedQuery, Catalogue
from service.resources import Page, capped_page, exists
from service.store.base import Store
from service.store.terms import checked_iri

logger = logging.getLogger("esskg.api")

DEFAULT_QUERY = """PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?spaser ?label WHERE {
  ?spaser a ess:SPASER ;
          rdfs:label ?label .
  FILTER(LANG(?label) = "fr")
}
ORDER BY ?label
LIMIT 20
"""


_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,200}")


class PageNotFound(GraphNotFound):
    """No page by that name (a 404; browsers get the HTML one)."""


def app_state_of(app: FastAPI) -> AppState:
    state: AppState = app.state.runtime
    return state


def vocabulary(request: Request, store: Store) -> Vocabulary:
    return per_version(request.app, "vocabulary", lambda: load_vocabulary(store))


def without_header(text: str) -> str:
    """A canned query's SPARQL without its ``#+`` header: what a reader wants to edit."""
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith("#+") or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


def _grouped(catalogue: Catalogue, lang: str) -> list[tuple[str, list[CannedQuery]]]:
    return [(area_name(area, lang), list(qs)) for area, qs in groupby(catalogue, lambda q: q.area)]


def resource_page(
    request: Request, store: Store, found: Page, formats: list[tuple[str, str, str]]
) -> Response:
    """The readable page of any IRI the graph mentions (a resource, a source graph), from
    its statements as the query engine read them (``service.resources.known_page``)."""
    lang = language(request)
    settings = app_state(request).settings
    view = resource_view(found, vocabulary(request, store), lang, settings.public_base)
    return render(
        request,
        "resource.html",
        {"view": view, "formats": formats, "query_link": query_link(str(found.iri))},
    )


def not_found_page(request: Request, detail: str) -> Response:
    """The 404 a browser gets, in its language."""
    lang = language(request)
    words = WORDS[lang]
    context = {"title": words["not_found"], "text": words["not_found_text"], "detail": detail}
    return render(request, "error.html", context, status_code=404)


def router_for(catalogue: Catalogue) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
        lang = language(request)
        vocab = vocabulary(request, store)
        summary = per_version(
            request.app,
            f"overview-{lang}",
            lambda: overview(store, settings, vocab, lang, app_state(request).counts),
        )
        context = {
            "overview": summary,
            "catalogue": _grouped(catalogue, lang),
            "endpoint": str(request.base_url) + "sparql",
        }
        return render(request, "home.html", context)

    @router.get("/editor")
    def editor(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
        lang = language(request)
        example = request.query_params.get("example")
        chosen = catalogue.get(example) if example else None
        text = request.query_params.get("query") or (
            without_header(chosen.text) if chosen else DEFAULT_QUERY
        )
        config = {
            "base": settings.public_base,
            "prefixes": PREFIXES,
            "terms": vocabulary(request, store).completions(),
            "examples": [
                {"id": q.id, "title": q.header.summary.get(lang), "text": without_header(q.text)}
                for q in catalogue
            ],
        }
        context = {
            "query": text,
            "example": chosen.id if chosen else None,
            "catalogue": _grouped(catalogue, lang),
            "config": config,
        }
        return render(request, "editor.html", context)

    @router.get("/questions")
    def questions(request: Request) -> Response:
        grouped = _grouped(catalogue, language(request))
        return render(request, "questions.html", {"catalogue": grouped})

    @router.get("/questions/{query_id:path}")
    def question(
        query_id: str, request: Request, store: StoreDep, settings: SettingsDep
    ) -> Response:
        query = catalogue.get(query_id)
        if query is None:
            raise PageNotFound(f"no question {query_id}")
        lang = language(request)
        values = submitted(dict(request.query_params))
        form = fields(query, values, store, vocabulary(request, store), lang)
        context: dict[str, Any] = {
            "query": query,
            "area": area_name(query.area, lang),
            "fields": form,
            "config": {"base": settings.public_base, "prefixes": PREFIXES},
            "view": request.query_params.get("view"),
        }
        try:
            asked = ask(query, values, store)
        except InvalidParameter as exc:
            wrong = next((f for f in form if f.name == exc.name), None)
            if wrong is not None:
                wrong.error = str(exc)
            context["error"] = str(exc)
            return render(request, "question.html", context, status_code=422)
        sep = "&" if "?" in asked.source else "?"
        context.update(
            sparql=asked.sparql,
            source=asked.source,
            editor_query=urlencode({"query": asked.sparql}),
            csv_url=asked.source + sep + "format=csv",
            json_url=asked.source + sep + "format=json",
        )
        return render(request, "question.html", context)

    @router.get("/def")
    def vocabulary_page(request: Request, store: StoreDep) -> Response:
        """The vocabulary's document: HTML for people, the ontology graph for programs."""
        if not wants_html(request.headers.get("accept")):
            target = "/graphs?" + urlencode({"graph": ONTOLOGY_GRAPH})
            return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
        lang = language(request)
        vocab = vocabulary(request, store)
        label: Callable[[str], str] = lambda iri: vocab.label(iri, lang)  # noqa: E731
        return render(request, "vocabulary.html", {"vocab": vocab, "label": label})

    @router.get("/def/{name}")
    def term(name: str) -> Response:
        """``/def/X`` for people who type the term's name as a path: its place in ``/def``."""
        if not _LOCAL_NAME.fullmatch(name):
            raise PageNotFound(f"no term {name[:100]!r}")
        return RedirectResponse("/def#" + name, status_code=303)

    @router.get("/graph/{path:path}")
    def named_graph(path: str, request: Request, store: StoreDep) -> Response:
        """A named graph's IRI: its page (the source page's description) for browsers, its
        triples (the Graph Store Protocol) for programs."""
        iri = checked_iri(GRAPH + path, "path")
        if not store.has_graph(iri) and not exists(store, URIRef(iri)):
            raise PageNotFound(f"no graph {iri}")
        gsp = "/graphs?" + urlencode({"graph": iri})
        if not wants_html(request.headers.get("accept")):
            return RedirectResponse(gsp, status_code=303, headers={"Vary": "Accept"})
        state = app_state(request)
        lang, cap = language(request), state.settings.result_limit
        found = state.read(request, capped_page, URIRef(iri), lang, cap)
        # format= names the file: a browser following the link ranks HTML first and would
        # otherwise be answered with this page again (or RDF/XML, its next choice)
        turtle = gsp + "&format=turtle"
        return resource_page(request, store, found, [("Turtle", turtle, "text/turtle")])

    @router.get("/docs")
    def docs(request: Request) -> Response:
        return render(request, "docs.html", {})

    @router.get("/contribute")
    def contribute(request: Request) -> Response:
        """The upload page: a partner's dry run is public, its commit asks for its key."""
        lang = language(request)
        kinds = [
            (
                k.slug,
                k.title_en if lang == "en" else k.title_fr,
                k.about_en if lang == "en" else k.about_fr,
            )
            for k in KINDS.values()
        ]
        return render(request, "contribute.html", {"kinds": kinds})

    return router


def warm(app: FastAPI) -> None:
    """Read the vocabulary and the home page's figures and compile the templates once, at
    start-up, so that the first reader does not wait for them (about half a second)."""
    store: Store = app.state.store
    settings = app_state_of(app).settings
    for name in ("home.html", "editor.html", "resource.html", "question.html", "error.html"):
        environment().get_template(name)
    try:
        vocab = per_version(app, "vocabulary", lambda: load_vocabulary(store))
        for lang in LANGUAGES:
            figures = partial(overview, store, settings, vocab, lang, app_state_of(app).counts)
            per_version(app, f"overview-{lang}", figures)
    except (EsskgError, OSError) as exc:  # a remote engine not answering yet: read on demand
        logger.warning("pages not warmed at start-up: %s", exc)


def install(app: FastAPI, catalogue: Catalogue) -> None:
    """The pages and the static files, on ``app``."""
    app.include_router(assets.router)
    app.include_router(router_for(catalogue))

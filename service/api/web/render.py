"""Templates to responses: the page's language, its words, asset URLs and the headers a
page varies on. Jinja2 autoescapes every value; templates never mark data as safe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from service.api.web.assets import asset_url, built
from service.api.web.formatting import compact, local_href
from service.api.web.i18n import COOKIE, LANGUAGES, VARY, WORDS, language, pick


def _json_script(value: object) -> Markup:
    """JSON for a ``<script type="application/json">``: ``<``, ``>``, ``&`` escaped, so no
    string in the data can close the element."""
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("service.api.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact"] = compact
    env.filters["href"] = local_href
    env.filters["json_script"] = _json_script
    env.globals["asset"] = asset_url
    env.globals["pick"] = pick
    return env


def switch_url(request: Request, lang: str) -> str:
    """This page in the other language (``?lang=`` replaces any earlier choice)."""
    other = next(code for code in LANGUAGES if code != lang)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*params, ("lang", other)])


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` in the request's language."""
    lang = str(context.get("lang") or language(request))
    page = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            t=WORDS[lang],
            switch=switch_url(request, lang),
            path=request.url.path,
            assets_built=built(),
            **context,
        )
    )
    out = {"Vary": VARY, "Content-Language": lang, **(headers or {})}
    response = HTMLResponse(page, status_code=status_code, headers=out)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response

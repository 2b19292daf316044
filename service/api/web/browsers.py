"""What a browser gets at an API URL: the page that shows the same thing to a person.

Browsers rank ``text/html`` first and ``application/xml`` next, which the API would answer
with an RDF/XML or SPARQL XML download; programs rank HTML last or not at all and keep their
formats. ``format=`` always means the file itself, for the download links the pages offer.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from service.api.negotiation import wants_html
from service.api.web.render import render

#: Parameters of an API URL that a page does not take.
_API_ONLY = frozenset({"page", "per_page", "format"})


def asks_for_page(request: Request) -> bool:
    return "format" not in request.query_params and wants_html(request.headers.get("accept"))


def page_redirect(request: Request, target: str) -> Response | None:
    """303 to ``target`` (with the request's parameters) when a browser asks; else None."""
    if not asks_for_page(request):
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in _API_ONLY]
    location = target + ("?" + urlencode(params) if params else "")
    return RedirectResponse(location, status_code=303, headers={"Vary": "Accept"})


def rdf_page(request: Request, title: str, body: bytes, formats: list[tuple[str, str]]) -> Response:
    """An RDF description (VoID, the examples) shown as text, with its download links."""
    context = {"title": title, "body": body.decode("utf-8"), "formats": formats}
    response = render(request, "rdf.html", context)
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response

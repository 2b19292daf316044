"""HTTP methods the way RFC 9110 has them, on every route: HEAD, OPTIONS and ``Allow``.

FastAPI routes answer only the methods they list, so HEAD was 405 wherever a route said GET
(``/id``, ``/data``, ``/queries``, ``/health``, VoID, ``/dump``…), a plain OPTIONS was 405,
and a 405 listed the methods of the first route with the path (``PUT /sparql`` said only
GET, the endpoint being registered once per method). Here, for every route of the app:

* HEAD is answered as GET without its body: same status, same headers (``Content-Length``
  and ``ETag`` included), whatever the route declares;
* OPTIONS (other than a CORS preflight, which the CORS layer outside answers) is 204 with
  ``Allow``;
* a 405 carries ``Allow`` with every method the path answers.

The methods of a path are read from the app's own routes when a request needs them (a HEAD,
an OPTIONS, a 405), never on the way of other requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

import fastapi.routing
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Recent FastAPI keeps included routers nested and walks them with this; older ones list
#: their routes flat.
_walk = getattr(fastapi.routing, "iter_route_contexts", None)


#: The order ``Allow`` lists methods in.
_ORDER = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def _paths(routes: Sequence[BaseRoute]) -> Iterator[tuple[str | None, set[str] | None]]:
    """(path template, methods) of every route, included routers' routes too."""
    found = _walk(routes) if _walk is not None else routes
    for route in found:
        yield getattr(route, "path", None), getattr(route, "methods", None)


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers on this path (HEAD with GET, OPTIONS with any)."""
    root = scope.get("root_path", "")  # the ASGI path includes it, route templates do not
    path = scope["path"].removeprefix(root) if root else scope["path"]
    methods: set[str] = set()
    for template, route_methods in _paths(routes):
        if template is not None and _pattern(template).match(path):
            methods |= route_methods or {"GET"}
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))


class MethodTable:
    """HEAD as GET, OPTIONS with ``Allow``, and a complete ``Allow`` on 405 (see the module).

    ``routes`` gives the app's routes when asked (they are all registered by then).
    """

    def __init__(self, app: ASGIApp, routes: Callable[[], list[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            allowed = allowed_methods(self.routes(), scope)
            if allowed:
                await _no_content(send, allowed)
                return
        if method == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, self._headers_only(scope, send))
            return
        await self.app(scope, receive, self._with_allow(scope, send))

    def _with_allow(self, scope: Scope, send: Send) -> Send:
        async def forward(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = allowed_methods(self.routes(), scope)
                if allowed:  # else a mounted app answered: its own Allow stands
                    headers = message.get("headers", [])
                    kept = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    message["headers"] = [*kept, (b"allow", ", ".join(allowed).encode("ascii"))]
            await send(message)

        return forward

    def _headers_only(self, scope: Scope, send: Send) -> Send:
        """The GET answer's status and headers, its body left out (a 405 says what the
        path allows, since HEAD itself was what it refused)."""
        allow = self._with_allow(scope, send)

        async def forward(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await allow({"type": "http.response.body", "body": b""})
                return
            await allow(message)

        return forward


async def _no_content(send: Send, allowed: list[str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [(b"allow", ", ".join(allowed).encode("ascii"))],
        }
    )
    await send({"type": "http.response.body", "body": b""})

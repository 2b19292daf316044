"""Requests to ``/sparql`` (and Graph Store writes to ``/graphs``) go straight to their
handler, past the framework's routing.

A lookup that misses the answer cache costs a few hundred microseconds in the engine; the
framework's middleware stack, router and dependency resolution cost about as much again
(cold lookups at 8 clients: about 600/s through them, 1,100/s without). The endpoint's
handler only needs the request, so this layer builds it and calls the handler itself, and
errors go to the exception handlers the app installed (``api.problems``): the same code
answers, with the same statuses and bodies, only the dispatch is shorter. The routes stay
registered for the OpenAPI description and for methods this layer leaves alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Response | Awaitable[Response]]


class DirectDispatch:
    """Calls ``handler`` for ``path`` with one of ``methods``; anything else goes on."""

    def __init__(
        self,
        app: ASGIApp,
        path: str,
        methods: frozenset[str],
        handler: Handler,
        fastapi_app: FastAPI,
    ) -> None:
        self.app = app
        self.path = path
        self.methods = methods
        self.handler = handler
        self.fastapi_app = fastapi_app

    def _error_handler(self, exc: Exception) -> ErrorHandler | None:
        """The handler of a typed error; None for a bug, which the framework's outermost
        layer answers (and hands on to the server's log), as on any other route."""
        handlers = self.fastapi_app.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in handlers:
                found: ErrorHandler = handlers[cls]
                return found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != self.path
            or scope["method"] not in self.methods
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.handler(request)
        except Exception as exc:
            handler = self._error_handler(exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)

"""No route sees a path holding a control character: 400, in one place for every route.

Routes match the decoded path with regular expressions whose ``$`` also matches before a
final newline, and ``{path:path}`` stops at a newline: ``/data/<existing>%0A`` was served as
``/data/<existing>`` (200), ``/id/<existing>%0A`` redirected (303), and a newline inside a
path was cut from what the handler saw. A control character (U+0000 to U+001F, U+007F to
U+009F) belongs in no path this service answers, so a request whose decoded path holds one
is refused before routing, the answer cache and every handler: a problem+json 400, French
first, English on request.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from service.api.problems import error_response
from service.api.whole_body import ASGIApp, Receive, Scope, Send
from service.errors import ControlInPath

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class CleanPath:
    """Refuses, with 400, every request whose decoded path holds a control character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (found := _CONTROL.search(scope["path"])):
            from service.api.web.i18n import language  # the pages import the problems

            code = f"U+{ord(found.group()):04X}"
            refusal = ControlInPath(
                f"le chemin de la requête contient un caractère de contrôle ({code}) : aucune "
                "ressource de ce service n'en a",
                f"the request path holds a control character ({code}): no resource of this "
                "service has one",
            )
            response = error_response(refusal, language(Request(scope)))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

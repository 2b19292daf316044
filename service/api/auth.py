"""The bearer token that guards every write; with no token configured, writes are off."""

from __future__ import annotations

import hmac

from fastapi import Request

from service.errors import Forbidden, Unauthorized, WritesDisabled
from service.settings import Settings


def require_writer(request: Request, settings: Settings) -> None:
    """Raise unless the request carries the configured write token.

    The token is compared in constant time so that its value cannot be guessed from timing.
    """
    if settings.write_token is None or not settings.write_token.get_secret_value():
        raise WritesDisabled("writes are disabled: the service has no ESSKG_WRITE_TOKEN")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' to write")
    expected = settings.write_token.get_secret_value().encode("utf-8")
    if not hmac.compare_digest(token.strip().encode("utf-8"), expected):
        raise Forbidden("the bearer token is not valid for writes")

"""Who may write: the credentials a request presents, and the keys that accept them.

Writes need a key. The administrator's is ``ESSKG_WRITE_TOKEN``; with none configured,
writes are off. A client presents a key the way its library can:

* ``Authorization: Bearer <key>`` (curl, applications, generated OpenAPI clients);
* ``Authorization: Basic`` with the key as the password (Jena's ``rupdate`` and GSP tools,
  Comunica's ``--httpAuth``, rdflib's ``auth=``, SPARQLWrapper's ``setCredentials``: SPARQL
  clients speak Basic, not Bearer). The user name names whose key it is: any name goes
  with the administrator's key (``admin`` is the documented one); a partner's key will go
  with the partner's name.

A request without credentials gets 401 with a challenge for both schemes, Basic first:
Jena answers a challenge only when it can read its first scheme. Keys are compared in
constant time, every key every time, so neither a key nor which key matched can be told
from timing. Basic credentials coming from another site's page in a browser are refused:
a browser that once asked its user for them would send them again with any cross-site form
(Bearer keys are never sent by the browser on its own).

Partners' keys (``service.partners.keys``, issue 15) join the administrator's: such a
:class:`Writer` carries the only graphs its partner may write (:func:`require_graph_writer`).
Wrong keys are counted per client address and refused with 429 past a limit a minute.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from fastapi import Request

from service.errors import Forbidden, TooManyFailures, Unauthorized, WritesDisabled
from service.settings import Settings

#: The realm of every challenge: one protection space for all writes.
REALM = "esskg"
#: ``WWW-Authenticate`` of a 401: Basic first (see the module docstring), Bearer too.
CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8", Bearer realm="{REALM}"'
#: The user name documented for the administrator's key over Basic (any name is taken).
ADMIN_USER = "admin"


@dataclass(frozen=True)
class Credentials:
    """What a request presents: a key, and the user name Basic carries with it."""

    scheme: str  # "bearer" or "basic"
    secret: str
    user: str | None = None


@dataclass(frozen=True)
class Writer:
    """Who a key belongs to. ``graphs`` None: any graph the HTTP layer lets anyone write."""

    name: str
    graphs: tuple[str, ...] | None = None


class Keyring(Protocol):
    """Keys that let someone write, each compared in constant time."""

    def identify(self, credentials: Credentials) -> Writer | None:
        """The writer whose key this is, or None."""


@dataclass(frozen=True)
class AdminKey:
    """The administrator's key: writes every graph the HTTP layer lets anyone write."""

    token: bytes

    def identify(self, credentials: Credentials) -> Writer | None:
        presented = credentials.secret.encode("utf-8")
        if hmac.compare_digest(presented, self.token):
            return Writer("administrator")
        return None


@dataclass(frozen=True)
class Keyrings:
    """Several keyrings asked in turn; every one is asked, whatever the first answered."""

    members: Sequence[Keyring]

    def identify(self, credentials: Credentials) -> Writer | None:
        found = [ring.identify(credentials) for ring in self.members]
        return next((writer for writer in found if writer is not None), None)


def keyring_for(settings: Settings) -> Keyring | None:
    """The keys the settings configure (the administrator's, the partners'); None when
    there are none, and writes are off."""
    from service.partners.keys import PartnerKeys

    members: list[Keyring] = []
    if settings.write_token is not None and settings.write_token.get_secret_value():
        members.append(AdminKey(settings.write_token.get_secret_value().encode("utf-8")))
    partners = PartnerKeys(settings.resolve(settings.partner_keys_path))
    if partners.has_keys():
        members.append(partners)
    return Keyrings(members) if members else None


@dataclass
class FailedAttempts:
    """Wrong keys per client address over the last minute: past the limit, a client is
    refused (429) before its key is even compared, so keys cannot be guessed at speed."""

    window: float = 60.0
    seen: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self.seen.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def check(self, client: str, limit: int) -> None:
        with self.lock:
            if len(self._recent(client, time.monotonic())) >= limit:
                raise TooManyFailures(
                    f"too many wrong keys from this address: wait {int(self.window)} seconds"
                )

    def failed(self, client: str) -> None:
        with self.lock:
            self._recent(client, time.monotonic()).append(time.monotonic())


FAILURES = FailedAttempts()


def presented(header: str) -> Credentials:
    """The credentials of an ``Authorization`` header, or :class:`Unauthorized`."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return Credentials("bearer", value)
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("the Basic credentials are not base64 of UTF-8 'user:key'") from exc
        user, colon, secret = decoded.partition(":")
        if colon and secret:
            return Credentials("basic", secret, user)
    raise Unauthorized(
        "send the write key as 'Authorization: Bearer <key>', or as the password of HTTP Basic"
    )


def _cross_site(request: Request) -> bool:
    """Whether a browser sent this request from another site's page (Fetch Metadata, or an
    ``Origin`` that is not this server's); programs send neither header."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    own = urlsplit(str(request.base_url))
    return origin is not None and origin != f"{own.scheme}://{own.netloc}"


def require_writer(request: Request, settings: Settings) -> Writer:
    """The writer whose key the request carries; raise 403 when writes are off or the key
    is wrong, 401 (with the challenge) when there is none."""
    keys = keyring_for(settings)
    if keys is None:
        raise WritesDisabled("writes are disabled: the service has no ESSKG_WRITE_TOKEN")
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized(
            "writing needs a key: 'Authorization: Bearer <key>', or HTTP Basic with the key "
            f"as password (user {ADMIN_USER!r} for the administrator's)"
        )
    credentials = presented(header)
    if credentials.scheme == "basic" and _cross_site(request):
        raise Forbidden("HTTP Basic credentials are not taken from another site's page")
    client = request.client.host if request.client is not None else ""
    FAILURES.check(client, settings.auth_failures)
    writer = keys.identify(credentials)
    if writer is None:
        FAILURES.failed(client)
        raise Forbidden("this key may not write")
    return writer


def require_graph_writer(request: Request, settings: Settings, graph: str | None) -> Writer:
    """A writer allowed to write ``graph``: a partner's key writes only its own graphs."""
    writer = require_writer(request, settings)
    check_graph(request, writer, graph)
    return writer


def check_graph(request: Request, writer: Writer, graph: str | None, *, new: bool = False) -> None:
    """403 unless ``writer`` may write ``graph`` (a partner's key: only its own graphs),
    worded for a partner (French, English with ``Accept-Language: en``); ``new``: the
    write would create a graph the server names (a POST to ``/graphs``)."""
    if writer.graphs is None or (graph in writer.graphs and not new):
        return
    own = ", ".join(f"<{g}>" for g in writer.graphs)
    if new:
        fr, en = "un nouveau graphe", "a new graph"
    elif graph is None:
        fr, en = "le graphe par défaut", "the default graph"
    else:
        fr = en = f"<{graph}>"
    raise Forbidden(
        _words(
            request,
            f"la clé de {writer.name} n'écrit que dans {own}, pas dans {fr}",
            f"the key of {writer.name} writes only {own}, not {en}",
        )
    )


def refuse_partner_update(request: Request, writer: Writer) -> None:
    """A SPARQL Update may touch any graph (the engine decides which by evaluating it), so a
    partner's key may not send one: the guarantee is put where the graph is named."""
    if writer.graphs is None:
        return
    own = ", ".join(f"<{g}>" for g in writer.graphs)
    raise Forbidden(
        _words(
            request,
            f"la clé de {writer.name} ne peut pas envoyer de SPARQL Update : téléversez un "
            f"fichier (/partners/{writer.name}/uploads) ou écrivez {own} par le Graph Store "
            "Protocol (/graphs)",
            f"the key of {writer.name} may not send a SPARQL Update: upload a file "
            f"(/partners/{writer.name}/uploads) or write {own} with the Graph Store "
            "Protocol (/graphs)",
        )
    )


def _words(request: Request, french: str, english: str) -> str:
    """French first; English when the request asks for it (partners read these)."""
    from service.api.web.i18n import language

    return english if language(request) == "en" else french

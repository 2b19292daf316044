"""Typed errors of the domain; the HTTP layer maps each to one status code in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class EsskgError(Exception):
    """Base of every error the service raises on purpose."""


@dataclass
class QuerySyntaxError(EsskgError):
    """A query or update that the parser rejects; keeps the parser's own position."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"{self.message}{where}"

    @classmethod
    def from_engine(cls, message: str) -> QuerySyntaxError:
        """Engines put the position in the text ("error at 3:5: ..."); keep it as numbers."""
        found = re.search(r"(\d+):(\d+)", message)
        if found is not None:
            return cls(message, int(found.group(1)), int(found.group(2)))
        found = re.search(r"\bline (\d+)", message)
        return cls(message, int(found.group(1)) if found else None)


class QueryTimeout(EsskgError):
    """The query ran past the configured limit and was stopped."""


class QueryCrashed(EsskgError):
    """The request stopped the query engine (past its memory ceiling, or a crash) twice."""


class TooManyQueries(EsskgError):
    """This client already has as many queries running as it may; one must end first."""


@dataclass
class Worded(EsskgError):
    """A refusal worded for people: French first, English when the request asks for it
    (``Accept-Language``, ``?lang=``). The problem's ``detail`` is the one asked for; the
    error is raised where no request is at hand (the query engine), so it carries both."""

    french: str
    english: str

    def __str__(self) -> str:
        return self.french

    def words(self, lang: str) -> str:
        return self.english if lang == "en" else self.french


class ControlInPath(Worded):
    """A request path holding a control character (a newline, U+007F…): no route has one."""


@dataclass
class RunawayCooldown(Worded):
    """This client's queries stopped the query engine lately (time limit, memory ceiling,
    crash): its next ones are refused until ``retry_after`` seconds have passed."""

    retry_after: int = 1


@dataclass
class EngineReloading(Worded):
    """The query engine was loading the data (after another request stopped it) for longer
    than a query may wait for it, or a retry after its death could not be run in time."""

    retry_after: int = 10


class StoreUnavailable(EsskgError):
    """The store cannot be reached or opened."""


class GraphNotFound(EsskgError):
    """A named graph that the request names does not exist."""


@dataclass
class RdfSyntaxError(EsskgError):
    """An RDF document that does not parse; names the file and position when known."""

    message: str
    source: str = "<input>"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        pos = f":{self.line}:{self.column}" if self.line is not None else ""
        return f"{self.source}{pos}: {self.message}"


@dataclass
class RdfRefused(EsskgError):
    """An RDF document in a form the service will not parse, whatever its syntax: a DOCTYPE
    (entities), RDF/XML not in UTF-8, nesting past the limit, RDF 1.2 triple terms."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.message} (line {self.line})" if self.line is not None else self.message


@dataclass
class UnsupportedFormat(EsskgError):
    """No serialisation is known for the requested media type or file extension."""

    what: str

    def __str__(self) -> str:
        return f"unsupported RDF format: {self.what}"


@dataclass
class BuildFailed(EsskgError):
    """The build found problems; ``report`` is the readable account printed to the user."""

    report: str
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.report


# Errors of the HTTP protocol layer and the write gate ---------------------------------------


@dataclass
class BadRequest(EsskgError):
    """A request the SPARQL protocol forbids: missing or repeated parameters, conflicts."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class InvalidIri(EsskgError):
    """A client-supplied string that should name an RDF resource but is no IRI the engine
    takes; ``parameter`` says where the request carried it (``graph``, ``path``…)."""

    parameter: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.parameter}: not an absolute IRI ({self.reason})"


@dataclass
class UnsupportedMediaType(EsskgError):
    """A request body whose Content-Type (or charset) the endpoint does not take."""

    media_type: str

    def __str__(self) -> str:
        return f"unsupported request Content-Type: {self.media_type or '(none)'}"


@dataclass
class NotAcceptable(EsskgError):
    """No serialisation the client accepts fits the answer; lists what would."""

    requested: str
    available: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"none of {self.requested!r} fits; available: {', '.join(self.available)}"


@dataclass
class PayloadTooLarge(EsskgError):
    """The request body or URL is above the configured size."""

    what: str
    limit: int

    def __str__(self) -> str:
        return f"the request {self.what} is larger than {self.limit} bytes"


@dataclass
class QueryRefused(EsskgError):
    """A query or update that would make the server fetch a URL the client chose."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class EvaluationError(EsskgError):
    """The engine parsed the request but could not carry it out (say, CREATE of a graph
    that exists)."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class RemoteFetchFailed(EsskgError):
    """An allow-listed SERVICE or LOAD target did not answer usefully."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class ProtectedGraph(EsskgError):
    """A write to a graph that only the build may change (ontology, shapes, inferred, the
    official referentials)."""

    graph: str

    def __str__(self) -> str:
        return f"<{self.graph}> is produced by the build and cannot be written over HTTP"


class WritesDisabled(EsskgError):
    """No write token is configured, so the service is read-only."""


class Unauthorized(EsskgError):
    """A write without a key (Bearer, or Basic with the key as password)."""


class Forbidden(EsskgError):
    """A write with a key that may not write (not a configured key, or not for this)."""


class TooManyFailures(EsskgError):
    """A client sent too many wrong keys lately: it waits before trying again."""


@dataclass
class UploadRejected(EsskgError):
    """A partner's upload has errors (cells, shapes): nothing was written. ``report`` is
    the upload's summary, with each error by line and column, worded for the reader."""

    detail: str
    report: dict[str, object]

    def __str__(self) -> str:
        return self.detail


class UnknownPartnerKind(EsskgError):
    """An upload names a kind of contribution that has no template."""


@dataclass
class UriTooLong(EsskgError):
    """The request's query string is above the configured size."""

    limit: int

    def __str__(self) -> str:
        return f"the request URL is longer than {self.limit} bytes; send the query by POST"


# Errors of the HTTP server itself and of conditional writes ----------------------------------


@dataclass
class _Refusal(EsskgError):
    """A refusal whose message is all there is to say."""

    message: str

    def __str__(self) -> str:
        return self.message


class MalformedRequest(_Refusal):
    """Bytes that do not parse as an HTTP/1.1 request (or a body longer than announced,
    whose surplus is read as the next request)."""


class IncompleteBody(_Refusal):
    """The client ended the connection before the body it announced was whole."""


class PreconditionFailed(_Refusal):
    """An ``If-Match``/``If-None-Match`` condition of a write is false: someone else changed
    the graph since the client read it (or it exists when the client said it must not)."""


class UploadConflict(_Refusal):
    """A partner's upload was planned against a graph that other writes kept changing before
    it could commit, past the re-plans allowed: nothing was written; sending it again works."""


# Errors of the process that parses a client's RDF ---------------------------------------------


@dataclass
class ParseMemoryExceeded(EsskgError):
    """Parsing a client's RDF needed more memory than its parser process may take."""

    limit: int

    def __str__(self) -> str:
        return (
            f"parsing the RDF payload needed more than {self.limit} bytes of memory "
            "(setting ESSKG_PARSE_MEMORY_BYTES)"
        )


class ParseTimeout(_Refusal):
    """Parsing a client's RDF passed the time limit and its parser process was stopped."""


class ParserCrashed(_Refusal):
    """The parser process died on a client's RDF (the server itself is unharmed)."""


class TooManyParses(_Refusal):
    """This client already has as many RDF payloads being parsed as it may."""

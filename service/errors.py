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
        if found is None:
            return cls(message)
        return cls(message, int(found.group(1)), int(found.group(2)))


class QueryTimeout(EsskgError):
    """The query ran past the configured limit and was stopped."""


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

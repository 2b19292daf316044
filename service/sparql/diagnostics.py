"""Syntax errors a person can act on.

The engine's parser reports an undeclared prefix as the list of every character it would
have accepted there (700 characters of Unicode ranges). The commonest mistake behind it is a
missing ``PREFIX`` line, so when the request uses a prefix it never declares, the error says
that, where, and which line to add: the IRI itself for the prefixes this project uses (what
Fuseki calls "Unresolved prefixed name").
"""

from __future__ import annotations

from service.errors import QuerySyntaxError
from service.namespaces import PREFIXES
from service.sparql.safety import Scan


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def undeclared_prefix(text: str, found: Scan) -> QuerySyntaxError | None:
    """The error for the first prefix ``text`` uses without declaring it, if any."""
    if not found.undeclared:
        return None
    prefix, offset = found.undeclared[0]
    known = PREFIXES.get(prefix)
    hint = f"<{known}>" if known is not None else "<…>"
    line, column = _position(text, offset)
    return QuerySyntaxError(
        f"unknown prefix `{prefix}:` — add `PREFIX {prefix}: {hint}`", line, column
    )


def explained(error: QuerySyntaxError, text: str, found: Scan) -> QuerySyntaxError:
    """The engine's syntax error, or a clearer one when an undeclared prefix explains it."""
    return undeclared_prefix(text, found) or error

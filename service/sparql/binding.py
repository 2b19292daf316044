"""Pre-binding query variables to RDF terms without splicing values into the query's logic.

The values are written as a ``VALUES`` block of properly serialised N-Triples terms at the
start of the query's outermost group pattern, so a hostile value can only ever be a term:
the serialiser escapes quotes, newlines and angle brackets, and rejects what no term can be.
Engines differ in what they offer natively (pyoxigraph only substitutes projected
variables), and a remote endpoint offers nothing, so every store binds the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from service.errors import QuerySyntaxError
from service.store.base import Term
from service.store.terms import ntriples_term

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\u00B7\u00C0-\uFFFF]*$")
_WORD = re.compile(r"[A-Za-z_]+")


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at ``i``."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        while end != -1 and text[end - 1] == "\\" and text[end - 2] != "\\":
            end = text.find(quote * 3, end + 1)
        return len(text) if end == -1 else end + 3
    j = i + 1
    while j < len(text) and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _is_iri_start(text: str, i: int) -> int | None:
    """End index of an IRI reference at ``i``, or None when ``<`` is an operator."""
    match = re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])
    return i + match.end() if match else None


def top_level_structure(text: str) -> tuple[list[int], list[tuple[str, int]]]:
    """Offsets of depth-0 ``{`` and the depth-0 keywords with their offsets."""
    braces: list[int] = []
    words: list[tuple[str, int]] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        if ch in "\"'":
            i = _skip_string(text, i)
            continue
        if ch == "<":
            iri_end = _is_iri_start(text, i)
            i = iri_end if iri_end is not None else i + 1
            continue
        if ch in "?$":
            match = _WORD.match(text, i + 1)
            i = match.end() if match else i + 1
            continue
        if ch == "{":
            if depth == 0:
                braces.append(i)
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and (ch.isalpha() or ch == "_"):
            match = re.compile(r"[A-Za-z_][\w:.-]*").match(text, i)
            assert match is not None
            words.append((match.group().upper(), i))
            i = match.end()
            continue
        i += 1
    return braces, words


def where_group_offset(query: str) -> int:
    """Offset just inside the ``{`` that opens the outermost WHERE pattern."""
    braces, words = top_level_structure(query)
    keywords = [w for w, _ in words]
    where = [pos for w, pos in words if w == "WHERE"]
    if where:
        candidates = [b for b in braces if b > where[0]]
    elif "CONSTRUCT" in keywords:
        candidates = braces[1:]
    else:
        candidates = braces
    if not candidates:
        raise QuerySyntaxError("cannot bind parameters: the query has no WHERE pattern")
    return candidates[0] + 1


def bind_variables(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with a ``VALUES`` block binding each variable to its term."""
    if not bindings:
        return query
    names = list(bindings)
    for name in names:
        if not _VARIABLE.match(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    values = " ".join(ntriples_term(bindings[name]) for name in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    offset = where_group_offset(query)
    return query[:offset] + block + query[offset:]

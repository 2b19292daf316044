"""The nesting depth of the bracket syntaxes: the Turtle family and JSON.

Each scanner finds the tokens that can hide a bracket from a naive count (strings, IRIs,
comments, escapes) with one regular expression, and counts the brackets between them. The
guarantee is one-sided: the depth returned is never below the depth the engine's parser
reaches. Where the scanner and the engine might read the text differently, the scanner
either reads more brackets (it refuses some odd but valid document) or the engine has
already failed on a syntax error at that point, and parses nothing beyond it:

- a string or IRI is skipped only as the grammar delimits it, so its end is never past the
  engine's (unless the engine fails inside it);
- an unterminated string ends the scan: the engine reads to the end looking for its close,
  and fails;
- a closer lowers the depth whatever it closes: a closer the engine accepts closes its
  innermost construct, and one it does not accept stops it.

Every pattern is possessive, so no scan backtracks: the cost is linear in the size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Depth:
    """The deepest nesting a scan met (capped at ``limit + 1``) and where it first passed
    the limit (byte offset), if it did."""

    depth: int
    offset: int | None = None


# Turtle, TriG, N-Triples and N-Quads (and N3's brackets, which are the same characters).
# Openers: [ ( { and << (RDF 1.2 triple terms and reifiers: "<<(" counts twice, and so does
# its closer ")>>"); closers: ] ) } and >>.
_TURTLE = re.compile(
    rb"""
    (?P<skip>
        \"\"\"(?:(?:\"\"?)?(?:[^\"\\]++|\\.))*+\"\"\"        # long strings, ended as the
      | '''(?:(?:''?)?(?:[^'\\]++|\\.))*+'''                 #   grammar ends them
      | \"(?!\"\")(?:[^\"\\]++|\\.)*+\"                      # short strings (three quotes open
      | '(?!'')(?:[^'\\]++|\\.)*+'                           #   a long one; a newline inside
                                                             #   one is the engine's error)
      | <(?:[^\x00-\x20<>\"{}|^`\\]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>   # IRIs
      | \#[^\r\n]*+                                          # comments
      | \\.                                                  # escapes in local names: ex:a\#
    )
    | (?P<unterminated>[\"'])
    | (?P<open><<|[\[({])
    | (?P<close>>>|[\])}])
    """,
    re.VERBOSE | re.DOTALL,
)

_JSON = re.compile(
    rb"""
    (?P<skip>\"(?:[^\"\\]++|\\.)*+\")
    | (?P<unterminated>\")
    | (?P<open>[\[{])
    | (?P<close>[\]}])
    """,
    re.VERBOSE | re.DOTALL,
)


def line_of(body: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, for messages."""
    return body.count(b"\n", 0, offset) + 1


def _scan(pattern: re.Pattern[bytes], body: bytes, limit: int) -> Depth:
    depth = deepest = 0
    for token in pattern.finditer(body):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    return Depth(depth, token.start())
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "unterminated":
            break
    return Depth(deepest)


def turtle_depth(body: bytes, limit: int) -> Depth:
    """Nesting of a Turtle, TriG, N-Triples or N-Quads document (RDF 1.2 included)."""
    return _scan(_TURTLE, body, limit)


def json_depth(body: bytes, limit: int) -> Depth:
    """Nesting of objects and arrays in a JSON (JSON-LD) document."""
    return _scan(_JSON, body, limit)

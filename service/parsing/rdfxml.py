"""RDF/XML the engine may safely read: UTF-8, no markup declarations, bounded element depth.

The engine's RDF/XML parser expands the internal entities a DOCTYPE declares, without
limit (a few hundred bytes of nested entities ask for gigabytes: "billion laughs"), and
honours a DOCTYPE wherever it appears, even after the root element. It reads UTF-8 only.
So, before it sees a document:

- the document must be UTF-8 (an optional byte-order mark, no NUL, no XML declaration
  naming another encoding); UTF-16 and the rest are refused, not decoded;
- any ``<!`` that does not open a comment or a CDATA section is refused, wherever it is:
  that covers ``<!DOCTYPE`` (any case, any spacing), ``<!ENTITY``, ``<!ELEMENT``, ``<!ATTLIST``.
  The search ignores context on purpose, so it cannot be fooled by a context the engine
  reads differently; it refuses a few odd but valid documents (``<!DOCTYPE`` written inside
  a comment, say), never a declaration;
- elements may nest ``limit`` deep at most: start tags are found as the engine finds them
  (quoted attribute values may hold ``>``), skipping comments, CDATA sections and
  processing instructions, whose ends are the first ``-->``, ``]]>`` and ``?>`` for both.
  Anything unterminated ends the scan: the engine fails there.
"""

from __future__ import annotations

import re

from service.errors import RdfRefused
from service.parsing.brackets import Depth, line_of

_BOM = b"\xef\xbb\xbf"

#: The encoding pseudo-attribute of an XML declaration at the start of the document.
_DECLARED = re.compile(rb"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")

_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")

_MARKUP = re.compile(
    rb"""
    (?P<skip><!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>)
    | (?P<close></[^>]*+>)
    | (?P<open><(?![!?/])(?:[^>"']++|"[^"]*+"|'[^']*+')*+>)
    | (?P<unterminated><)
    """,
    re.VERBOSE | re.DOTALL,
)


def check_encoding(body: bytes) -> None:
    """Refuse what the scan below could misread: anything but UTF-8."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        raise RdfRefused(
            "RDF/XML must be encoded in UTF-8; this document starts with a "
            "UTF-16 or UTF-32 byte-order mark"
        )
    if b"\x00" in body:
        raise RdfRefused(
            "RDF/XML must be encoded in UTF-8; this document holds NUL bytes "
            "(UTF-16 or UTF-32 without a byte-order mark?)"
        )
    declared = _DECLARED.match(body.removeprefix(_BOM))
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        name = declared.group(1).decode("ascii", "replace")
        raise RdfRefused(f"RDF/XML must be encoded in UTF-8, not {name!r}")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RdfRefused(
            f"RDF/XML must be encoded in UTF-8; byte {exc.start} is not", line_of(body, exc.start)
        ) from exc


def check_declarations(body: bytes) -> None:
    """Refuse DOCTYPE and every other markup declaration, so no entity is ever declared."""
    found = _DECLARATION.search(body)
    if found is not None:
        raise RdfRefused(
            "RDF/XML with a DOCTYPE or another markup declaration (<!DOCTYPE, <!ENTITY…) is "
            "refused, so that no entity is expanded: write IRIs out in full, or use XML "
            "namespaces",
            line_of(body, found.start()),
        )


def element_depth(body: bytes, limit: int) -> Depth:
    """The deepest element nesting, stopping once it passes ``limit``."""
    depth = deepest = 0
    for token in _MARKUP.finditer(body):
        kind = token.lastgroup
        if kind == "open":
            empty = token.group().endswith(b"/>")
            if depth + 1 > deepest:
                deepest = depth + 1
                if deepest > limit:
                    return Depth(deepest, token.start())
            if not empty:
                depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "unterminated":
            break
    return Depth(deepest)

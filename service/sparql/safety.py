"""What a SPARQL request would make the server do besides reading its own store.

One small lexer reads the text once, the way the engine's grammar does (SPARQL 1.1 §19:
white space is only space, tab, CR and LF; an IRI excludes every character up to U+0020;
a ``<`` that follows a term inside an expression is the less-than operator, not an IRI),
and records what the request layer needs:

* the query form, so content negotiation can happen before any work is done;
* how deeply brackets nest, so that a query nested past ``max_nesting`` is refused before the
  engine's recursive parser sees it (thousands of levels overflow its stack);
* every ``SERVICE`` target, ``FROM``/``FROM NAMED`` graph and ``LOAD`` source, for a clear
  403 before any work is done, and where protocol ``USING`` clauses go.

None of this is what keeps the service safe any more: outbound connections are refused by
the kernel (``service.netguard``), the row cap is applied to the answer stream
(``service.store.capped``), and a query that crashes the engine crashes only the engine
process. The lexer agrees with the engine on the W3C syntax suites (``tests/w3c``); where it
still misreads, it can refuse a valid query, never open a connection.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from service.errors import BadRequest, QueryRefused
from service.store.base import QueryKind

_TOKEN = re.compile(
    r"""
    (?P<ws>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?
             :(?:[\w.\-:%\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_FORMS = {
    "SELECT": QueryKind.SELECT,
    "ASK": QueryKind.ASK,
    "CONSTRUCT": QueryKind.GRAPH,
    "DESCRIBE": QueryKind.GRAPH,
}

#: Tokens after which, inside an expression, ``<`` compares instead of opening an IRI.
_TERM_ENDS = frozenset({"var", "number", "string", "iri", "pname", "close"})
#: Words after which ``(`` opens a collection (a triple's object), not an expression.
_NOT_CALLS = frozenset({"A", "VALUES"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int  # braces only: 0 is the top level of the query or update

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass
class Scan:
    """What one scan of a query or update found."""

    form: QueryKind | None = None
    services: list[str | None] = field(default_factory=list)  # None: a variable or unknown
    from_graphs: list[str | None] = field(default_factory=list)
    loads: list[str | None] = field(default_factory=list)
    nesting: int = 0  # deepest nesting of braces, parentheses and brackets together
    dataset_clauses: bool = False  # USING, USING NAMED or WITH in an update
    where_offsets: list[int] = field(default_factory=list)  # where USING clauses may go
    undeclared: list[tuple[str, int]] = field(default_factory=list)  # (prefix, offset) used


def _opens_expression(previous: Token | None, stack: list[bool], before: Token | None) -> bool:
    """Whether a ``(`` after ``previous`` opens an expression (True) or a collection."""
    inside = bool(stack) and stack[-1]
    if previous is None:
        return False
    if previous.kind == "word":
        return previous.upper not in _NOT_CALLS
    if previous.kind in ("pname", "iri"):  # a function call, or a collection as an object
        return inside or (before is not None and before.upper == "FILTER")
    if previous.kind == "open" and previous.text == "(":
        return inside
    if previous.kind == "other":  # an operator, or a comma between arguments
        return previous.text != "," or inside
    return inside and previous.kind not in _TERM_ENDS


def _tokens(text: str) -> tuple[list[Token], int]:
    """The significant tokens, and the deepest bracket nesting."""
    found: list[Token] = []
    brackets: list[bool] = []  # per open bracket: is it an expression's parenthesis?
    depth = deepest = 0
    pos, end = 0, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "other"
        value = match.group()
        if kind == "iri":
            previous = found[-1] if found else None
            if brackets and brackets[-1] and previous is not None and previous.kind in _TERM_ENDS:
                kind, value = "other", "<"  # less-than inside an expression
        pos = match.start() + len(value)
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            if value == "}":
                depth -= 1
            if brackets:
                brackets.pop()
        token = Token(kind, value, match.start(), depth)
        if kind == "open":
            if value == "{":
                depth += 1
            previous = found[-1] if found else None
            before = found[-2] if len(found) > 1 else None
            brackets.append(value == "(" and _opens_expression(previous, brackets, before))
            deepest = max(deepest, len(brackets))
        found.append(token)
    return found, deepest


def _resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """The absolute IRI a token names, or None when it cannot be known from the text."""
    if token.kind == "iri":
        iri = token.text[1:-1]
        return urljoin(base, iri) if base else iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix)
        return None if namespace is None else namespace + local.replace("\\", "")
    return None


def scan(text: str) -> Scan:
    """Scan a query or an update (see the module docstring for what is recorded)."""
    tokens, nesting = _tokens(text)
    result = Scan(nesting=nesting)
    prefixes: dict[str, str] = {}
    base: str | None = None

    def following(i: int, skip: tuple[str, ...]) -> Token | None:
        j = i + 1
        while j < len(tokens) and tokens[j].kind == "word" and tokens[j].upper in skip:
            j += 1
        return tokens[j] if j < len(tokens) else None

    declared: set[str] = set()
    for i, token in enumerate(tokens):
        if token.kind == "pname":
            prefix = token.text.partition(":")[0]
            after_prefix = i > 0 and tokens[i - 1].upper == "PREFIX"
            if not after_prefix and prefix not in declared:
                result.undeclared.append((prefix, token.start))
        if token.kind != "word":
            continue
        word = token.upper
        if word == "PREFIX" and i + 1 < len(tokens) and tokens[i + 1].kind == "pname":
            name = tokens[i + 1].text.rstrip(":")
            declared.add(name)
            if i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
                iri = tokens[i + 2].text[1:-1]
                prefixes[name] = urljoin(base, iri) if base else iri
            else:  # e.g. an IRI with \u escapes: its value is unknown here, so is the prefix's
                prefixes.pop(name, None)
        elif word == "BASE":
            if i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
                iri = tokens[i + 1].text[1:-1]
                base = urljoin(base, iri) if base else iri
            else:  # unknown base: relative IRIs then name no host, and are refused
                base = None
        elif word in _FORMS and token.depth == 0 and result.form is None:
            result.form = _FORMS[word]
        elif word == "SERVICE":
            target = following(i, ("SILENT",))
            result.services.append(None if target is None else _resolve(target, prefixes, base))
        elif word == "FROM" and token.depth == 0:
            target = following(i, ("NAMED",))
            result.from_graphs.append(None if target is None else _resolve(target, prefixes, base))
        elif word == "LOAD" and token.depth == 0:
            target = following(i, ("SILENT",))
            result.loads.append(None if target is None else _resolve(target, prefixes, base))
        elif word in ("USING", "WITH") and token.depth == 0:
            result.dataset_clauses = True
        elif word == "WHERE" and token.depth == 0:
            previous = tokens[i - 1] if i > 0 else None
            if not (previous and previous.kind == "word" and previous.upper == "DELETE"):
                result.where_offsets.append(token.start)
    return result


def _host_allowed(iri: str | None, allowed: Collection[str]) -> bool:
    if iri is None or not allowed:
        return False
    parts = urlsplit(iri)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    names = {a.lower() for a in allowed}
    return host in names or (parts.port is not None and f"{host}:{parts.port}" in names)


def check_query(found: Scan, allowed_hosts: Collection[str], local_graphs: Collection[str]) -> None:
    """Refuse federation and remote datasets unless the target host is allow-listed."""
    for target in found.services:
        if not _host_allowed(target, allowed_hosts):
            raise QueryRefused(
                f"SERVICE {'<' + target + '>' if target else 'with a variable target'} is "
                "refused: this endpoint only calls hosts on its allow-list"
            )
    for graph in found.from_graphs:
        if graph is not None and graph in local_graphs:
            continue
        if not _host_allowed(graph, allowed_hosts):
            raise QueryRefused(
                f"FROM <{graph}> names no graph of this dataset, and this endpoint does not "
                "fetch remote data"
            )


def check_update(found: Scan, allowed_hosts: Collection[str]) -> None:
    """Refuse LOAD (and SERVICE in update patterns) unless the host is allow-listed."""
    for source in found.loads:
        if not _host_allowed(source, allowed_hosts):
            raise QueryRefused(
                f"LOAD <{source}> is refused: this endpoint only fetches from allow-listed hosts"
            )
    check_query(Scan(services=found.services), allowed_hosts, ())


def check_nesting(found: Scan, limit: int) -> None:
    """Refuse a request nested deeper than ``limit`` before the engine's parser recurses."""
    if found.nesting > limit:
        raise BadRequest(
            f"the request nests braces, parentheses and brackets {found.nesting} deep; "
            f"this endpoint accepts at most {limit} (setting ESSKG_MAX_NESTING)"
        )


_SAFE_IRI = re.compile(r"^[^<>\"{}|^`\\\s]+$")


def with_using(text: str, found: Scan, default: list[str], named: list[str]) -> str:
    """Apply ``using-graph-uri``/``using-named-graph-uri`` as USING clauses of each operation.

    The protocol forbids both the parameters and dataset clauses in the update: that is a
    400, per SPARQL 1.1 Protocol §2.2.3.
    """
    if not default and not named:
        return text
    if found.dataset_clauses:
        raise BadRequest(
            "using-graph-uri/using-named-graph-uri cannot be combined with USING, "
            "USING NAMED or WITH in the update"
        )
    for iri in (*default, *named):
        if not _SAFE_IRI.match(iri):
            raise BadRequest(f"not an IRI: {iri!r}")
    clauses = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named])
    out = text
    for offset in sorted(found.where_offsets, reverse=True):
        out = f"{out[:offset]}{clauses} {out[offset:]}"
    return out

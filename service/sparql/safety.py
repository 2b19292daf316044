"""What a SPARQL request would make the server do besides reading its own store.

A full parse per request would cost more than most queries take to run, so this module
scans the text once with a small lexer that knows SPARQL's strings, IRIs, comments,
prefixed names and variables (so a keyword inside any of them is never mistaken for one),
and records what the request layer needs:

* the query form, so content negotiation can happen before any work is done;
* every ``SERVICE`` target, ``FROM``/``FROM NAMED`` graph and ``LOAD`` source, so that no
  URL chosen by a client is fetched unless its host is allow-listed;
* the outer ``LIMIT`` and where a cap can be added, and where protocol ``USING`` clauses go.

The engine still parses the request and reports syntax errors with their position; this
scan never accepts anything the engine would refuse, it only refuses more.
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
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?
             :(?:[\w.\-:%\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<open>[{])
  | (?P<close>[}])
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


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int

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
    limit: int | None = None
    limit_span: tuple[int, int] | None = None
    tail_values: int | None = None  # offset of a trailing top-level VALUES clause
    dataset_clauses: bool = False  # USING, USING NAMED or WITH in an update
    where_offsets: list[int] = field(default_factory=list)  # where USING clauses may go


def _tokens(text: str) -> list[Token]:
    found: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            depth -= 1
        found.append(Token(kind, match.group(), match.start(), depth))
        if kind == "open":
            depth += 1
    return found


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
    tokens = _tokens(text)
    result = Scan()
    prefixes: dict[str, str] = {}
    base: str | None = None

    def following(i: int, skip: tuple[str, ...]) -> Token | None:
        j = i + 1
        while j < len(tokens) and tokens[j].kind == "word" and tokens[j].upper in skip:
            j += 1
        return tokens[j] if j < len(tokens) else None

    for i, token in enumerate(tokens):
        if token.kind != "word":
            continue
        word = token.upper
        if word == "PREFIX" and i + 1 < len(tokens) and tokens[i + 1].kind == "pname":
            name = tokens[i + 1].text.rstrip(":")
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
        elif word == "LIMIT" and token.depth == 0:
            if i + 1 < len(tokens) and tokens[i + 1].kind == "number":
                number = tokens[i + 1]
                result.limit = int(float(number.text))
                result.limit_span = (number.start, number.start + len(number.text))
        elif word == "VALUES" and token.depth == 0 and result.form is not None:
            result.tail_values = token.start
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


def with_row_cap(text: str, found: Scan, cap: int) -> str:
    """The query with an outer ``LIMIT cap`` unless its own LIMIT is already no larger.

    The executor reports an answer that reaches the cap as truncated; adding the LIMIT lets
    the engine stop early instead of computing rows nobody will receive.
    """
    if found.limit is not None and found.limit <= cap:
        return text
    if found.limit_span is not None:
        start, end = found.limit_span
        return f"{text[:start]}{cap}{text[end:]}"
    if found.tail_values is not None:
        at = found.tail_values
        return f"{text[:at]}\nLIMIT {cap}\n{text[at:]}"
    return f"{text}\nLIMIT {cap}\n"


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

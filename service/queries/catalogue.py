"""Loading ``queries/<area>/<name>.rq`` into an index of typed, documented queries.

``queries/qc/`` is left out: its files are quality checks that must return no rows, not
questions offered to users. A file whose header does not parse stops the loading with the
file's name, so a broken query never ships half-described.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.queries.header import HeaderError, QueryHeader, parse_header
from service.store.base import QueryKind

#: Areas that are not part of the public catalogue.
EXCLUDED_AREAS = frozenset({"qc"})

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PROLOGUE_ITEM = re.compile(
    r"\s+|#[^\n]*(?:\n|$)|(?i:PREFIX)\s+[^\s:]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>"
)
_FORM = re.compile(r"(?i)(SELECT|CONSTRUCT|DESCRIBE|ASK)\b")


@dataclass(frozen=True)
class CannedQuery:
    """One query of the catalogue: where it lives, what it says, what it asks."""

    area: str
    name: str
    text: str
    header: QueryHeader
    kind: QueryKind
    path: Path

    @property
    def id(self) -> str:
        """``area/name``: the query's stable identifier in URLs and on the command line."""
        return f"{self.area}/{self.name}"

    @property
    def paginated(self) -> bool:
        return self.kind is QueryKind.SELECT and self.header.pagination is not None


def split_prologue(text: str) -> tuple[str, str]:
    """``(prologue, rest)``: the PREFIX/BASE declarations (with comments) and the query form."""
    i = 0
    while True:
        match = _PROLOGUE_ITEM.match(text, i)
        if match is None or match.end() == i:
            return text[:i], text[i:]
        i = match.end()


def query_kind(text: str, source: str = "<query>") -> QueryKind:
    """SELECT, ASK or GRAPH (CONSTRUCT/DESCRIBE), read from the first keyword after the prologue."""
    _, rest = split_prologue(text)
    match = _FORM.match(rest)
    if match is None:
        raise HeaderError(source, "no SELECT, CONSTRUCT, DESCRIBE or ASK after the prologue")
    form = match.group(1).upper()
    if form == "SELECT":
        return QueryKind.SELECT
    return QueryKind.ASK if form == "ASK" else QueryKind.GRAPH


def projected_variables(text: str) -> list[str]:
    """The variables a SELECT projects, in order, as the engine reads them (``SELECT *``
    and expressions included): its answer to the query over no data at all."""
    answer = ox.Store().query(text)
    if not isinstance(answer, ox.QuerySolutions):
        return []
    return [variable.value for variable in answer.variables]


def load_query(path: Path, area: str) -> CannedQuery:
    """One file, checked: a slug name, a valid header, a known query form."""
    source = f"{area}/{path.name}"
    if not _SLUG.match(path.stem) or not _SLUG.match(area):
        raise HeaderError(source, "area and file name must be lower-case slugs")
    text = path.read_text("utf-8")
    header = parse_header(text, source)
    kind = query_kind(text, source)
    if header.pagination is not None and kind is not QueryKind.SELECT:
        raise HeaderError(source, "only SELECT queries can be paginated")
    for spec in header.params:
        if not re.search(rf"[?$]{spec.name}\b", text):
            raise HeaderError(source, f"parameter '{spec.name}' is not a variable of the query")
    return CannedQuery(area, path.stem, text, header, kind, path)


class Catalogue:
    """The queries of one ``queries/`` folder, in a stable order (area, then name)."""

    def __init__(self, queries: list[CannedQuery]) -> None:
        self._by_id = {q.id: q for q in sorted(queries, key=lambda q: (q.area, q.name))}

    @classmethod
    def load(cls, folder: Path) -> Catalogue:
        queries = []
        if folder.is_dir():
            for area in sorted(p for p in folder.iterdir() if p.is_dir()):
                if area.name in EXCLUDED_AREAS:
                    continue
                queries += [load_query(path, area.name) for path in sorted(area.glob("*.rq"))]
        return cls(queries)

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, query_id: str) -> CannedQuery | None:
        return self._by_id.get(query_id)

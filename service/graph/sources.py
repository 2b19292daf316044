"""Where the graph's source files are, and which named graph each one fills.

The mapping is the provenance contract: a data file's graph names the page it came from,
so a researcher can always say which source backs an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from service.formats import rdf_extensions
from service.namespaces import (
    GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    partner_graph,
    source_graph,
)


class Role(StrEnum):
    ONTOLOGY = "ontology"
    SHAPES = "shapes"
    DATA = "data"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    role: Role
    graph: str | None  # None: the store's default graph (a contribution written to ?default)
    label: str  # the path as the user knows it, relative to the project root

    def __str__(self) -> str:
        return self.label


def graph_for_data_file(relative: Path) -> str:
    """``sources/<slug>`` → one graph per page; ``partners/<name>`` → a partner's graph."""
    parts = relative.with_suffix("").parts
    if parts[0] == "sources" and len(parts) == 2:
        return source_graph(parts[1])
    if parts[0] == "partners" and len(parts) == 2:
        return partner_graph(parts[1])
    return GRAPH + "/".join(parts)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    extensions = rdf_extensions()
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in extensions)


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


#: ``shapes/referential/<name>.ttl``: what holds of a whole referential (every commune has
#: its département), loaded only with the referential itself (:mod:`service.graph.referential`).
REFERENTIAL_SHAPES = "referential"


def shape_file(path: Path, root: Path) -> SourceFile:
    return SourceFile(path, Role.SHAPES, SHAPES_GRAPH, _label(path, root))


def discover(root: Path, skip: Path | None = None) -> list[SourceFile]:
    """Every RDF file of ``ontology/``, ``shapes/`` and ``data/`` under ``root``, sorted;
    ``skip``: a folder of ``data/`` read otherwise (the contributions). The shapes of
    referentials are apart: the referential that needs them brings them."""
    found: list[SourceFile] = []
    for path in _files(root / "ontology"):
        found.append(SourceFile(path, Role.ONTOLOGY, ONTOLOGY_GRAPH, _label(path, root)))
    for path in _files(root / "shapes"):
        if path.relative_to(root / "shapes").parts[0] != REFERENTIAL_SHAPES:
            found.append(shape_file(path, root))
    data = root / "data"
    for path in _files(data):
        if skip is not None and path.is_relative_to(skip):
            continue
        graph = graph_for_data_file(path.relative_to(data))
        found.append(SourceFile(path, Role.DATA, graph, _label(path, root)))
    return found


def extra_data_files(paths: list[Path], root: Path) -> list[SourceFile]:
    """Files handed over by a partner for a dry run, each validated as data."""
    return [
        SourceFile(p, Role.DATA, partner_graph(p.stem), _label(p.resolve(), root)) for p in paths
    ]

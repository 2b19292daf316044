"""Contributions: each graph an HTTP write changed, kept as a file that every build reads.

A write that got a 2xx is part of every later build. ``esskg build`` makes a new store from
files, so the write gate hands each graph it commits to :meth:`Contributions.record`, which
writes the graph's whole new content to its own file, ``data/contributions/<slug>.nt``
(setting ``ESSKG_CONTRIBUTIONS_PATH``), before the store commits. That file is the canonical
copy: the build reads it in place of whatever source file fills the same graph, and
``esskg export-contributions DIR`` copies them all (copy them back to restore).

A file is N-Triples whose first line names its graph (``# graph: <IRI>``, or
``# graph: default``); a file with no triples says the graph is empty, so a graph deleted
over HTTP stays deleted even when a source file would fill it.

Crash safety: each file is written under a temporary name and flushed to disk. One file
(a Graph Store write) then takes its name in one rename, which the system makes atomic.
Several (a SPARQL Update) need a commit note listing the renames, written and flushed
first; then the renames are done and the note removed. A crash before the note leaves the
old files; after it, :meth:`recover` (run by the build and at start-up) finishes the
renames. So a write that changes several graphs is in the files whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.graph import crash_points
from service.graph.sources import Role, SourceFile
from service.store.delta import GraphName

SUFFIX = ".nt"
_HEADER = "# graph: "
_DEFAULT = "default"
_NOTE = ".commit.json"
_TEMPORARY = ".tmp"


@dataclass(frozen=True)
class Contribution:
    """One contributed graph and the file that holds it, as read when it was loaded."""

    path: Path
    graph: GraphName
    triples: int
    #: SHA-256 of the file's bytes when loaded: a build records what it read
    #: (``service.graph.catch_up`` finds the files written since)
    digest: str = ""
    #: the file's modification time (ns) when loaded
    modified_ns: int = 0

    def content(self) -> list[ox.Triple]:
        """The graph's triples as the file holds them now (blank-node labels kept)."""
        return list(ox.parse(path=str(self.path), format=ox.RdfFormat.N_TRIPLES))

    def source(self, root: Path) -> SourceFile:
        try:
            label = str(self.path.relative_to(root))
        except ValueError:
            label = str(self.path)
        return SourceFile(self.path, Role.DATA, self.graph, label)


def file_name(graph: str | None) -> str:
    """A readable, unique name: the IRI's last segments, then a digest of the whole IRI."""
    if graph is None:
        return _DEFAULT + SUFFIX
    readable = re.sub(r"[^a-z0-9]+", "-", "-".join(graph.lower().split("/")[-2:])).strip("-")
    digest = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12]
    return f"{readable[:60]}-{digest}{SUFFIX}"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_flushed(path: Path, data: bytes) -> None:
    """``data`` as a new file at ``path``, on disk when this returns, its folder made if
    missing. Straight system calls, no buffered file: each call lets other threads take the
    interpreter, then waits to get it back, and a write is answered after all of them."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o666)
    try:
        rest = memoryview(data)
        while rest:
            rest = rest[os.write(fd, rest) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _document(graph: GraphName, triples: Iterable[ox.Triple]) -> bytes:
    """The file's text: the header, then one line per triple in the engine's spelling."""
    header = f"{_HEADER}{_DEFAULT if graph is None else '<' + graph + '>'}\n"
    return (header + "".join(f"{triple} .\n" for triple in triples)).encode("utf-8")


class Contributions:
    """The folder of contributed graphs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def record(self, graphs: Mapping[GraphName, Iterable[ox.Triple] | None]) -> None:
        """Make these graphs' new contents durable, all or none (``None``: now empty)."""
        if not graphs:
            return
        renames: list[tuple[str, str]] = []
        for graph, triples in graphs.items():
            final = self.folder / file_name(graph)
            temporary = final.with_name(final.name + _TEMPORARY)
            _write_flushed(temporary, _document(graph, triples or ()))
            renames.append((temporary.name, final.name))
        crash_points.reach(crash_points.CONTRIBUTION_FILES)
        if len(renames) == 1:  # one rename is atomic: no note (two fsyncs fewer per write)
            ((temporary_name, final_name),) = renames
            os.replace(self.folder / temporary_name, self.folder / final_name)
            _fsync_folder(self.folder)
            crash_points.reach(crash_points.COMMIT_NOTE)
            return
        note = self.folder / _NOTE
        _write_flushed(note.with_name(note.name + _TEMPORARY), json.dumps(renames).encode())
        os.replace(note.with_name(note.name + _TEMPORARY), note)
        _fsync_folder(self.folder)
        crash_points.reach(crash_points.COMMIT_NOTE)
        self._finish(renames)

    def _finish(self, renames: list[tuple[str, str]]) -> None:
        for temporary, final in renames:
            if (self.folder / temporary).exists():
                os.replace(self.folder / temporary, self.folder / final)
        _fsync_folder(self.folder)
        (self.folder / _NOTE).unlink(missing_ok=True)

    def recover(self) -> None:
        """Finish a commit a crash interrupted; drop the files of one that never began."""
        if not self.folder.is_dir():
            return
        note = self.folder / _NOTE
        if note.exists():
            pairs = json.loads(note.read_text("utf-8"))
            self._finish([(str(temporary), str(final)) for temporary, final in pairs])
        for stray in self.folder.glob("*" + _TEMPORARY):
            stray.unlink()

    def load(self) -> list[Contribution]:
        """Every contributed graph, in file-name order."""
        self.recover()
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*" + SUFFIX)):
            digest = hashlib.sha256()
            with open(path, "rb") as data:
                modified = os.fstat(data.fileno()).st_mtime_ns
                header = data.readline()
                digest.update(header)
                count = 0
                for line in data:
                    digest.update(line)
                    count += bool(line.strip()) and not line.startswith(b"#")
            graph = _graph_named(header.decode("utf-8"), path)
            found.append(Contribution(path, graph, count, digest.hexdigest(), modified))
        return found

    def export(self, target: Path) -> list[Contribution]:
        """Copy every contribution into ``target`` (a backup; copy back to restore)."""
        target.mkdir(parents=True, exist_ok=True)
        carried = self.load()
        for contribution in carried:
            shutil.copy2(contribution.path, target / contribution.path.name)
        return carried


def _graph_named(header: str, path: Path) -> GraphName:
    if not header.startswith(_HEADER):
        raise ValueError(f"{path}: the first line must name the graph ('{_HEADER}<IRI>')")
    name = header[len(_HEADER) :].strip()
    if name == _DEFAULT:
        return None
    return name.removeprefix("<").removesuffix(">")


def with_contributions(
    sources: list[SourceFile], carried: list[Contribution], root: Path
) -> list[SourceFile]:
    """The build's files: a contributed graph replaces the source files that fill it."""
    replaced = {c.graph for c in carried}
    kept = [s for s in sources if s.role is not Role.DATA or s.graph not in replaced]
    return kept + [c.source(root) for c in carried if c.triples]


def hidden_sources(sources: list[SourceFile], carried: list[Contribution]) -> list[SourceFile]:
    """Source files whose graph a contribution replaces: the build says so."""
    replaced = {c.graph for c in carried}
    return [s for s in sources if s.role is Role.DATA and s.graph in replaced]

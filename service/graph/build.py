"""``esskg build``: check every source, then load a fresh store and swap it in atomically.

The store path is a symbolic link to the current build's folder. A new build fills a new
folder beside it and replaces the link with one ``rename``, so readers see either the old
graph or the new one, and a failed build leaves the old one exactly as it was.

The contribution files are read first and the link swapped last: the manifest records each
file's digest as read, so that a server starting on the build applies what was written
since (``service.graph.catch_up``).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from service.errors import BuildFailed
from service.graph import void_stats
from service.graph.bulk_load import Loader, write_with_union
from service.graph.check import check_sources
from service.graph.contributions import (
    Contribution,
    Contributions,
    hidden_sources,
    with_contributions,
)
from service.graph.parse import ParsedSources
from service.graph.reason import Inference
from service.graph.referential import Referentials
from service.graph.sources import SourceFile, discover
from service.graph.validate import Problem
from service.namespaces import INFERRED_GRAPH
from service.settings import Settings

MANIFEST = "build.json"
ENGINE_DIR = "oxigraph"
#: The build's quads as N-Quads, beside the store: the query engine loads them in a third
#: of the time a dump of the disk store takes. Deleted before the first write commits.
SNAPSHOT = "snapshot.nq"
#: The inferred quads' part of the snapshot while the store is being filled.
INFERRED_PART = "inferred.nq"


@dataclass
class BuildManifest:
    """What a build produced; ``/health`` and ``esskg`` read it back."""

    built_at: str
    triples: int
    graphs: dict[str, int]
    files: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: int = 0
    #: each contribution file's SHA-256 as the build read it: the server, when it starts,
    #: applies the ones written since (``service.graph.catch_up``)
    contributions: dict[str, str] = field(default_factory=dict)


@dataclass
class BuildResult:
    manifest: BuildManifest
    folder: Path
    warnings: list[Problem]
    #: the graphs written over HTTP that this build carried, and the source files they replace
    carried: list[Contribution] = field(default_factory=list)
    hidden: list[SourceFile] = field(default_factory=list)


@dataclass
class BuildInputs:
    """The files a build reads: the project's, with the contributions in place of the
    graphs they replace (``service.graph.contributions``)."""

    sources: list[SourceFile]
    carried: list[Contribution]
    hidden: list[SourceFile]


def build_inputs(settings: Settings) -> BuildInputs:
    contributions = Contributions(settings.resolve(settings.contributions_path))
    carried = contributions.load()
    found = discover(settings.root, skip=contributions.folder)
    return BuildInputs(
        with_contributions(found, carried, settings.root),
        carried,
        hidden_sources(found, carried),
    )


def _naming_contributions(failed: BuildFailed, carried: list[Contribution]) -> BuildFailed:
    """A contribution is never dropped to make a build pass: the build fails and says which
    contribution the problems are in, so that it can be fixed (or the shapes, or the
    ontology). The SHACL and OWL reports name the files of the resources at fault."""
    named = [c for c in carried if c.path.name in failed.report]
    if not named:
        return failed
    lines = [
        f"  {c.path.name}: the graph <{c.graph or 'default'}> written over HTTP" for c in named
    ]
    note = (
        "\nThese problems are in contributions (kept, never dropped): fix the data (a new PUT "
        "on the running service, or the file), or the shapes or the ontology, then build "
        "again.\n"
    )
    return BuildFailed(failed.report + note + "\n".join(lines), failed.problems)


def builds_folder(settings: Settings) -> Path:
    return settings.resolve(settings.store_path).parent / "builds"


def current_build(settings: Settings) -> Path | None:
    """The folder the store link points at, or None before the first build."""
    link = settings.resolve(settings.store_path)
    return link.resolve() if link.exists() else None


def read_manifest(folder: Path) -> BuildManifest | None:
    try:
        return BuildManifest(**json.loads((folder / MANIFEST).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _swap_link(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a folder, not a link to a build: move it away first")
    staging = link.with_name(link.name + ".swap")
    staging.unlink(missing_ok=True)
    staging.symlink_to(os.path.relpath(target, link.parent))
    os.replace(staging, link)  # atomic on POSIX


def _prune(settings: Settings, keep: Path) -> None:
    """Keep the live build and ``keep_builds`` earlier ones; a server may still read them."""
    folders = sorted(p for p in builds_folder(settings).iterdir() if p.is_dir() and p != keep)
    for old in folders[: max(0, len(folders) - settings.keep_builds)]:
        shutil.rmtree(old, ignore_errors=True)


def referentials_of(settings: Settings) -> Referentials | None:
    """The referentials a build of these settings imports (none when turned off)."""
    if not settings.referentials:
        return None
    return Referentials(settings.root, settings.resolve(settings.referential_cache))


def build(settings: Settings) -> BuildResult:
    """Check every source file and, only if all is well, publish a new store.

    The store is written beside the checks (:mod:`service.graph.bulk_load`): the asserted
    quads as soon as they are parsed, the inferred ones as soon as the reasoning is done;
    the link is only swapped once every check has passed and the store is complete.
    """
    started = time.perf_counter()
    inputs = build_inputs(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = builds_folder(settings) / stamp
    loader: Loader | None = None
    inferred_part = folder / INFERRED_PART
    inferred_quads: list[ox.Quad] = []

    def store_asserted(parsed: ParsedSources) -> None:
        nonlocal loader
        folder.mkdir(parents=True)
        with (folder / SNAPSHOT).open("wb") as out:
            write_with_union(parsed.quads, out)
        loader = Loader(folder / ENGINE_DIR)
        loader.load(folder / SNAPSHOT)

    def store_inferred(inference: Inference) -> None:
        assert loader is not None, "the asserted quads are handed over first"
        inferred_quads.extend(_inferred_quads(inference))
        with inferred_part.open("wb") as out:
            write_with_union(inferred_quads, out)
        loader.load(inferred_part)

    try:
        try:
            checked = check_sources(
                inputs.sources,
                reasoner=settings.reasoner,
                validator=settings.validator,
                referentials=referentials_of(settings),
                asserted=store_asserted,
                inferred=store_inferred,
            )
        except BuildFailed as failed:
            raise _naming_contributions(failed, inputs.carried) from None
        assert loader is not None, "check_sources hands over the asserted quads"
        timings = dict(checked.timings)

        load_started = time.perf_counter()
        counted = void_stats.count(itertools.chain(checked.parsed.quads, inferred_quads))
        timings["void"] = time.perf_counter() - load_started
        timings["store (beside the checks)"] = loader.wait()
        # the snapshot: the asserted part, then the inferred one (as the store holds them)
        with inferred_part.open("rb") as source, (folder / SNAPSHOT).open("ab") as snapshot:
            shutil.copyfileobj(source, snapshot, 1 << 20)
        inferred_part.unlink()
        disk = ox.Store(str(folder / ENGINE_DIR))
        graphs, triples = _counts(disk, checked.parsed.quads)
        del disk  # releases the on-disk lock: a server may open the store next
        if (stats := counted.stats(triples, graphs)) is not None:
            void_stats.write(folder, stats)
        manifest = BuildManifest(
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            triples=triples,
            graphs=graphs,
            files=[s.label for s in checked.parsed.files],
            warnings=len(checked.warnings),
            contributions={c.path.name: c.digest for c in inputs.carried},
        )
        timings["load"] = time.perf_counter() - load_started
        timings["total"] = time.perf_counter() - started
        manifest.timings = {k: round(v, 3) for k, v in timings.items()}
        (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
        _swap_link(settings.resolve(settings.store_path), folder)
    except BaseException:
        if loader is not None:
            loader.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune(settings, folder)
    return BuildResult(manifest, folder, checked.warnings, inputs.carried, inputs.hidden)


def _inferred_quads(inference: Inference) -> list[ox.Quad]:
    graph = ox.NamedNode(INFERRED_GRAPH)
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in inference.oxigraph_triples()]


def _counts(store: ox.Store, written: Iterable[ox.Quad]) -> tuple[dict[str, int], int]:
    """Triples per named graph, and in all, as :meth:`OxigraphStore.count` tells them.

    The total is every named graph's triples plus the default graph's own statements (those
    no named graph holds; the rest of the default graph is the union's copy). The own
    statements are found among the written default-graph quads (none, unless a contribution
    wrote to the default graph) rather than by a query over the whole union, which took
    20 s for the territory's million triples.
    """
    graphs = {}
    for name in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
        answer = store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=ox.NamedNode(name)
        )
        assert isinstance(answer, ox.QuerySolutions)
        value = next(iter(answer))["n"]
        assert isinstance(value, ox.Literal)
        graphs[name] = int(value.value)
    default = ox.DefaultGraph()
    own: set[ox.Triple] = set()
    for t in {q.triple for q in written if q.graph_name == default}:
        # as the engine keeps it (it stores numbers and dates by value: "01" is "1")
        held = list(store.quads_for_pattern(t.subject, t.predicate, t.object, None))
        if all(q.graph_name == default for q in held):
            own.update(q.triple for q in held)
    return graphs, sum(graphs.values()) + len(own)

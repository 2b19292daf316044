"""``esskg build``: check every source, then load a fresh store and swap it in atomically.

The store path is a symbolic link to the current build's folder. A new build fills a new
folder beside it and replaces the link with one ``rename``, so readers see either the old
graph or the new one, and a failed build leaves the old one exactly as it was.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from service.errors import BuildFailed
from service.graph.check import check_sources
from service.graph.contributions import (
    Contribution,
    Contributions,
    hidden_sources,
    with_contributions,
)
from service.graph.referential import Referentials
from service.graph.sources import SourceFile, discover
from service.graph.validate import Problem
from service.namespaces import INFERRED_GRAPH
from service.settings import Settings
from service.store.oxigraph import OxigraphStore
from service.store.union import union_copies

MANIFEST = "build.json"
ENGINE_DIR = "oxigraph"
#: The build's quads as N-Quads, beside the store: the query engine loads them in a third
#: of the time a dump of the disk store takes. Deleted before the first write commits.
SNAPSHOT = "snapshot.nq"


@dataclass
class BuildManifest:
    """What a build produced; ``/health`` and ``esskg`` read it back."""

    built_at: str
    triples: int
    graphs: dict[str, int]
    files: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: int = 0


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
    contribution the problems are in, so that it can be fixed (or the shapes)."""
    named = [c for c in carried if c.path.name in failed.report]
    if not named:
        return failed
    lines = [
        f"  {c.path.name}: the graph <{c.graph or 'default'}> written over HTTP" for c in named
    ]
    note = (
        "\nThese problems are in contributions (kept, never dropped): fix the data (a new PUT "
        "on the running service, or the file), or the shapes, then build again.\n"
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
    """Check every source file and, only if all is well, publish a new store."""
    started = time.perf_counter()
    inputs = build_inputs(settings)
    sources = inputs.sources
    try:
        checked = check_sources(
            sources,
            reasoner=settings.reasoner,
            validator=settings.validator,
            referentials=referentials_of(settings),
        )
    except BuildFailed as failed:
        raise _naming_contributions(failed, inputs.carried) from None
    timings = dict(checked.timings)

    load_started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = builds_folder(settings) / stamp
    try:
        store = OxigraphStore.create(folder / ENGINE_DIR)
        inferred = ox.NamedNode(INFERRED_GRAPH)
        inferred_quads = [
            ox.Quad(t.subject, t.predicate, t.object, inferred)
            for t in checked.inference.oxigraph_triples()
        ]
        store.add_quads(checked.parsed.quads)
        store.add_quads(inferred_quads)
        ox.serialize(  # with the union default graph the store keeps (service/store/union.py)
            itertools.chain(
                checked.parsed.quads,
                inferred_quads,
                union_copies(itertools.chain(checked.parsed.quads, inferred_quads)),
            ),
            output=str(folder / SNAPSHOT),
            format=ox.RdfFormat.N_QUADS,
        )
        graphs = {name: store.count(name, all_graphs=False) for name in store.graph_names()}
        manifest = BuildManifest(
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            triples=store.count(),
            graphs=graphs,
            files=[s.label for s in checked.parsed.files],
            warnings=len(checked.warnings),
        )
        store.close()
        timings["load"] = time.perf_counter() - load_started
        timings["total"] = time.perf_counter() - started
        manifest.timings = {k: round(v, 3) for k, v in timings.items()}
        (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
        _swap_link(settings.resolve(settings.store_path), folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _prune(settings, folder)
    return BuildResult(manifest, folder, checked.warnings, inputs.carried, inputs.hidden)

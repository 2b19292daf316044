"""Official referentials imported whole, each into its own named graph.

The build calls :meth:`Referentials.generate` after parsing the project's files: the
curated graphs among them tell the converter which existing resources stand for the
referential's entities, and the generated quads are then validated and reasoned over with
everything else, like any source file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.graph.referential import cog
from service.graph.referential.describe import describe
from service.graph.referential.join import known_entities
from service.graph.referential.package import MANIFEST, cached, read_pins
from service.graph.sources import REFERENTIAL_SHAPES, Role, SourceFile, shape_file
from service.namespaces import referential_graph


@dataclass
class Generated:
    """The quads of one referential graph, with the source entry naming it in reports."""

    source: SourceFile
    quads: list[ox.Quad]
    counts: cog.Counts = field(default_factory=cog.Counts)


@dataclass(frozen=True)
class Referentials:
    """The pinned referentials of a project (``referentials.json``) and their cache."""

    root: Path
    cache: Path

    def shape_files(self) -> list[SourceFile]:
        """The shapes that hold of each pinned referential (``shapes/referential/<key>.ttl``)."""
        folder = self.root / "shapes" / REFERENTIAL_SHAPES
        paths = [folder / f"{pin.key}.ttl" for pin in read_pins(self.root)]
        return [shape_file(path, self.root) for path in paths if path.is_file()]

    def generate(self, data_quads: Iterable[ox.Quad]) -> list[Generated]:
        pins = read_pins(self.root)
        if not pins:
            return []
        known = known_entities(data_quads)
        found = []
        for pin in pins:
            if pin.key != cog.GRAPH_NAME:
                raise ValueError(f"{MANIFEST}: no converter for the referential {pin.key!r}")
            package = cached(pin, self.cache)
            files = cog.CogFiles.read(package)
            vintage = files.vintage(pin.version)
            quads, counts = cog.convert(files, known, vintage)
            graph = ox.NamedNode(referential_graph(pin.key))
            quads += describe(graph, package, files.readme, vintage)
            source = SourceFile(package.path, Role.DATA, graph.value, f"{MANIFEST}: {pin.spec}")
            found.append(Generated(source, quads, counts))
        return found

"""Which named graphs of a store hold what, in engine terms, for the incremental checks.

The asserted data is every graph but three (and the default graph): the ontology and the
shapes, which only the build writes, and the inferred graph, which only reasoning writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph

_ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)
_SHAPES = ox.NamedNode(SHAPES_GRAPH)
_INFERRED = ox.NamedNode(INFERRED_GRAPH)


@dataclass(frozen=True)
class Layout:
    """The three graphs that are not asserted data; every other graph is."""

    ontology: ox.NamedNode = _ONTOLOGY
    shapes: ox.NamedNode = _SHAPES
    inferred: ox.NamedNode = _INFERRED

    def is_data(self, graph: GraphName) -> bool:
        return graph not in (self.ontology, self.shapes, self.inferred)

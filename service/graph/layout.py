"""Which graphs of a store hold what, in engine terms, for the incremental checks.

The asserted data is every named graph but three: the ontology and the shapes, which only
the build writes, and the inferred graph, which only reasoning writes. The service's store
keeps in its real default graph the union of all graphs as a set (``service.store.union``):
a copy, which is never read as data here (``union``, the default). A store without that
copy may hold data in its default graph (``union=False``).
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
    """The three graphs that are not asserted data, and what the default graph is."""

    ontology: ox.NamedNode = _ONTOLOGY
    shapes: ox.NamedNode = _SHAPES
    inferred: ox.NamedNode = _INFERRED
    union: bool = True  # the default graph holds the union's copy, not data of its own

    def is_data(self, graph: GraphName) -> bool:
        """An asserted data graph."""
        if isinstance(graph, ox.DefaultGraph):
            return not self.union
        return graph not in (self.ontology, self.shapes, self.inferred)

    def holds_facts(self, graph: GraphName) -> bool:
        """A graph reasoning reads: the data, the ontology and the inferences."""
        return self.is_data(graph) or graph in (self.ontology, self.inferred)

    def is_validated(self, graph: GraphName) -> bool:
        """A graph validation reads: the data, with the ontology for the class hierarchy."""
        return self.is_data(graph) or graph == self.ontology

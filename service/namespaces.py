"""The IRIs the project mints, in one place so that no module spells them twice."""

from __future__ import annotations

BASE = "https://w3id.org/esskg/"
DEF = BASE + "def#"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

ONTOLOGY_GRAPH = GRAPH + "ontology"
SHAPES_GRAPH = GRAPH + "shapes"
INFERRED_GRAPH = GRAPH + "inferred"
LINKS_GRAPH = GRAPH + "links"
SOURCE_GRAPH_PREFIX = GRAPH + "source/"
PARTNER_GRAPH_PREFIX = GRAPH + "partner/"


def source_graph(slug: str) -> str:
    """The named graph that holds what one source page says (the unit of provenance)."""
    return SOURCE_GRAPH_PREFIX + slug


def partner_graph(name: str) -> str:
    """The named graph that holds one partner network's upload."""
    return PARTNER_GRAPH_PREFIX + name

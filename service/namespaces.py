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


REFERENTIAL_GRAPH_PREFIX = GRAPH + "referential/"
TERRITORY = ID + "territoire/"
AUTHORITY = ID + "collectivite/"


def referential_graph(name: str) -> str:
    """The named graph of one official referential imported whole (``cog``: INSEE's COG)."""
    return REFERENTIAL_GRAPH_PREFIX + name


#: The prefixes the project's files and queries use, and that its answers are written with:
#: Turtle answers declare them, JSON-LD answers are compacted against them (the context at
#: ``/context.jsonld``), and a query that uses one without declaring it is told which
#: ``PREFIX`` line to add.
PREFIXES: dict[str, str] = {
    "ess": DEF,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}

"""The entities a reconciliation query can match, read once per data version."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.french_names import core
from service.namespaces import DEF
from service.store.base import Store

ELI = "http://data.europa.eu/eli/ontology#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"

#: type id → (French name, English name): what a query's ``type`` may name.
TYPES: dict[str, tuple[str, str]] = {
    DEF + "AutoriteLocale": ("Collectivité ou groupement", "Local authority"),
    ORG + "Organization": ("Organisation", "Organisation"),
    DEF + "SPASER": ("SPASER", "SPASER"),
    SCHEMA + "Event": ("Événement", "Event"),
    ELI + "LegalResource": ("Texte juridique", "Legal text"),
}

ENTITIES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?type ?label ?siren ?code ?place WHERE {
  VALUES ?type { TYPES }
  ?entity a ?type .
  { ?entity rdfs:label ?label } UNION { ?entity skos:altLabel ?label }
  OPTIONAL { ?entity ess:siren ?siren }
  OPTIONAL { ?entity ess:hasTerritory|ess:basedIn ?territory .
             ?territory igeo:codeINSEE ?code . OPTIONAL { ?territory rdfs:label ?place } }
}""".replace("TYPES", " ".join(f"<{t}>" for t in TYPES))


def departement_of(code: str) -> str:
    """The département of a commune's INSEE code (97x overseas, 2A/2B Corsica)."""
    return code[:3] if code.startswith("97") else code[:2]


@dataclass
class Entity:
    id: str
    name: str
    types: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # folded
    siren: str | None = None
    code: str | None = None
    place: str | None = None

    @property
    def departement(self) -> str | None:
        return departement_of(self.code) if self.code and len(self.code) == 5 else None


@dataclass
class Index:
    entities: dict[str, Entity] = field(default_factory=dict)
    by_siren: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_code: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: folded name → the ids bearing it, and the list of names rapidfuzz searches
    by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    names: list[str] = field(default_factory=list)

    @classmethod
    def from_store(cls, store: Store) -> Index:
        index = cls()
        for row in store.query(ENTITIES).rows():
            key = str(row["entity"])
            label = str(row["label"])
            entity = index.entities.get(key)
            if entity is None:
                entity = index.entities[key] = Entity(key, label)
            entity.types.add(str(row["type"]))
            entity.names.add(core(label))
            if row.get("siren") is not None:
                entity.siren = str(row["siren"])
            if row.get("code") is not None:
                entity.code = str(row["code"])
                entity.place = str(row["place"]) if row.get("place") is not None else None
        for entity in index.entities.values():
            if entity.siren:
                index.by_siren[entity.siren].append(entity.id)
            if entity.code:
                index.by_code[entity.code].append(entity.id)
            for name in entity.names:
                index.by_name[name].append(entity.id)
        index.names = list(index.by_name)
        return index


def read_index(store: Store) -> Index:
    """The index of ``store`` (a module-level function: it runs as a query engine job)."""
    return Index.from_store(store)

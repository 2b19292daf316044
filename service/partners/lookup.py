"""What a spreadsheet's cells point at in the graph: communes, authorities, organisations.

One read of the store (a few SPARQL SELECTs over the COG referential and the curated data)
gives the tables an upload needs; each lookup then either finds exactly one resource or
raises the :class:`~service.partners.values.CellError` a person can act on (unknown,
ambiguous: give the INSEE code).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from service.french_names import core, fold
from service.namespaces import ID
from service.partners.kinds import AXIS_WORDS
from service.partners.values import CellError
from service.store.base import Store

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
"""

COMMUNES = (
    PREFIXES
    + """
SELECT ?territory ?code ?name ?authority WHERE {
  ?territory a igeo:Commune ; igeo:codeINSEE ?code .
  { ?territory rdfs:label ?name } UNION { ?territory skos:altLabel ?name }
  OPTIONAL { ?authority ess:hasTerritory ?territory }
}"""
)

SIRENS = PREFIXES + "SELECT DISTINCT ?agent ?siren WHERE { ?agent ess:siren ?siren }"

ORGANISATIONS = (
    PREFIXES
    + """
SELECT DISTINCT ?agent ?label WHERE { ?agent a org:Organization ; rdfs:label ?label }"""
)

CONCEPTS = (
    PREFIXES
    + """
SELECT DISTINCT ?concept ?scheme ?label WHERE {
  ?concept skos:inScheme ?scheme .
  { ?concept skos:prefLabel ?label } UNION { ?concept skos:notation ?label }
  UNION { ?concept skos:altLabel ?label }
}"""
)

UNITS = ID + "scheme/units"
AXIS_PREFIX = ID + "concept/axis-"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    territory: str
    authority: str | None


@dataclass
class Lookup:
    """The store's communes, SIRENs, organisations and concepts, indexed for uploads."""

    communes: dict[str, Commune] = field(default_factory=dict)
    commune_names: dict[str, list[Commune]] = field(default_factory=lambda: defaultdict(list))
    sirens: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    axis_types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> Lookup:
        found = cls()
        rows = list(store.query(COMMUNES).rows())
        for row in rows:
            code, authority = str(row["code"]), row.get("authority")
            known = found.communes.get(code)
            if known is None or (known.authority is None and authority is not None):
                owner = str(authority) if authority is not None else None
                found.communes[code] = Commune(code, str(row["name"]), str(row["territory"]), owner)
        for row in rows:  # every label of a commune names it, the curated and the COG's
            commune = found.communes[str(row["code"])]
            key = core(str(row["name"]))
            if commune not in found.commune_names[key]:
                found.commune_names[key].append(commune)
        for row in store.query(SIRENS).rows():
            found.sirens.setdefault(str(row["siren"]), str(row["agent"]))
        for row in store.query(ORGANISATIONS).rows():
            found.organisations.setdefault(fold(str(row["label"])), str(row["agent"]))
        for row in store.query(CONCEPTS).rows():
            concept, scheme = str(row["concept"]), str(row["scheme"])
            if scheme == UNITS:
                found.units.setdefault(fold(str(row["label"])), concept)
            elif concept.startswith(AXIS_PREFIX):
                found.axis_types.setdefault(fold(str(row["label"])), concept)
        known_axes = set(found.axis_types.values())
        for word, local in AXIS_WORDS.items():  # the template's short words, when in the graph
            if (concept := ID + "concept/" + local) in known_axes:
                found.axis_types.setdefault(fold(word), concept)
                found.axis_types.setdefault(fold(local.removeprefix("axis-")), concept)
        found.units.setdefault(fold("%"), ID + "concept/unit-percent")
        found.units.setdefault(fold("€"), ID + "concept/unit-eur")
        return found

    def commune(self, text: str) -> Commune:
        """By INSEE code, else by name when exactly one current commune bears it."""
        code = text.strip().upper()
        if code in self.communes:
            return self.communes[code]
        matches = self.commune_names.get(core(text), [])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise CellError("commune_unknown", {"value": text})
        shown = sorted(matches, key=lambda c: c.code)
        choices = ", ".join(f"{c.code} {c.name}" for c in shown[:4])
        if len(shown) > 4:
            choices += "…"
        raise CellError("commune_ambiguous", {"value": text, "choices": choices})

    def authority(self, text: str) -> str:
        """A local authority by SIREN, or by its commune's INSEE code."""
        compact = text.replace(" ", "")
        if compact in self.sirens:
            return self.sirens[compact]
        commune = self.communes.get(compact.upper())
        if commune is not None and commune.authority is not None:
            return commune.authority
        raise CellError("authority_unknown", {"value": text})

    def choice(self, table: dict[str, str], text: str) -> str:
        found = table.get(fold(text))
        if found is None:
            choices = ", ".join(sorted({k for k in table if k}))
            raise CellError("choice", {"value": text, "choices": choices})
        return found

"""What a spreadsheet's cells point at in the graph: communes, authorities, organisations.

A few SPARQL SELECTs give the tables an upload needs, read for what the file names: the
communes of its INSEE codes and the agents of its SIRENs (``VALUES`` blocks, so that a file
of codes costs what it holds, not the 35,000 communes of the referential); the commune name
table only when a cell names a commune that is no code. Each lookup then either finds
exactly one resource or raises the :class:`~service.partners.values.CellError` a person can
act on (unknown, ambiguous: give the INSEE code).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from service.french_names import core, fold
from service.namespaces import ID
from service.partners.kinds import AXIS_WORDS
from service.partners.table import Table
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
  CODES
  ?territory a igeo:Commune ; igeo:codeINSEE ?code .
  { ?territory rdfs:label ?name } UNION { ?territory skos:altLabel ?name }
  OPTIONAL { ?authority ess:hasTerritory ?territory }
}"""
)

SIRENS = (
    PREFIXES
    + "SELECT DISTINCT ?agent ?siren WHERE { VALUES ?siren { SIRENS } ?agent ess:siren ?siren }"
)

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

    #: where the commune name table is read, the first time a cell needs it
    store: Store | None = None

    @classmethod
    def for_table(cls, store: Store, table: Table) -> Lookup:
        """What the table's cells may point at (its codes, its SIRENs, every organisation
        and concept: a network or an unknown SIREN is looked up by name)."""
        cells = {text for row in table.rows for text in row.cells.values()}
        found = cls(store=store)
        spelt = {form for text in cells for form in (text.strip(), text.replace(" ", ""))}
        codes = {c for form in spelt if _CODE.fullmatch(c := form.upper())}
        if codes:
            found._read_communes(store, _spellings(codes, "token"))
        sirens = {
            text.replace(" ", "") for text in cells if _SIREN.fullmatch(text.replace(" ", ""))
        }
        if sirens:
            query = SIRENS.replace("SIRENS", _spellings(sirens))
            for agent, siren in _strings(store, query):
                found.sirens.setdefault(siren, agent)
        for agent, label in _strings(store, ORGANISATIONS):
            found.organisations.setdefault(fold(label), agent)
        for concept, scheme, label in _strings(store, CONCEPTS):
            if scheme == UNITS:
                found.units.setdefault(fold(label), concept)
            elif concept.startswith(AXIS_PREFIX):
                found.axis_types.setdefault(fold(label), concept)
        known_axes = set(found.axis_types.values())
        for word, local in AXIS_WORDS.items():  # the template's short words, when in the graph
            if (concept := ID + "concept/" + local) in known_axes:
                found.axis_types.setdefault(fold(word), concept)
                found.axis_types.setdefault(fold(local.removeprefix("axis-")), concept)
        found.units.setdefault(fold("%"), ID + "concept/unit-percent")
        found.units.setdefault(fold("€"), ID + "concept/unit-eur")
        return found

    def _read_communes(self, store: Store, codes: str | None) -> None:
        """The communes of these codes (every commune for ``None``), under each code and
        under each of their labels, the curated and the COG's."""
        query = COMMUNES.replace("CODES", f"VALUES ?code {{ {codes} }}" if codes else "")
        rows = list(_strings(store, query, optional=True))
        for territory, code, name, authority in rows:
            known = self.communes.get(code)
            if known is None or (known.authority is None and authority is not None):
                self.communes[code] = Commune(code, name, territory, authority)
        if codes is not None:
            return
        for _, code, name, _ in rows:
            commune = self.communes[code]
            key = core(name)
            if commune not in self.commune_names[key]:
                self.commune_names[key].append(commune)

    def _names(self) -> dict[str, list[Commune]]:
        """Communes by folded name, read from the store the first time a name is asked."""
        if self.store is not None:
            store, self.store = self.store, None
            self._read_communes(store, None)
        return self.commune_names

    def commune(self, text: str) -> Commune:
        """By INSEE code, else by name when exactly one current commune bears it."""
        code = text.strip().upper()
        if code in self.communes:
            return self.communes[code]
        matches = self._names().get(core(text), [])  # every commune is read now
        if code in self.communes:  # a code spelt otherwise than the shapes ask
            return self.communes[code]
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
        if commune is None:
            self._names()
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


_SIREN = re.compile(r"[0-9]{9}")
_CODE = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{3}")
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _spellings(values: Iterable[str], datatype: str | None = None) -> str:
    """``VALUES`` terms for these values, as the shapes type them (codes are
    ``xsd:token``s, SIRENs strings): one spelling each, so that the engine finds each
    in its dictionary (a spelling it does not hold makes it scan)."""
    suffix = f"^^<{_XSD}{datatype}>" if datatype else ""
    return " ".join(f'"{v}"{suffix}' for v in sorted(values) if v.isalnum())


def _strings(store: Store, query: str, optional: bool = False) -> Iterator[tuple[str, ...]]:
    """Each solution's values as strings (engine terms, never converted to rdflib);
    ``optional``: an unbound value is ``None`` instead of skipping the row."""
    for solution in store.query(query).solutions():
        values = tuple(None if term is None else term.value for term in solution)
        if optional or None not in values:
            yield values  # type: ignore[misc]

"""INSEE's Code officiel géographique, as Etalab packages it, turned into RDF.

Input: the JSON files of ``@etalab/decoupage-administratif`` (régions, départements,
arrondissements, communes with their delegated and associated communes and municipal
arrondissements, EPCIs with their member communes). Output: the quads of one named graph,
``graph/referential/cog``, whose IRI is also the dataset node describing the package.

Two kinds of node, as everywhere in the graph: the *territory* (a place, typed with the
INSEE geographic ontology, tied to its parent by ``igeo:subdivisionDirecteDe``) and the
*collectivité* (the legal person, typed with the ontology's classes, with its SIREN, its
territory and, for a commune, the EPCI it belongs to). Territory IRIs are minted from INSEE
codes, a new collectivité's IRI from its code (commune, council) or SIREN (EPCI); an
authority the curated data already names keeps its IRI (:mod:`.join`).

Nothing is added that the files do not say, with two rules spelled out here: a région or
département that no curated source gives a collectivité is administered by its own council
(the common case; the special statuses live in ``data/referential/statuts-particuliers.ttl``),
and a commune is a legal person where the files give its SIREN (which excludes the entries
of the overseas collectivities, whose status varies).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS, XSD

from service.graph.referential.join import Known
from service.graph.referential.package import CachedPackage
from service.namespaces import AUTHORITY, DEF, TERRITORY, referential_graph

GRAPH_NAME = "cog"

IGEO_STR = "http://rdf.insee.fr/def/geo#"
IGEO = Namespace(IGEO_STR)
ESS = Namespace(DEF)


def _iri(term: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(term))


TYPE, LABEL, ALT_LABEL = _iri(RDF.type), _iri(RDFS.label), _iri(SKOS.altLabel)
CODE, PARENT, CHEF_LIEU = _iri(IGEO.codeINSEE), _iri(IGEO.subdivisionDirecteDe), _iri(IGEO.chefLieu)
SIREN, HAS_TERRITORY, MEMBER_OF = _iri(ESS.siren), _iri(ESS.hasTerritory), _iri(ORG.memberOf)
POPULATION, POPULATION_YEAR = _iri(ESS.population), _iri(ESS.populationYear)
TOKEN, STRING, INTEGER, G_YEAR = (
    _iri(XSD.token),
    _iri(XSD.string),
    _iri(XSD.integer),
    _iri(XSD.gYear),
)

#: The INSEE class of each kind of communal entry (``type`` in ``communes.json``).
COMMUNE_KINDS = {
    "commune-actuelle": ("commune", IGEO_STR + "Commune"),
    "commune-deleguee": ("commune-deleguee", IGEO_STR + "CommuneDeleguee"),
    "commune-associee": ("commune-associee", IGEO_STR + "CommuneAssociee"),
    "arrondissement-municipal": ("arrondissement-municipal", IGEO_STR + "ArrondissementMunicipal"),
}
#: The ontology class of each EPCI ``type`` code. MET69, the Métropole de Lyon, is listed
#: with the EPCIs but INSEE's COG codes it (69M) among the collectivités territoriales à
#: statut particulier (insee.fr/fr/information/3528272): it is typed as such, not forced
#: into an EPCI class.
EPCI_CLASSES = {
    "CC": DEF + "CommunauteDeCommunes",
    "CA": DEF + "CommunauteDAgglomeration",
    "CU": DEF + "CommunauteUrbaine",
    "METRO": DEF + "Metropole",
    "MET69": DEF + "CollectiviteAStatutParticulier",
}
#: ``zone`` of the régions and départements files for the overseas collectivities, which
#: are neither régions nor départements.
OVERSEAS_ZONE = "com"


def territory(kind: str, code: str) -> ox.NamedNode:
    """``id/territoire/<kind>-<code>``: the same IRI the curated data uses for a place."""
    return ox.NamedNode(f"{TERRITORY}{kind}-{code}")


def authority(kind: str, code: str) -> ox.NamedNode:
    """``id/collectivite/<kind>-<code>``: a collectivité the referential introduces."""
    return ox.NamedNode(f"{AUTHORITY}{kind}-{code}")


@dataclass
class Counts:
    """What the conversion produced, by kind: the summary a test compares with the files."""

    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n


@dataclass
class _Out:
    graph: ox.NamedNode
    quads: list[ox.Quad] = field(default_factory=list)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.quads.append(ox.Quad(s, p, o, self.graph))

    def place(self, node: ox.NamedNode, cls: str, name: str, code: str | None) -> None:
        self.add(node, TYPE, ox.NamedNode(cls))
        self.add(node, LABEL, ox.Literal(name, language="fr"))
        if code is not None:
            self.add(node, CODE, ox.Literal(code, datatype=TOKEN))

    def name(self, node: ox.NamedNode, name: str, *, curated: bool) -> None:
        """The referential's name of a collectivité; for one the curated data already names,
        an alternative label beside the page's own, so each keeps one preferred label."""
        self.add(node, ALT_LABEL if curated else LABEL, ox.Literal(name, language="fr"))

    def population(self, node: ox.NamedNode, value: int, year: str | None) -> None:
        self.add(node, POPULATION, ox.Literal(str(value), datatype=INTEGER))
        if year is not None:
            self.add(node, POPULATION_YEAR, ox.Literal(year, datatype=G_YEAR))


@dataclass
class CogFiles:
    """The package's JSON files, as lists of records."""

    regions: list[dict[str, Any]]
    departements: list[dict[str, Any]]
    arrondissements: list[dict[str, Any]]
    communes: list[dict[str, Any]]
    epci: list[dict[str, Any]]
    readme: str = ""

    @classmethod
    def read(cls, package: CachedPackage) -> CogFiles:
        return cls(
            regions=package.json("data/regions.json"),
            departements=package.json("data/departements.json"),
            arrondissements=package.json("data/arrondissements.json"),
            communes=package.json("data/communes.json"),
            epci=package.json("data/epci.json"),
            readme=package.text("README.md"),
        )

    def vintage(self, version: str) -> str | None:
        """The COG year the package's README gives for this version (its table of years)."""
        row = re.search(rf"^\|\s*(\d{{4}})\s*\|\s*{re.escape(version)}\s*\|", self.readme, re.M)
        return row.group(1) if row else None


def convert(files: CogFiles, known: Known, year: str | None) -> tuple[list[ox.Quad], Counts]:
    """Every entry of the files as quads of ``graph/referential/cog``."""
    out = _Out(ox.NamedNode(referential_graph(GRAPH_NAME)))
    counts = Counts()
    parents = _upper_levels(files, out, counts)
    _councils(files, known, out, counts)
    members = _epcis(files, known, out, counts, year)
    _communes(files, known, parents, members, out, counts, year)
    return out.quads, counts


def _upper_levels(files: CogFiles, out: _Out, counts: Counts) -> dict[str, ox.NamedNode]:
    """Régions, overseas collectivities, départements, arrondissements; returns the node
    standing for each département code (an overseas collectivity for its own code)."""
    by_departement: dict[str, ox.NamedNode] = {}
    for r in files.regions:
        if r["zone"] == OVERSEAS_ZONE:
            node = territory("collectivite-outre-mer", r["code"])
            out.place(node, IGEO_STR + "CollectiviteDOutreMer", r["nom"], r["code"])
            by_departement[r["code"]] = node
            counts.add("collectivite-outre-mer")
        else:
            node = territory("region", r["code"])
            out.place(node, IGEO_STR + "Region", r["nom"], r["code"])
            counts.add("region")
        out.add(node, CHEF_LIEU, territory("commune", r["chefLieu"]))
    for d in files.departements:
        if d["zone"] == OVERSEAS_ZONE:
            continue  # the same overseas collectivity as in regions.json, described once
        node = territory("departement", d["code"])
        out.place(node, IGEO_STR + "Departement", d["nom"], d["code"])
        out.add(node, PARENT, territory("region", d["region"]))
        out.add(node, CHEF_LIEU, territory("commune", d["chefLieu"]))
        by_departement[d["code"]] = node
        counts.add("departement")
    for a in files.arrondissements:
        node = territory("arrondissement", a["code"])
        out.place(node, IGEO_STR + "Arrondissement", a["nom"], a["code"])
        out.add(node, PARENT, territory("departement", a["departement"]))
        out.add(node, CHEF_LIEU, territory("commune", a["chefLieu"]))
        counts.add("arrondissement")
    return by_departement


def _councils(files: CogFiles, known: Known, out: _Out, counts: Counts) -> None:
    """A council for each région and département no curated source gives a collectivité."""
    levels = (
        ("region", DEF + "CollectiviteRegionale", files.regions),
        ("departement", DEF + "CollectiviteDepartementale", files.departements),
    )
    for kind, cls, records in levels:
        for record in records:
            if record["zone"] == OVERSEAS_ZONE:
                continue
            place = territory(kind, record["code"])
            if known.authority(None, place.value) is not None:
                counts.add(f"{kind}-authority-curated")
                continue
            node = authority(kind, record["code"])
            out.add(node, TYPE, ox.NamedNode(cls))
            out.add(node, LABEL, ox.Literal(record["nom"], language="fr"))
            out.add(node, HAS_TERRITORY, place)
            counts.add(f"{kind}-authority")


def _epcis(
    files: CogFiles, known: Known, out: _Out, counts: Counts, year: str | None
) -> dict[str, ox.NamedNode]:
    """EPCIs (and the Métropole de Lyon) with their territory; returns commune → grouping."""
    member_of: dict[str, ox.NamedNode] = {}
    for e in files.epci:
        siren = e["code"]
        place = territory("epci", siren)
        curated = known.authority(siren, place.value)
        node = curated or authority("epci", siren)
        out.add(node, TYPE, ox.NamedNode(EPCI_CLASSES[e["type"]]))
        out.name(node, e["nom"], curated=curated is not None)
        out.add(node, SIREN, ox.Literal(siren, datatype=STRING))
        out.add(node, HAS_TERRITORY, place)
        out.place(place, IGEO_STR + "Intercommunalite", e["nom"], None)
        out.population(place, e["populationMunicipale"], year)
        for member in e["membres"]:
            member_of[member["code"]] = node
        counts.add(f"epci-{e['type']}")
        counts.add("epci-member", len(e["membres"]))
    return member_of


def _communes(
    files: CogFiles,
    known: Known,
    parents: dict[str, ox.NamedNode],
    members: dict[str, ox.NamedNode],
    out: _Out,
    counts: Counts,
    year: str | None,
) -> None:
    for c in files.communes:
        kind, cls = COMMUNE_KINDS[c["type"]]
        node = territory(kind, c["code"])
        out.place(node, cls, c["nom"], c["code"])
        counts.add(kind)
        for parent in _commune_parents(c, parents):
            out.add(node, PARENT, parent)
        if "population" in c:
            out.population(node, c["population"], year)
        siren = c.get("siren")
        if kind != "commune" or siren is None:
            continue
        curated = known.authority(siren, node.value)
        legal = curated or authority("commune", c["code"])
        out.add(legal, TYPE, ox.NamedNode(DEF + "CollectiviteCommunale"))
        out.name(legal, c["nom"], curated=curated is not None)
        out.add(legal, SIREN, ox.Literal(siren, datatype=STRING))
        out.add(legal, HAS_TERRITORY, node)
        counts.add("commune-authority")
        grouping = members.get(c["code"])
        if grouping is not None:
            out.add(legal, MEMBER_OF, grouping)


def _commune_parents(c: dict[str, Any], parents: dict[str, ox.NamedNode]) -> Iterator[ox.NamedNode]:
    """A current commune sits in its département (or overseas collectivity) and, where the
    file gives one, its arrondissement; the other entries in the commune they belong to."""
    if c["type"] == "commune-actuelle":
        yield parents[c["departement"]]
        if "arrondissement" in c:
            yield territory("arrondissement", c["arrondissement"])
    elif c["type"] == "arrondissement-municipal":
        yield territory("commune", c["commune"])
    else:  # delegated and associated communes name their commune as ``chefLieu``
        yield territory("commune", c["chefLieu"])

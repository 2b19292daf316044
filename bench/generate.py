"""Deterministic generator of ESS-shaped data in the project's own ontology, at any size.

Why a generator: the shipped graph is a few thousand triples, far too small to tell engines
apart. The benchmark needs the shape of the real thing at 10k, 100k and 1M triples: the
French territorial hierarchy in its true proportions (18 régions, ~100 départements,
~1,250 EPCIs, ~35,000 communes, each tied to its parents), the authorities that
administer it with their purchasing volumes, SPASERs with axes, targets and indicators,
conferences with talks and speakers, partner networks and legal texts, labels in French and
English, and some optional values left out, as in real sources.

The output is a project folder (``ontology/``, ``shapes/`` and the shipped ``data/`` files
linked to the repository's, generated N-Triples beside them under ``data/sources/``) that
``esskg build`` consumes unchanged. The same size and seed always give byte-identical files.

Usage: ``python -m bench.generate 100000 var/bench/100000``
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEF = "https://w3id.org/esskg/def#"
ID = "https://w3id.org/esskg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "https://schema.org/"
ELI = "http://data.europa.eu/eli/ontology#"
IGEO = "http://rdf.insee.fr/def/geo#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"

# Real proportions of the French territory (metropolitan and overseas, 2024 COG).
REGIONS = 18
DEPARTEMENTS = 101
EPCIS = 1_250
COMMUNES = 35_000
# Roughly how many triples the whole territory (places + authorities + purchases) takes;
# smaller sizes scale communes and EPCIs down so the territory stays ~40 % of the graph.
TERRITORY_SHARE = 0.4
TRIPLES_PER_COMMUNE = 10.5

REGION_NAMES = [
    ("auvergne-rhone-alpes", "Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
    ("bourgogne-franche-comte", "Bourgogne-Franche-Comté", "Burgundy-Franche-Comté"),
    ("bretagne", "Bretagne", "Brittany"),
    ("centre-val-de-loire", "Centre-Val de Loire", "Centre-Loire Valley"),
    ("corse", "Corse", "Corsica"),
    ("grand-est", "Grand Est", "Grand Est"),
    ("hauts-de-france", "Hauts-de-France", "Hauts-de-France"),
    ("ile-de-france", "Île-de-France", "Île-de-France"),
    ("normandie", "Normandie", "Normandy"),
    ("nouvelle-aquitaine", "Nouvelle-Aquitaine", "New Aquitaine"),
    ("occitanie", "Occitanie", "Occitania"),
    ("pays-de-la-loire", "Pays de la Loire", "Pays de la Loire"),
    ("provence-alpes-cote-d-azur", "Provence-Alpes-Côte d'Azur", "Provence-Alps-French Riviera"),
    ("guadeloupe", "Guadeloupe", "Guadeloupe"),
    ("martinique", "Martinique", "Martinique"),
    ("guyane", "Guyane", "French Guiana"),
    ("la-reunion", "La Réunion", "Réunion"),
    ("mayotte", "Mayotte", "Mayotte"),
]
REGION_CODES = ["84", "27", "53", "24", "94", "44", "32", "11", "28", "75", "76", "52", "93"]
REGION_CODES += ["01", "02", "03", "04", "06"]

SYLLABLES = [
    "bel",
    "mont",
    "saint",
    "val",
    "roche",
    "ville",
    "bois",
    "pont",
    "fontaine",
    "lac",
    "mar",
    "cler",
    "beau",
    "cour",
    "neuf",
    "vern",
    "ar",
    "lan",
    "ker",
    "plou",
    "gué",
    "sur",
    "mer",
    "haut",
    "bas",
    "châ",
    "teau",
    "ris",
    "ay",
    "é",
    "ac",
    "ières",
]
FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Julie",
    "Élodie",
    "Anne",
    "Claire",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Thomas",
    "Julien",
    "Nicolas",
    "Pierre",
    "Karim",
    "Yannick",
    "Sophie",
    "Mathilde",
    "Bernard",
    "Gaëlle",
    "Olivier",
    "Fatima",
    "Jean",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Le Goff",
    "Kerbrat",
    "Nguyen",
]
AXES = [
    ("social", "Insertion sociale et professionnelle", "Social and professional inclusion"),
    ("ecological", "Transition écologique", "Ecological transition"),
    ("fair-economy", "Commerce équitable", "Fair trade"),
    ("sme-ess-access", "Accès des TPE/PME et de l'ESS", "Access for small firms and the SSE"),
    ("innovation", "Innovation", "Innovation"),
    ("governance", "Gouvernance et pilotage", "Governance and steering"),
]
INDICATORS = [
    ("heures-insertion", "Heures d'insertion réalisées", "Inclusion hours delivered", "hours"),
    (
        "part-marches-clause",
        "Part des marchés avec clause sociale",
        "Share of contracts with a social clause",
        "percent",
    ),
    ("montant-ess", "Montant des achats auprès de l'ESS", "Purchases from SSE bodies", "eur"),
    ("part-bio", "Part des produits biologiques", "Share of organic products", "percent"),
    ("nombre-reserves", "Marchés réservés attribués", "Reserved contracts awarded", "count"),
]
THEMES = [
    ("commande-publique", "Commande publique responsable", "Responsible public procurement"),
    ("insertion", "Clauses sociales et insertion", "Social clauses and inclusion"),
    ("alimentation", "Alimentation durable", "Sustainable food"),
    ("economie-circulaire", "Économie circulaire", "Circular economy"),
    ("cooperation", "Coopération territoriale", "Territorial cooperation"),
    ("emploi", "Emploi et développement local", "Employment and local development"),
]
EPCI_KINDS = [
    ("Metropole", "Métropole", "metropolis", 22),
    ("CommunauteUrbaine", "Communauté urbaine", "urban community", 14),
    ("CommunauteDAgglomeration", "Communauté d'agglomération", "agglomeration community", 229),
    ("EPCI", "Communauté de communes", "community of communes", 985),
]


def iri(value: str) -> str:
    return f"<{value}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples literal with the escapes the format requires."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


A = iri(RDF + "type")
LABEL = iri(RDFS + "label")


SOURCE = "https://w3id.org/esskg/graph/source/"
PUBLISHER = f"<{ID}organisation/gen-observatoire-ess>"
RESOURCE_TYPE = f"<{ID}concept/gen-resource-open-data>"


@dataclass
class Out:
    """Lines of one generated file (one named graph), counted as they are emitted.

    Each file describes its own source page, which observations cite as their origin.
    """

    slug: str
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        page = self.page
        self.t(page, A, ess("SourcePage"))
        title = f"Jeu de données de banc d'essai : {self.slug}"
        self.t(page, LABEL, lit(title, "fr"))
        self.t(page, iri(DCT + "title"), lit(title, "fr"))
        self.t(page, iri(DCT + "publisher"), PUBLISHER)
        self.t(page, ess("resourceType"), RESOURCE_TYPE)
        self.t(page, ess("accessRestricted"), lit("false", datatype=XSD + "boolean"))

    @property
    def page(self) -> str:
        return iri(SOURCE + self.slug)

    def t(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")

    def labels(self, s: str, fr: str, en: str | None) -> None:
        self.t(s, LABEL, lit(fr, "fr"))
        if en is not None:
            self.t(s, LABEL, lit(en, "en"))


def ess(name: str) -> str:
    return iri(DEF + name)


def res(kind: str, slug: str) -> str:
    return iri(f"{ID}{kind}/{slug}")


def _name(rng: random.Random) -> str:
    parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))]
    word = "".join(parts)
    if rng.random() < 0.15:
        word += "-sur-" + rng.choice(["Loire", "Mer", "Seine", "Marne", "Rhône", "Orne"])
    return word[0].upper() + word[1:]


def siren(serial: int) -> str:
    """A unique SIREN for a serial number, with a valid Luhn check digit (as INSEE issues)."""
    body = f"29{serial:06d}"
    total = 0
    for position, char in enumerate(body, start=1):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def _slugify(text: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüçœ' ", "aaaeeeeiioouuuco--")
    return "".join(c for c in text.lower().translate(table) if c.isalnum() or c == "-")


@dataclass
class Sizes:
    """How many of each kind of resource a target size calls for."""

    regions: int
    departements: int
    epcis: int
    communes: int

    @classmethod
    def for_target(cls, target: int) -> Sizes:
        full = COMMUNES * TRIPLES_PER_COMMUNE
        share = min(1.0, target * TERRITORY_SHARE / full)
        communes = max(60, round(COMMUNES * share))
        epcis = max(18, round(EPCIS * share))
        return cls(REGIONS, DEPARTEMENTS, epcis, communes)


class Generator:
    """Emits the files of one size; all randomness comes from one seeded generator."""

    def __init__(self, target: int, seed: int = 6) -> None:
        self.target = target
        self.rng = random.Random(seed * 1_000_003 + target)
        self.sizes = Sizes.for_target(target)
        self.authorities: list[tuple[str, str]] = []  # (iri, label)
        self.regions: list[str] = []
        self.legal: list[str] = []
        self.partners: list[str] = []
        self.concepts: dict[str, str] = {}

    # ---- vocabulary owned by the generator (never clashes with the shipped one)
    def vocabulary(self) -> Out:
        out = Out("gen-vocabulaire")
        out.t(PUBLISHER, A, ess("Network"))
        out.labels(PUBLISHER, "Observatoire de l'ESS (données de banc d'essai)", "SSE observatory")
        out.t(RESOURCE_TYPE, A, iri(SKOS + "Concept"))
        out.labels(RESOURCE_TYPE, "Données ouvertes", "Open data")
        scheme_iri = res("scheme", "gen-themes")
        out.t(scheme_iri, A, iri(SKOS + "ConceptScheme"))
        out.labels(scheme_iri, "Thèmes (données de banc d'essai)", "Themes (benchmark data)")
        groups = {
            "theme": THEMES,
            "axis": [(s, fr, en) for s, fr, en in AXES],
            "unit": [
                ("hours", "heures", "hours"),
                ("percent", "pour cent", "per cent"),
                ("eur", "euros", "euros"),
                ("count", "nombre", "count"),
            ],
            "measure": [("annual-purchases", "Volume annuel d'achats", "Annual purchasing volume")],
        }
        for group, items in groups.items():
            for slug, fr, en in items:
                concept = res("concept", f"gen-{group}-{slug}")
                self.concepts[f"{group}-{slug}"] = concept
                out.t(concept, A, iri(SKOS + "Concept"))
                out.t(concept, iri(SKOS + "inScheme"), scheme_iri)
                out.t(concept, iri(SKOS + "prefLabel"), lit(fr, "fr"))
                out.t(concept, iri(SKOS + "prefLabel"), lit(en, "en"))
                out.labels(concept, fr, en)
        return out

    # ---- territory and authorities
    def territory(self) -> tuple[Out, Out]:
        places, bodies = Out("gen-territoire"), Out("gen-collectivites")
        rng, sizes = self.rng, self.sizes
        sub = iri(IGEO + "subdivisionDirecteDe")
        code = iri(IGEO + "codeINSEE")
        deps_of: dict[int, list[str]] = {r: [] for r in range(sizes.regions)}
        dep_terr: list[str] = []
        for r, (slug, fr, en) in enumerate(REGION_NAMES):
            terr = res("territoire", f"region-{REGION_CODES[r]}")
            places.t(terr, A, iri(IGEO + "Region"))
            places.labels(terr, fr, en)
            places.t(terr, code, lit(REGION_CODES[r], datatype=XSD + "token"))
            body = res("collectivite", f"region-{slug}")
            self._authority(
                bodies, body, "CollectiviteRegionale", f"Région {fr}", f"{en} Region", terr, 1
            )
            self.regions.append(terr)
        for d in range(sizes.departements):
            region = d % sizes.regions if d >= sizes.regions else d
            num = f"{d + 1:02d}" if d < 95 else f"97{d - 94}"
            name = _name(rng)
            terr = res("territoire", f"departement-{num}")
            places.t(terr, A, iri(IGEO + "Departement"))
            places.labels(terr, name, None if rng.random() < 0.3 else name)
            places.t(terr, code, lit(num, datatype=XSD + "token"))
            places.t(terr, sub, self.regions[region])
            deps_of[region].append(terr)
            dep_terr.append(terr)
            body = res("collectivite", f"departement-{num}-{_slugify(name)}")
            self._authority(
                bodies,
                body,
                "CollectiviteDepartementale",
                f"Département {name}",
                f"{name} Department",
                terr,
                2,
            )
        epci_bodies: list[str] = []
        epci_dep: list[int] = []
        weights = [k[3] for k in EPCI_KINDS]
        for _ in range(sizes.epcis):
            cls, fr_kind, en_kind, _ = rng.choices(EPCI_KINDS, weights)[0]
            name = _name(rng)
            code_siren = siren(len(self.authorities))
            terr = res("territoire", f"epci-{code_siren}")
            dep = rng.randrange(sizes.departements)
            places.t(terr, A, iri(IGEO + "Intercommunalite"))
            places.labels(terr, f"{fr_kind} {name}", None)
            places.t(terr, code, lit(code_siren, datatype=XSD + "token"))
            body = res("collectivite", f"epci-{code_siren}")
            self._authority(bodies, body, cls, f"{fr_kind} {name}", f"{name} {en_kind}", terr, 3)
            epci_bodies.append(body)
            epci_dep.append(dep)
        for c in range(sizes.communes):
            e = c % sizes.epcis if c >= sizes.epcis else c
            dep = epci_dep[e]
            insee = f"{(dep % 95) + 1:02d}{c % 1000:03d}" if dep < 95 else f"97{c % 1000:03d}"
            name = _name(rng)
            terr = res("territoire", f"commune-{insee}-{c}")
            places.t(terr, A, iri(IGEO + "Commune"))
            places.labels(terr, name, None)
            places.t(terr, code, lit(insee, datatype=XSD + "token"))
            places.t(terr, sub, dep_terr[dep])
            body = res("collectivite", f"commune-{c}-{_slugify(name)}")
            self._authority(
                bodies, body, "CollectiviteCommunale", f"Commune de {name}", None, terr, 4
            )
            bodies.t(body, iri(ORG + "memberOf"), epci_bodies[e])
        return places, bodies

    def _authority(
        self, out: Out, body: str, cls: str, fr: str, en: str | None, terr: str, level: int
    ) -> None:
        rng = self.rng
        out.t(body, A, ess(cls))
        out.labels(body, fr, en)
        out.t(body, ess("siren"), lit(siren(len(self.authorities))))
        out.t(body, ess("hasTerritory"), terr)
        self.authorities.append((body, fr))
        # purchasing volumes: every authority above the communes, one commune in four
        if level < 4 or rng.random() < 0.25:
            scale = {1: 4e8, 2: 2e8, 3: 6e7, 4: 4e6}[level]
            years = [2022, 2023] if level < 4 else [2023]
            for year in years:
                obs = res("observation", f"achats-{body[1:-1].rsplit('/', 1)[1]}-{year}")
                amount = round(scale * (0.2 + rng.random()), 2)
                out.t(obs, A, ess("StatisticalObservation"))
                out.labels(obs, f"Achats annuels de {fr} en {year}", None)
                out.t(obs, ess("observedProperty"), self.concepts["measure-annual-purchases"])
                out.t(obs, ess("aboutEntity"), body)
                out.t(obs, ess("observedValue"), lit(f"{amount:.2f}", datatype=XSD + "decimal"))
                out.t(obs, ess("unit"), self.concepts["unit-eur"])
                out.t(obs, iri(PROV + "wasDerivedFrom"), out.page)
                if rng.random() < 0.8:  # optional: the date is not always stated
                    out.t(obs, ess("referenceDate"), lit(str(year), datatype=XSD + "gYear"))

    # ---- legal texts and partners
    def legal_texts(self, count: int) -> Out:
        out = Out("gen-textes")
        rng = self.rng
        code = res("texte", "gen-code-commande-publique")
        out.t(code, A, iri(ELI + "LegalResource"))
        out.labels(code, "Code de la commande publique", "French public procurement code")
        self.legal.append(code)
        for n in range(count):
            year = 2001 + n % 23
            kinds = [("loi", "Loi", "Act"), ("decret", "Décret", "Decree")]
            kind, fr_kind, en_kind = rng.choice([*kinds, ("art", "Article", "Article")])
            text = res("texte", f"gen-{kind}-{year}-{n}")
            if kind == "art":
                out.t(text, A, iri(ELI + "LegalResourceSubdivision"))
                out.labels(text, f"Article L. {2100 + n} du code de la commande publique", None)
                out.t(text, iri(ELI + "number"), lit(f"L. {2100 + n}"))
                out.t(text, iri(ELI + "is_part_of"), code)
            else:
                out.t(text, A, iri(ELI + "LegalResource"))
                out.labels(
                    text,
                    f"{fr_kind} n° {year}-{n} relatif à l'ESS",
                    f"{en_kind} {year}-{n} on the SSE",
                )
                month, day = 1 + n % 12, 1 + n % 28
                out.t(
                    text,
                    iri(ELI + "date_document"),
                    lit(f"{year}-{month:02d}-{day:02d}", datatype=XSD + "date"),
                )
                if self.legal and rng.random() < 0.5:
                    out.t(text, iri(ELI + "cites"), rng.choice(self.legal))
            self.legal.append(text)
        return out

    def partner_networks(self, count: int) -> Out:
        out = Out("gen-partenaires")
        rng = self.rng
        kinds = [
            ("Network", "Réseau"),
            ("ESSOrganisation", "Organisation de l'ESS"),
            ("ResearchBody", "Centre de recherche"),
            ("Club", "Club"),
        ]
        for n in range(count):
            cls, fr_kind = rng.choice(kinds)
            name = _name(rng)
            org = res("organisation", f"gen-{_slugify(name)}-{n}")
            out.t(org, A, ess(cls))
            out.labels(org, f"{fr_kind} {name}", None if rng.random() < 0.5 else f"{name} network")
            if rng.random() < 0.8:
                out.t(org, ess("basedIn"), rng.choice(self.regions))
            if cls == "Club":
                out.t(org, ess("initiatedBy"), rng.choice(self.authorities)[0])
            self.partners.append(org)
        return out

    # ---- policies and events, repeated until the target size is reached
    def spaser(self, out: Out, n: int) -> None:
        rng = self.rng
        body, name = rng.choice(self.authorities)
        plan = res("spaser", f"gen-{n}")
        out.t(plan, A, ess("SPASER"))
        out.labels(plan, f"SPASER de {name} ({n})", f"SPASER of {name} ({n})")
        out.t(plan, ess("adoptedBy"), body)
        if rng.random() < 0.7:
            out.t(plan, ess("legalBasis"), rng.choice(self.legal))
        if rng.random() < 0.6:
            year = rng.randint(2016, 2024)
            out.t(
                plan,
                iri(DCT + "issued"),
                lit(f"{year}-{rng.randint(1, 12):02d}-15", datatype=XSD + "date"),
            )
        for a, (slug, fr, en) in enumerate(rng.sample(AXES, rng.randint(2, 5))):
            axis = res("axe", f"gen-{n}-{slug}")
            out.t(plan, ess("hasAxis"), axis)
            out.t(axis, A, ess("StrategicAxis"))
            out.labels(axis, f"Axe {a + 1} : {fr}", f"Axis {a + 1}: {en}")
            out.t(axis, ess("axisType"), self.concepts[f"axis-{slug}"])
            for k in range(rng.randint(1, 3)):
                ind_slug, ind_fr, ind_en, unit = rng.choice(INDICATORS)
                target = res("cible", f"gen-{n}-{slug}-{k}")
                indicator = res("indicateur", f"gen-{n}-{slug}-{k}-{ind_slug}")
                out.t(plan, ess("hasTarget"), target)
                out.t(target, A, ess("Target"))
                out.labels(target, f"Objectif chiffré : {ind_fr.lower()}", None)
                value = rng.randint(5, 100) if unit == "percent" else rng.randint(100, 50_000)
                out.t(target, ess("targetValue"), lit(f"{value}", datatype=XSD + "decimal"))
                if rng.random() < 0.75:
                    out.t(
                        target,
                        ess("targetYear"),
                        lit(str(rng.randint(2024, 2030)), datatype=XSD + "gYear"),
                    )
                out.t(target, ess("unit"), self.concepts[f"unit-{unit}"])
                out.t(target, ess("measuredBy"), indicator)
                out.t(plan, ess("hasIndicator"), indicator)
                out.t(indicator, A, ess("Indicator"))
                out.labels(indicator, ind_fr, ind_en)

    def conference(self, out: Out, n: int) -> None:
        rng = self.rng
        slug, fr, en = rng.choice(THEMES)
        year = rng.randint(2015, 2024)
        event = res("evenement", f"gen-conf-{n}")
        out.t(event, A, ess("Conference"))
        out.labels(event, f"Rencontre : {fr} ({year}, n° {n})", f"Meeting: {en} ({year}, #{n})")
        out.t(
            event,
            iri(SCHEMA + "startDate"),
            lit(f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", datatype=XSD + "date"),
        )
        out.t(event, iri(SCHEMA + "about"), self.concepts[f"theme-{slug}"])
        if self.partners:
            out.t(event, iri(SCHEMA + "organizer"), rng.choice(self.partners))
            if rng.random() < 0.6:
                out.t(event, ess("partner"), rng.choice(self.partners))
        if rng.random() < 0.7:
            out.t(
                event,
                ess("participantCount"),
                lit(str(rng.randint(15, 400)), datatype=XSD + "integer"),
            )
        for k in range(rng.randint(2, 5)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            person = res("personne", f"gen-{_slugify(first)}-{_slugify(last)}-{n}-{k}")
            talk = res("intervention", f"gen-conf-{n}-{k}")
            out.t(event, ess("hasIntervention"), talk)
            out.t(talk, A, ess("Intervention"))
            out.labels(talk, f"Intervention de {first} {last}", None)
            out.t(talk, iri(SCHEMA + "position"), lit(str(k + 1), datatype=XSD + "integer"))
            out.t(talk, ess("speaker"), person)
            body, _ = rng.choice(self.authorities)
            out.t(talk, ess("speakerAffiliation"), body)
            if rng.random() < 0.5:
                titles = ["élu·e à l'ESS", "chargé·e de mission achats", "directeur·rice"]
                out.t(talk, ess("speakerTitle"), lit(rng.choice(titles), "fr"))
            out.t(person, A, iri(FOAF + "Person"))
            out.t(person, LABEL, lit(f"{first} {last}", "fr"))
            out.t(person, iri(FOAF + "name"), lit(f"{first} {last}"))

    def files(self) -> Iterator[Out]:
        """Every file, the repeated policy and event files last, filling up to the target."""
        fixed = [self.vocabulary()]
        fixed.extend(self.territory())
        fixed.append(self.legal_texts(max(20, self.target // 5_000)))
        fixed.append(self.partner_networks(max(10, self.target // 4_000)))
        used = sum(len(o.lines) for o in fixed)
        yield from fixed
        policies, events = Out("gen-spaser"), Out("gen-evenements")
        n = 0
        while used + len(policies.lines) + len(events.lines) < self.target:
            if n % 3 == 2:
                self.conference(events, n)
            else:
                self.spaser(policies, n)
            n += 1
        yield policies
        yield events


def write_project(target: int, folder: Path, *, seed: int = 6, repo: Path | None = None) -> int:
    """Write a buildable project folder for ``target`` triples; returns the triple count."""
    repo = (repo or Path(__file__).resolve().parent.parent).resolve()
    sources = folder / "data" / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes"):
        link = folder / name
        if not link.exists():
            link.symlink_to(repo / name, target_is_directory=True)
    # the shipped facts come along, so the canned queries find what they were written for
    shipped = repo / "data"
    for path in sorted(shipped.rglob("*.ttl")):
        link = folder / "data" / path.relative_to(shipped)
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    total = 0
    for out in Generator(target, seed).files():
        (sources / f"{out.slug}.nt").write_text("".join(out.lines), "utf-8")
        total += len(out.lines)
    return total


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("triples", type=int)
    cli.add_argument("folder", type=Path)
    cli.add_argument("--seed", type=int, default=6)
    args = cli.parse_args()
    total = write_project(args.triples, args.folder, seed=args.seed)
    print(f"{total} triples written under {args.folder}")


if __name__ == "__main__":
    main()

"""What each kind of contribution holds: its columns, their meaning, one example row.

This table is the one description of a template: the CSV and XLSX files, their CSVW
metadata, the reader's header matching and the mapping's column names all come from it, so a
column cannot mean one thing in the template and another in the import.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.namespaces import DEF

ORG = "http://www.w3.org/ns/org#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
IGEO = "http://rdf.insee.fr/def/geo#"


#: The short words the SPASER template offers for an axis's type (its column's meaning lists
#: them), each naming a concept of the axis-type scheme by its IRI's local name; the concepts'
#: own labels (« Une commande publique sociale ») are accepted too.
AXIS_WORDS: dict[str, str] = {
    "social": "axis-social",
    "écologique": "axis-ecological",
    "commerce équitable": "axis-fair-economy",
    "gouvernance": "axis-governance",
    "accès des PME et de l'ESS": "axis-sme-ess-access",
    "innovation": "axis-innovation",
    "RSE": "axis-csr",
    "bio et circuits courts": "axis-organic-short-circuits",
    "économie circulaire": "axis-circular-economy",
}


@dataclass(frozen=True)
class Column:
    """One column of a template; ``fr`` is the header a template carries, ``en`` its alias."""

    key: str
    fr: str
    en: str
    meaning_fr: str
    meaning_en: str
    example: str
    required: bool = False
    datatype: str = "string"  # a CSVW datatype name
    property: str | None = None  # the ontology term the column feeds, for the CSVW metadata


@dataclass(frozen=True)
class Kind:
    """A kind of contribution: its slug (in URLs and on the command line) and its columns."""

    slug: str
    title_fr: str
    title_en: str
    about_fr: str
    about_en: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_COMMUNE = Column(
    "commune",
    "commune",
    "municipality",
    "Code INSEE de la commune (5 caractères, ex. 35238) ou son nom ; le code lève toute "
    "ambiguïté entre communes homonymes.",
    "INSEE code of the municipality (5 characters, e.g. 35238) or its name; the code settles "
    "any ambiguity between municipalities of the same name.",
    "35238",
    property=DEF + "basedIn",
)

ORGANISATIONS = Kind(
    "organisations",
    "Organisations et adhésions",
    "Organisations and memberships",
    "Une ligne par organisation membre : son nom, son SIREN, sa commune, le réseau dont elle "
    "est membre et sa fonction dans ce réseau.",
    "One row per member organisation: its name, SIREN, municipality, the network it belongs "
    "to and its role there.",
    (
        Column(
            "name",
            "nom",
            "name",
            "Nom de l'organisation, tel qu'elle l'écrit.",
            "Name of the organisation, as it writes it.",
            "Coopérative Le Champ Commun",
            required=True,
            property=RDFS + "label",
        ),
        Column(
            "siren",
            "SIREN",
            "siren",
            "Numéro SIREN à 9 chiffres (avec sa clé de contrôle) ; laisser vide s'il est inconnu.",
            "9-digit SIREN number (with its check digit); leave empty when unknown.",
            "552100554",
            property=DEF + "siren",
        ),
        _COMMUNE,
        Column(
            "network",
            "réseau",
            "network",
            "Réseau dont l'organisation est membre (ex. le nom de votre CRESS).",
            "Network the organisation is a member of (e.g. the name of your CRESS).",
            "CRESS Bretagne",
            property=ORG + "organization",
        ),
        Column(
            "role",
            "fonction",
            "role",
            "Fonction de l'organisation dans le réseau (adhérent, administrateur…).",
            "Role of the organisation in the network (member, board member…).",
            "adhérent",
            property=ORG + "role",
        ),
        Column(
            "since",
            "date d'adhésion",
            "member since",
            "Date d'adhésion, en JJ/MM/AAAA ou AAAA-MM-JJ.",
            "Date the membership began, as DD/MM/YYYY or YYYY-MM-DD.",
            "15/03/2021",
            datatype="date",
            property=ORG + "memberDuring",
        ),
    ),
)

SPASERS = Kind(
    "spasers",
    "SPASER",
    "SPASERs",
    "Une ligne par axe (et sa cible chiffrée, s'il en a une) d'un schéma de promotion des "
    "achats socialement et écologiquement responsables ; les lignes d'une même collectivité "
    "décrivent le même SPASER.",
    "One row per axis (with its numeric target, if any) of a responsible-procurement scheme "
    "(SPASER); the rows of one authority describe the same SPASER.",
    (
        Column(
            "authority",
            "collectivité",
            "authority",
            "SIREN de la collectivité ou du groupement qui adopte le SPASER, ou code INSEE de "
            "sa commune.",
            "SIREN of the authority adopting the SPASER, or the INSEE code of its municipality.",
            "213502388",
            required=True,
            property=DEF + "adoptedBy",
        ),
        Column(
            "title",
            "intitulé",
            "title",
            "Intitulé du SPASER, tel que la délibération qui l'adopte le nomme (repris sur "
            "chaque ligne du même SPASER).",
            "Title of the SPASER, as the deliberation adopting it names it (repeated on each "
            "row of the same SPASER).",
            "SPASER de la Ville de Rennes",
            required=True,
            property=RDFS + "label",
        ),
        Column(
            "adopted",
            "date d'adoption",
            "adoption date",
            "Date d'adoption (JJ/MM/AAAA ou AAAA-MM-JJ) ou année seule.",
            "Adoption date (DD/MM/YYYY or YYYY-MM-DD) or the year alone.",
            "2019",
            datatype="string",
            property=DEF + "adoptionDate",
        ),
        Column(
            "axis",
            "axe",
            "axis",
            "Intitulé de l'axe stratégique.",
            "Title of the strategic axis.",
            "Favoriser l'insertion par l'activité économique",
            property=DEF + "hasAxis",
        ),
        Column(
            "axis_type",
            "type d'axe",
            "axis type",
            "Type de l'axe : social, écologique, commerce équitable, gouvernance, accès des "
            "PME et de l'ESS, innovation, RSE, bio et circuits courts, économie circulaire.",
            "Axis type: social, ecological, fair trade, governance, SME and SSE access, "
            "innovation, CSR, organic and short circuits, circular economy.",
            "social",
            property=DEF + "axisType",
        ),
        Column(
            "target_value",
            "cible (valeur)",
            "target value",
            "Valeur de la cible chiffrée de l'axe.",
            "Value of the axis's numeric target.",
            "10",
            datatype="decimal",
            property=DEF + "targetValue",
        ),
        Column(
            "target_unit",
            "cible (unité)",
            "target unit",
            "Unité de la cible : %, €, € HT, heures, nombre.",
            "Unit of the target: %, €, € HT, hours, count.",
            "%",
            property=DEF + "unit",
        ),
        Column(
            "target_year",
            "cible (année)",
            "target year",
            "Année d'échéance de la cible (AAAA).",
            "Year the target is due (YYYY).",
            "2025",
            datatype="gYear",
            property=DEF + "targetYear",
        ),
    ),
)

EVENTS = Kind(
    "events",
    "Événements",
    "Events",
    "Une ligne par intervention d'un événement ; les lignes de même titre et même date "
    "décrivent le même événement.",
    "One row per talk of an event; the rows with the same title and date describe the same event.",
    (
        Column(
            "title",
            "titre",
            "title",
            "Titre de l'événement.",
            "Title of the event.",
            "Rencontre régionale de l'ESS",
            required=True,
            property=RDFS + "label",
        ),
        Column(
            "date",
            "date",
            "date",
            "Date de l'événement (JJ/MM/AAAA ou AAAA-MM-JJ).",
            "Date of the event (DD/MM/YYYY or YYYY-MM-DD).",
            "18/11/2022",
            required=True,
            datatype="date",
            property=SCHEMA + "startDate",
        ),
        Column(
            "place",
            "lieu",
            "place",
            "Commune où l'événement a lieu : code INSEE ou nom.",
            "Municipality where the event takes place: INSEE code or name.",
            "35238",
            property=SCHEMA + "location",
        ),
        Column(
            "organisers",
            "organisateurs",
            "organisers",
            "Organisations qui organisent, séparées par « | ».",
            'Organising organisations, separated by "|".',
            "CRESS Bretagne",
            property=SCHEMA + "organizer",
        ),
        Column(
            "talk",
            "intervention",
            "talk",
            "Titre de l'intervention.",
            "Title of the talk.",
            "Les achats responsables en pratique",
            property=DEF + "hasIntervention",
        ),
        Column(
            "speaker",
            "intervenant",
            "speaker",
            "Prénom et nom de la personne qui intervient.",
            "Full name of the speaker.",
            "Camille Martin",
            property=DEF + "speaker",
        ),
        Column(
            "affiliation",
            "organisation de l'intervenant",
            "speaker's organisation",
            "Organisation que la personne représente ce jour-là.",
            "Organisation the speaker represents that day.",
            "Coopérative Le Champ Commun",
            property=DEF + "speakerAffiliation",
        ),
    ),
)

CHARTERS = Kind(
    "charters",
    "Chartes et signataires",
    "Charters and signatories",
    "Une ligne par signataire d'une charte ; les lignes de même intitulé décrivent la même charte.",
    "One row per signatory of a charter; the rows with the same title describe the same charter.",
    (
        Column(
            "charter",
            "charte",
            "charter",
            "Intitulé de la charte.",
            "Title of the charter.",
            "Charte régionale des achats responsables",
            required=True,
            property=RDFS + "label",
        ),
        Column(
            "signed",
            "date de signature",
            "signing date",
            "Date de signature (JJ/MM/AAAA ou AAAA-MM-JJ) ou année seule.",
            "Signing date (DD/MM/YYYY or YYYY-MM-DD) or the year alone.",
            "01/07/2023",
            required=True,
            property=DEF + "signedOn",
        ),
        Column(
            "signatory",
            "signataire",
            "signatory",
            "Nom de l'organisation signataire.",
            "Name of the signing organisation.",
            "Coopérative Le Champ Commun",
            required=True,
            property=DEF + "hasSignatory",
        ),
        Column(
            "siren",
            "SIREN du signataire",
            "signatory SIREN",
            "SIREN du signataire (9 chiffres), s'il est connu.",
            "SIREN of the signatory (9 digits), when known.",
            "552100554",
            property=DEF + "siren",
        ),
    ),
)

KINDS: dict[str, Kind] = {k.slug: k for k in (ORGANISATIONS, SPASERS, EVENTS, CHARTERS)}

"""Table L of seed-facts.md: every number and date of the source, each tied by a
SPARQL ASK to the entity it belongs to."""

from __future__ import annotations

import pytest

from service.store.base import Store

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX epo: <http://data.europa.eu/a4g/ontology#>
PREFIX src: <https://w3id.org/esskg/graph/source/>
PREFIX col: <https://w3id.org/esskg/id/collectivite/>
PREFIX orga: <https://w3id.org/esskg/id/organisation/>
PREFIX unit: <https://w3id.org/esskg/id/unite/>
PREFIX evt: <https://w3id.org/esskg/id/evenement/>
PREFIX doc: <https://w3id.org/esskg/id/document/>
PREFIX lex: <https://w3id.org/esskg/id/texte/>
PREFIX spaser: <https://w3id.org/esskg/id/spaser/>
PREFIX plan: <https://w3id.org/esskg/id/plan/>
PREFIX axe: <https://w3id.org/esskg/id/axe/>
PREFIX obj: <https://w3id.org/esskg/id/objectif/>
PREFIX cible: <https://w3id.org/esskg/id/cible/>
PREFIX obs: <https://w3id.org/esskg/id/observation/>
PREFIX proc: <https://w3id.org/esskg/id/procedure/>
PREFIX activ: <https://w3id.org/esskg/id/activite/>
PREFIX prog: <https://w3id.org/esskg/id/programme/>
PREFIX charte: <https://w3id.org/esskg/id/charte/>
PREFIX conv: <https://w3id.org/esskg/id/convention/>
PREFIX suivi: <https://w3id.org/esskg/id/dispositif-suivi/>
PREFIX phase: <https://w3id.org/esskg/id/phase/>
PREFIX oblig: <https://w3id.org/esskg/id/obligation/>
PREFIX cpt: <https://w3id.org/esskg/id/concept/>
PREFIX sch: <https://w3id.org/esskg/id/scheme/>
"""


def obs(about: str, prop: str, value: str, source: str, extra: str = "") -> str:
    """ASK body for a figure: an observation about `about`, with value, from `source`."""
    return f"""{{ ?o a ess:StatisticalObservation ; ess:aboutEntity {about} ;
        ess:observedProperty cpt:{prop} ; ess:observedValue ?v ;
        prov:wasDerivedFrom src:{source} . FILTER (?v = {value}) {extra} }}"""


C, E, G, J = (
    "conference-efc-commande-publique-2022",
    "conference-innovation-commande-publique-2020",
    "charte-engagements-reciproques",
    "etat-des-lieux-spaser-2020",
)

# (id, what the source says, ASK body)
TABLE_L = [
    (
        "L01",
        "research-action lasted 2 years",
        "{ prog:recherche-action-coconstruction ess:durationYears 2 }"
        " UNION "
        + obs(
            "prog:recherche-action-coconstruction",
            "op-activity-duration",
            "2",
            "co-construction-action-publique",
        ),
    ),
    (
        "L02",
        "EFC conference on Thursday 3 March 2022",
        '{ evt:conf-efc-2022-03-03 a ess:Conference ; schema:startDate "2022-03-03"^^xsd:date }',
    ),
    (
        "L03",
        "previous EFC conference in October 2021",
        '{ evt:conf-efc-2022-03-03 ess:follows ?p . ?p schema:startDate "2021-10"^^xsd:gYearMonth }',
    ),
    (
        "L04",
        "45 participants to the 3 March 2022 conference",
        "{ evt:conf-efc-2022-03-03 ess:participantCount 45 }",
    ),
    (
        "L05",
        "COEF P supports 3 experimentation territories",
        "{ prog:coef-p ess:carriedBy orga:ciridd ; ess:hasTarget ?t . ?t ess:targetValue 3 }",
    ),
    (
        "L06",
        "6 EFC keys",
        obs("sch:efc-keys", "op-list-items", "6", C)
        + " . { SELECT (COUNT(?k) AS ?n) WHERE { ?k skos:inScheme sch:efc-keys } } FILTER (?n = 6)",
    ),
    (
        "L07",
        "5 EFC advice items",
        obs("sch:efc-advice", "op-list-items", "5", C)
        + " . { SELECT (COUNT(?k) AS ?n) WHERE { ?k skos:inScheme sch:efc-advice } } FILTER (?n = 5)",
    ),
    (
        "L08",
        "PAT of Valence Romans Agglo since 2015",
        '{ plan:vra-pat ess:adoptedBy col:valence-romans-agglo ; schema:startDate "2015"^^xsd:gYear }',
    ),
    (
        "L09",
        "food-purchase inventory started March 2020",
        '{ proc:vra-marche-alimentaire ess:preparedBy ?a . ?a schema:startDate "2020-03"^^xsd:gYearMonth }',
    ),
    (
        "L10",
        "about 150 000 euros of food purchases per year, approximate",
        obs(
            "col:valence-romans-agglo",
            "op-annual-food-purchases",
            "150000",
            C,
            '?o ess:approximate true ; ess:approximationQualifier "environ"@fr ;'
            " ess:frequency cpt:freq-annual .",
        ),
    ),
    (
        "L11",
        "3 specification meetings",
        "{ proc:vra-marche-alimentaire ess:preparedBy ?a . ?a ess:meetingCount 3 }",
    ),
    (
        "L12",
        "SAD published April 2021",
        '{ proc:vra-marche-alimentaire dcterms:issued "2021-04"^^xsd:gYearMonth ;'
        " ess:instrument cpt:inst-dps ; epo:usesTechnique/a epo:DynamicPurchaseSystemTechnique }",
    ),
    (
        "L13a",
        "5 suppliers registered at start",
        obs(
            "proc:vra-marche-alimentaire",
            "op-registered-suppliers",
            "5",
            C,
            '?o ess:timeQualifier "au démarrage"@fr .',
        ),
    ),
    (
        "L13b",
        "about twenty suppliers one year later (the page gives no date)",
        obs(
            "proc:vra-marche-alimentaire",
            "op-registered-suppliers",
            "20",
            C,
            '?o ess:approximate true ; ess:approximationQualifier "une vingtaine"@fr ;'
            ' ess:timeQualifier "un an après"@fr .',
        ),
    ),
    (
        "L14",
        "newsletter to 1500 agents",
        obs("doc:vra-newsletter-interne", "op-agents-reached", "1500", C),
    ),
    (
        "L15a",
        "6 points of attention",
        obs("sch:vra-attention-points", "op-list-items", "6", C)
        + " . { SELECT (COUNT(?k) AS ?n) WHERE { proc:vra-marche-alimentaire ess:pointOfAttention ?k } }"
        " FILTER (?n = 6)",
    ),
    (
        "L15b",
        "6 reasons why the contract is EFC",
        obs("sch:efc-criteria", "op-list-items", "6", C)
        + " . { SELECT (COUNT(?k) AS ?n) WHERE { proc:vra-marche-alimentaire ess:meetsCriterion ?k } }"
        " FILTER (?n = 6)",
    ),
    (
        "L16",
        "innovation conference November 2020",
        '{ evt:conf-innovation-2020-11 a ess:Conference ; schema:startDate "2020-11"^^xsd:gYearMonth }',
    ),
    (
        "L17a",
        "innovative purchase defined at 2° of R. 2124-3",
        '{ cpt:innovative-purchase ess:definedIn ?a . ?a eli:number "2°" ;'
        ' eli:is_part_of/eli:number "R. 2124-3" }',
    ),
    (
        "L17b",
        "innovation partnership defined at L. 2172-3",
        '{ cpt:inst-innovation-partnership ess:definedIn ?a . ?a eli:number "L. 2172-3" }',
    ),
    (
        "L18",
        "décret of 24 December 2018 creates the experiment",
        "{ cpt:inst-innovative-purchase-experiment ess:createdBy ?d ."
        ' ?d eli:date_document "2018-12-24"^^xsd:date }',
    ),
    ("L19", "3-year experiment", "{ cpt:inst-innovative-purchase-experiment ess:durationYears 3 }"),
    (
        "L20",
        "experiment ceiling below 100 000 euros",
        "{ cpt:inst-innovative-purchase-experiment ess:ceiling ?c ."
        " ?c schema:maxValue 100000 ; ess:comparator cpt:cmp-below }",
    ),
    (
        "L21",
        "art. 2 of the décret: declaration to the OECP",
        "{ cpt:inst-innovative-purchase-experiment ess:declarationRequiredBy ?a ;"
        ' ess:declarationTo orga:oecp . ?a eli:number "2" ; eli:is_part_of lex:decret-2018-12-24 }',
    ),
    (
        "L22",
        "149 M euros HT of purchases for the Communauté urbaine de Dunkerque (no period given)",
        obs(
            "col:cu-dunkerque",
            "op-public-purchases",
            "149000000",
            E,
            "?o ess:unit cpt:unit-eur-ht .",
        ),
    ),
    (
        "L23a",
        "CUD SPASER has 5 strategic axes",
        obs("spaser:cud-dunkerque", "op-strategic-axes", "5", E)
        + " . { spaser:cud-dunkerque ess:adoptedBy col:cu-dunkerque }",
    ),
    (
        "L23b",
        "innovation axis has 4 objectives",
        obs("axe:cud-dunkerque-innovation", "op-objectives", "4", E)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { axe:cud-dunkerque-innovation ess:hasObjective ?x } }"
        " FILTER (?n = 4)",
    ),
    (
        "L23c",
        "innovation axis has 12 actions",
        obs("axe:cud-dunkerque-innovation", "op-actions", "12", E)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { axe:cud-dunkerque-innovation ess:hasObjective/ess:hasAction ?x } }"
        " FILTER (?n = 12)",
    ),
    (
        "L24",
        "public-innovation lab worked one year on simplification",
        "{ ?a prov:wasAssociatedWith unit:cud-laboratoire-innovation-publique ; ess:durationYears 1 }",
    ),
    (
        "L25",
        "about 600 M euros HT annual purchases of Région Grand Est",
        obs(
            "col:region-grand-est",
            "op-annual-purchases",
            "600000000",
            E,
            '?o ess:approximate true ; ess:approximationQualifier "environ"@fr ; ess:unit cpt:unit-eur-ht .',
        ),
    ),
    ("L26a", "350 buyers at Région Grand Est", obs("col:region-grand-est", "op-buyers", "350", E)),
    ("L26b", "18 sites at Région Grand Est", obs("col:region-grand-est", "op-sites", "18", E)),
    (
        "L27",
        "page 8 of the guide de l'achat innovant",
        "{ proc:ge-outil-empreinte-achats ess:eligibilityCheckedWith doc:guide-achat-innovant ; ess:citedPage 8 }",
    ),
    (
        "L28a",
        "APF tool purchase in 4 phases",
        obs("proc:ge-outil-empreinte-achats", "op-phases", "4", E)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { proc:ge-outil-empreinte-achats ess:hasPhase ?x } }"
        " FILTER (?n = 4)",
    ),
    (
        "L28b",
        "phase 3 current",
        "{ proc:ge-outil-empreinte-achats ess:currentPhase ?p . ?p schema:position 3 }",
    ),
    (
        "L28c",
        "deployment planned by early 2021",
        "{ proc:ge-outil-empreinte-achats ess:hasPhase ?p . ?p schema:position 4 ;"
        ' ess:plannedDate "2021"^^xsd:gYear ; ess:timeQualifier "d\'ici début 2021"@fr }',
    ),
    (
        "L29",
        "innovation partnerships for 2 or 3 years",
        "{ ?o ess:aboutEntity col:region-grand-est ; ess:observedProperty cpt:op-seniority ;"
        " ess:minValue 2 ; ess:maxValue 3 ; ess:approximate true ; prov:wasDerivedFrom src:"
        + E
        + " }",
    ),
    (
        "L30",
        "3 innovation contracts on skills gaps",
        obs("proc:ge-marches-ecarts-competences", "op-innovation-contracts", "3", E)
        + " . { proc:ge-marches-ecarts-competences ess:forUnit unit:ge-direction-formation-professionnelle }",
    ),
    (
        "L31",
        "8th Points de RepèrESS",
        "{ doc:pdr-08-commerce-equitable schema:isPartOf doc:series-points-de-reperess ; schema:position 8 ; ess:ordinal 8 }",
    ),
    (
        "L32",
        "20th Quinzaine du Commerce équitable",
        "{ doc:pdr-08-commerce-equitable prov:wasInfluencedBy ?q . ?q ess:ordinal 20 }",
    ),
    (
        "L33",
        "published June 2020, updated March 2023",
        '{ doc:pdr-08-commerce-equitable schema:datePublished "2020-06"^^xsd:gYearMonth ;'
        ' schema:dateModified "2023-03"^^xsd:gYearMonth }',
    ),
    (
        "L34",
        "charter signed February 2014",
        '{ charte:engagements-reciproques-2014 ess:signedOn "2014-02"^^xsd:gYearMonth }',
    ),
    (
        "L35",
        "previous charter 2001, centenary of the 1901 law",
        '{ charte:engagements-reciproques-2014 prov:wasRevisionOf ?c . ?c ess:signedOn "2001"^^xsd:gYear ;'
        ' ess:signedAt ?e . ?e schema:about ?law . ?law dcterms:date "1901"^^xsd:gYear }',
    ),
    (
        "L36",
        "3 commitments of the collectivités",
        obs("charte:engagements-reciproques-2014", "op-commitments", "3", G)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { charte:engagements-reciproques-2014 ess:hasCommitment ?x } }"
        " FILTER (?n = 3)",
    ),
    (
        "L37",
        "circulaire Valls of 29 September 2015",
        '{ lex:circulaire-2015-09-29 eli:date_document "2015-09-29"^^xsd:date ; skos:altLabel "circulaire Valls"@fr }',
    ),
    (
        "L38",
        "triennial evaluation by a national committee",
        "{ charte:engagements-reciproques-2014 ess:evaluationFrequency cpt:freq-triennial ;"
        " ess:evaluatedBy unit:comite-national-suivi-charte }",
    ),
    (
        "L39",
        "progress report of 15 February 2017",
        '{ ?r schema:author unit:comite-national-suivi-charte ; schema:dateCreated "2017-02-15"^^xsd:date }',
    ),
    (
        "L40",
        "50 local and sectoral charters since 2014",
        obs(
            "charte:engagements-reciproques-2014",
            "op-local-charters",
            "50",
            G,
            '?o ess:periodStart "2014"^^xsd:gYear .',
        ),
    ),
    (
        "L41",
        "HCVA opinion of 8 September 2017",
        '{ ?a schema:author orga:hcva ; schema:dateCreated "2017-09-08"^^xsd:date ;'
        " schema:about charte:engagements-reciproques-2014 }",
    ),
    ("L42", "Fiche n°11", "{ doc:fiche-11 schema:position 11 ; ess:ordinal 11 }"),
    (
        "L43",
        "Club IdF meeting of 27 February 2020",
        "{ ?m a ess:Meeting ; schema:organizer orga:club-collectivites-ess-idf ;"
        ' schema:startDate "2020-02-27"^^xsd:date }',
    ),
    (
        "L44",
        "convention signed 18 April 2019 at the salon des Maires",
        '{ conv:club-idf-2019 ess:signedOn "2019-04-18"^^xsd:date ; ess:signedAt ?s ;'
        ' ess:establishes orga:club-collectivites-ess-idf . ?s schema:startDate "2019-04-18"^^xsd:date }',
    ),
    (
        "L45",
        "3 initiators of the Club",
        obs(
            "orga:club-collectivites-ess-idf",
            "op-initiators",
            "3",
            "club-collectivites-ess-idf-rencontre-2020",
        )
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { orga:club-collectivites-ess-idf ess:initiatedBy ?x } }"
        " FILTER (?n = 3)",
    ),
    (
        "L46",
        "état des lieux dated January 2020",
        "{ src:" + J + ' schema:temporalCoverage "2020-01"^^xsd:gYearMonth }',
    ),
    (
        "L47",
        "art. 13 (I) of loi 2014-856 of 31 July 2014",
        '{ lex:loi-2014-856-art13-i eli:number "I" ; eli:is_part_of lex:loi-2014-856-art13 .'
        ' lex:loi-2014-856-art13 eli:number "13" ; eli:is_part_of lex:loi-2014-856 .'
        ' lex:loi-2014-856 eli:number "2014-856" ; eli:date_document "2014-07-31"^^xsd:date .'
        " oblig:spaser ess:establishedBy lex:loi-2014-856-art13 }",
    ),
    (
        "L48",
        "art. 76 of loi 2015-992 of 17 August 2015 amends art. 13",
        '{ ?a eli:number "76" ; eli:is_part_of ?l ; eli:amends lex:loi-2014-856-art13 .'
        ' ?l eli:number "2015-992" ; eli:date_document "2015-08-17"^^xsd:date }',
    ),
    (
        "L49",
        "codified at L. 2111-3",
        '{ ?a eli:number "L. 2111-3" ; ess:codifies lex:loi-2014-856-art13-i ;'
        " eli:is_part_of lex:code-commande-publique }",
    ),
    (
        "L50",
        "national plan: 25 % social clause, 30 % environmental clause by 2020",
        "{ plan:pnaapd ess:hasTarget ?a , ?b . ?a ess:targetValue 25 ; ess:unit cpt:unit-percent ;"
        ' ess:targetYear "2020"^^xsd:gYear . ?b ess:targetValue 30 ; ess:unit cpt:unit-percent ;'
        ' ess:targetYear "2020"^^xsd:gYear . oblig:spaser ess:servesPlan plan:pnaapd }',
    ),
    (
        "L51",
        "100 M euros HT threshold",
        "{ oblig:spaser ess:threshold ?t . ?t schema:minValue 100000000 ; ess:unit cpt:unit-eur-ht ;"
        " ess:comparator cpt:cmp-above }",
    ),
    (
        "L52",
        "threshold set by décret 2015-90 of 28 January 2015",
        '{ oblig:spaser ess:thresholdSetBy ?d . ?d eli:number "2015-90" ; eli:date_document "2015-01-28"^^xsd:date }',
    ),
    (
        "L53",
        "about 160 obliged collectivités",
        obs(
            "oblig:spaser",
            "op-obliged-bodies",
            "160",
            J,
            '?o ess:approximate true ; ess:approximationQualifier "environ"@fr .',
        ),
    ),
    (
        "L54a",
        "majority of metropolitan regions",
        "{ ?o ess:aboutEntity oblig:spaser ; ess:observedProperty cpt:op-obliged-regions ;"
        ' ess:approximationQualifier "la majorité des régions métropolitaines"@fr }',
    ),
    (
        "L54b",
        "about sixty departments",
        obs(
            "oblig:spaser",
            "op-obliged-departments",
            "60",
            J,
            '?o ess:approximationQualifier "une soixantaine"@fr .',
        ),
    ),
    (
        "L54c",
        "nearly 70 EPCIs",
        obs(
            "oblig:spaser",
            "op-obliged-epcis",
            "70",
            J,
            '?o ess:approximationQualifier "près de"@fr .',
        ),
    ),
    (
        "L54d",
        "about ten communes above 250 000 inhabitants",
        obs(
            "oblig:spaser",
            "op-obliged-communes",
            "10",
            J,
            '?o ess:approximationQualifier "une dizaine"@fr ; ess:populationThreshold 250000 .',
        ),
    ),
    (
        "L55a",
        "32 collectivités had adopted a SPASER at 31 December 2019",
        obs(
            "oblig:spaser",
            "op-adopted-spaser",
            "32",
            J,
            '?o ess:referenceDate "2019-12-31"^^xsd:date .',
        ),
    ),
    (
        "L55b",
        "20 % of obliged collectivités at 31 December 2019",
        obs(
            "oblig:spaser",
            "op-adoption-rate",
            "20",
            J,
            '?o ess:referenceDate "2019-12-31"^^xsd:date ; ess:unit cpt:unit-percent ; ess:relativeTo ?d .'
            " ?d ess:observedValue 160 .",
        ),
    ),
    (
        "L56",
        "adoptions between 2015 and 2019",
        '{ ?o ess:observedProperty cpt:op-adoption-period ; ess:periodStart "2015"^^xsd:gYear ;'
        ' ess:periodEnd "2019"^^xsd:gYear ; prov:wasDerivedFrom src:' + J + " }",
    ),
    (
        "L57",
        "4 main axes",
        obs("sch:spaser-axis-types", "op-main-axes", "4", J)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { cpt:collection-spaser-main-axes skos:member ?x } } FILTER (?n = 4)",
    ),
    (
        "L58",
        "usual SPASER duration 3 to 4 years",
        "{ ?o ess:observedProperty cpt:op-usual-duration ; ess:minValue 3 ; ess:maxValue 4 ;"
        " ess:unit cpt:unit-year ; prov:wasDerivedFrom src:" + J + " }",
    ),
    (
        "L59",
        "usually annual evaluation",
        "{ ?o ess:observedProperty cpt:op-usual-evaluation-frequency ; ess:frequency cpt:freq-annual ;"
        " prov:wasDerivedFrom src:" + J + " }",
    ),
    (
        "L60a",
        "Strasbourg comité technique meets monthly",
        "{ ?c ess:monitors spaser:strasbourg ; ess:meetingFrequency cpt:freq-monthly ;"
        " org:unitOf col:eurometropole-strasbourg }",
    ),
    (
        "L60b",
        "Strasbourg atelier of the Conseil de l'ESS yearly",
        "{ ?c ess:monitors spaser:strasbourg ; ess:meetingFrequency cpt:freq-annual ; org:reportsTo ?cc }",
    ),
    (
        "L61",
        "Nantes: 2020 targets, 70 % of BTP waste valorised",
        "{ spaser:nantes ess:adoptedBy col:nantes-metropole ; ess:hasAxis ?a . ?a ess:hasTarget ?t ."
        ' ?t ess:targetValue 70 ; ess:unit cpt:unit-percent ; ess:targetYear "2020"^^xsd:gYear }',
    ),
    (
        "L62a",
        "CD93: +2 reserved contracts per year, 10 in 2020",
        "{ spaser:cd-seine-saint-denis ess:hasObjective/ess:hasTarget ?t . ?t ess:targetValue 10 ;"
        ' ess:annualIncrement 2 ; ess:targetYear "2020"^^xsd:gYear ; ess:unit cpt:unit-count }',
    ),
    (
        "L62b",
        "CD93: +30 % per year, at least 1 500 000 euros HT by 2020",
        "{ spaser:cd-seine-saint-denis ess:hasObjective/ess:hasTarget ?t . ?t ess:targetValue 1500000 ;"
        " ess:unit cpt:unit-eur-ht ; ess:comparator cpt:cmp-at-least ; ess:annualIncrement 30 ;"
        ' ess:incrementUnit cpt:unit-percent ; ess:targetYear "2020"^^xsd:gYear }',
    ),
    (
        "L63",
        "MEL: 3 indicators",
        obs("spaser:mel", "op-indicators", "3", J)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { spaser:mel ess:hasIndicator ?x } } FILTER (?n = 3)",
    ),
    (
        "L64",
        "CD35: 3 indicators per fiche action",
        obs("spaser:cd-ille-et-vilaine", "op-indicators-per-sheet", "3", J)
        + " . { SELECT (COUNT(?x) AS ?n) WHERE { spaser:cd-ille-et-vilaine ess:hasActionSheet/ess:hasIndicator ?x } }"
        " FILTER (?n = 3)",
    ),
    (
        "L65a",
        "CR Bretagne: 50 % in 2020",
        "{ spaser:region-bretagne ess:hasTarget ?t . ?t ess:targetValue 50 ; ess:unit cpt:unit-percent ;"
        ' ess:targetYear "2020"^^xsd:gYear ; ess:measuredBy ?i . ?i ess:frequency cpt:freq-annual }',
    ),
    (
        "L65b",
        "CR Bretagne: 20 % in 2021",
        "{ spaser:region-bretagne ess:hasTarget ?t . ?t ess:targetValue 20 ; ess:unit cpt:unit-percent ;"
        ' ess:targetYear "2021"^^xsd:gYear }',
    ),
    (
        "L66",
        "CR Bretagne objective 3 with 5 means",
        "{ spaser:region-bretagne ess:hasObjective ?o3 . ?o3 ess:ordinal 3 .\n"
        "  ?ob ess:aboutEntity ?o3 ; ess:observedProperty cpt:op-means ; ess:observedValue 5 .\n"
        "  { SELECT ?x (COUNT(?a) AS ?n) WHERE { ?x ess:ordinal 3 ; ess:hasAction ?a } GROUP BY ?x }\n"
        "  FILTER (?x = ?o3 && ?n = 5) }",
    ),
    (
        "L67",
        "Gironde interim report in the 2017 sustainable-development report",
        "{ spaser:cd-gironde ess:hasMonitoringArrangement/ess:plannedReport ?r . ?r schema:isPartOf ?dd ."
        ' ?dd dcterms:date "2017"^^xsd:gYear ; schema:author col:departement-gironde }',
    ),
    (
        "L68",
        "CR Centre-Val de Loire technical committee quarterly",
        "{ ?c ess:monitors spaser:region-centre-val-de-loire ; ess:meetingFrequency cpt:freq-quarterly ;"
        " ess:supportedBy ?d . ?d org:unitOf col:region-centre-val-de-loire }",
    ),
]


def test_table_l_covers_every_row() -> None:
    rows = {entry[0][:3] for entry in TABLE_L}
    assert rows == {f"L{i:02d}" for i in range(1, 69)}


@pytest.mark.parametrize(("fact_id", "meaning", "body"), TABLE_L, ids=[e[0] for e in TABLE_L])
def test_seed_fact_is_tied_to_its_entity(
    facts_store: Store, fact_id: str, meaning: str, body: str
) -> None:
    assert facts_store.ask(PREFIXES + "ASK { " + body + " }"), f"{fact_id}: {meaning}"

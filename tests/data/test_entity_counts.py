"""Section M of seed-facts.md: counts of the entities the source describes."""

from __future__ import annotations

import pytest

from service.store.base import Store

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sch: <https://w3id.org/esskg/id/scheme/>
"""

# (what, SELECT of the counted nodes, comparator, expected)
COUNTS = [
    ("source pages", "?x a ess:SourcePage", "==", 9),
    ("private source pages", "?x a ess:SourcePage ; ess:accessRestricted true", "==", 2),
    ("persons", "?x a foaf:Person", "==", 7),
    (
        "persons with a stated membership",
        "?m a org:Membership ; org:member ?x . ?x a foaf:Person",
        "==",
        7,
    ),
    (
        "speakers' memberships dated by their talk",
        "?m a org:Membership ; org:member ?x ; org:memberDuring ?d . ?t ess:speaker ?x",
        "==",
        5,
    ),
    ("collectivités and groupings", "?x a/rdfs:subClassOf* ess:AutoriteLocale", ">=", 15),
    (
        "other organisations",
        "?x a/rdfs:subClassOf* org:Organization . FILTER NOT EXISTS { ?x a/rdfs:subClassOf* ess:AutoriteLocale }"
        " FILTER NOT EXISTS { ?x a/rdfs:subClassOf* org:OrganizationalUnit }"
        " FILTER NOT EXISTS { ?x a/rdfs:subClassOf* ess:GovernanceBody }",
        ">=",
        25,
    ),
    (
        "org units and governance bodies",
        "{ ?x a/rdfs:subClassOf* org:OrganizationalUnit } UNION { ?x a/rdfs:subClassOf* ess:GovernanceBody }",
        ">=",
        20,
    ),
    ("SPASERs", "?x a ess:SPASER", "==", 11),
    ("co-constructions", "?x a ess:CoConstruction", "==", 4),
    ("online public consultations", "?x a ess:PublicConsultation ; ess:online true", "==", 2),
    ("monitoring arrangements", "?x a ess:MonitoringArrangement", "==", 5),
    ("EFC keys", "?x skos:inScheme sch:efc-keys", "==", 6),
    ("EFC advice", "?x skos:inScheme sch:efc-advice", "==", 5),
    ("points of attention", "?x skos:inScheme sch:vra-attention-points", "==", 6),
    ("EFC criteria", "?x skos:inScheme sch:efc-criteria", "==", 6),
    ("SPASER axis types", "?x skos:inScheme sch:spaser-axis-types", "==", 9),
    (
        "CUD innovation actions",
        "<https://w3id.org/esskg/id/axe/cud-dunkerque-innovation> ess:hasObjective/ess:hasAction ?x",
        "==",
        12,
    ),
    (
        "CR Bretagne means",
        "<https://w3id.org/esskg/id/objectif/region-bretagne-3> ess:hasAction ?x",
        "==",
        5,
    ),
    ("MEL indicators", "<https://w3id.org/esskg/id/spaser/mel> ess:hasIndicator ?x", "==", 3),
    (
        "CD35 indicators",
        "<https://w3id.org/esskg/id/spaser/cd-ille-et-vilaine> ess:hasActionSheet/ess:hasIndicator ?x",
        "==",
        3,
    ),
    (
        "CR Bretagne indicators",
        "<https://w3id.org/esskg/id/spaser/region-bretagne> ess:hasIndicator ?x",
        "==",
        2,
    ),
    (
        "Gironde indicators",
        "<https://w3id.org/esskg/id/spaser/cd-gironde> ess:hasIndicator ?x",
        "==",
        4,
    ),
    ("events", "?x a/rdfs:subClassOf* <https://schema.org/Event>", ">=", 8),
    (
        "legal texts and articles",
        "?x a/rdfs:subClassOf* <http://data.europa.eu/eli/ontology#LegalResource>",
        ">=",
        11,
    ),
    ("figures", "?x a ess:StatisticalObservation", "==", 36),
]


@pytest.mark.parametrize(("what", "pattern", "op", "expected"), COUNTS, ids=[c[0] for c in COUNTS])
def test_entity_count(facts_store: Store, what: str, pattern: str, op: str, expected: int) -> None:
    query = PREFIXES + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}"
    (solution,) = facts_store.select(query)
    n = int(solution["n"])
    assert (n == expected) if op == "==" else (n >= expected), f"{what}: {n} {op} {expected}"

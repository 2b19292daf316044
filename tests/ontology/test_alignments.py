"""The alignments infer only true sentences: checked on the inferred graph the build stores.

Each super-property or super-class of ``ontology/alignments/`` makes the reasoner write a
triple for every instance; ontology/README.md ("Alignment audit") gives the sentence each
one says. These tests pin the ones the audit found false, and the rule behind them: the
provenance and legal-basis properties of PROV-O and ELI are inferred only from those
vocabularies' own sub-properties, never from a project property.
"""

from __future__ import annotations

import pytest
from rdflib import URIRef

from service.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from service.store.base import Store

PROV = "http://www.w3.org/ns/prov#"
ELI = "http://data.europa.eu/eli/ontology#"
ESS = "https://w3id.org/esskg/def#"
ID = "https://w3id.org/esskg/id/"
GUARDED = (PROV + "hadPrimarySource", PROV + "wasDerivedFrom", ELI + "based_on")
PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX id: <https://w3id.org/esskg/id/>
"""


def inferred_with(store: Store, predicate: str) -> set[tuple[str, str]]:
    rows = store.select(
        f"SELECT ?s ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s <{predicate}> ?o }} }}"
    )
    return {(str(r["s"]).removeprefix(ID), str(r["o"]).removeprefix(ID)) for r in rows}


def test_no_primary_source_nor_legal_basis_is_inferred(shipped_store: Store) -> None:
    assert inferred_with(shipped_store, PROV + "hadPrimarySource") == set()
    assert inferred_with(shipped_store, ELI + "based_on") == set()


def test_inferred_derivations_are_exactly_those_prov_itself_implies(shipped_store: Store) -> None:
    """G: the 2014 charter revises the 2001 one (prov:wasRevisionOf); the count of 50 local
    charters has the progress report as primary source (prov:hadPrimarySource)."""
    assert inferred_with(shipped_store, PROV + "wasDerivedFrom") == {
        ("charte/engagements-reciproques-2014", "charte/engagements-reciproques-2001"),
        ("observation/chartes-locales-sectorielles-2017", "document/rapport-etape-charte-2017"),
    }


@pytest.mark.parametrize("guarded", GUARDED)
def test_each_inferred_guarded_triple_comes_from_an_external_vocabulary(
    shipped_store: Store, guarded: str
) -> None:
    """The general rule, read off the graph itself: every inferred triple with a guarded
    predicate restates an asserted triple whose predicate is a sub-property of it in the
    ontology graph and lies outside the project namespace."""
    rows = shipped_store.select(
        f"SELECT ?s ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s <{guarded}> ?o }} }}"
    )
    supers = shipped_store.select(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"
        f" SELECT ?q WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?q rdfs:subPropertyOf+ <{guarded}> }} }}"
    )
    external = {str(r["q"]) for r in supers if not str(r["q"]).startswith(ESS)}
    for row in rows:
        s, o = row["s"], row["o"]
        asserted = shipped_store.select(
            f"SELECT ?q WHERE {{ GRAPH ?g {{ {s.n3()} ?q {o.n3()} }}"
            f" FILTER(?g != <{INFERRED_GRAPH}>) }}"
        )
        predicates = {str(r["q"]) for r in asserted}
        assert predicates & external, f"{s} {guarded} {o} is inferred from {predicates}"


FALSE_SENTENCES = [
    # a page that talks about a resource is not its primary source
    (
        "the study derived from the page",
        "ASK { id:document\\/etude-co-construire-politiques-publiques prov:wasDerivedFrom ?page ."
        " ?page a ess:SourcePage }",
    ),
    (
        "the research activity derived from anything",
        "ASK { id:programme\\/recherche-action-coconstruction"
        " prov:wasDerivedFrom|prov:hadPrimarySource ?x }",
    ),
    (
        "the fiche derived from anything",
        "ASK { id:document\\/fiche-11 prov:wasDerivedFrom|prov:hadPrimarySource ?x }",
    ),
    (
        "the minutes derived from anything",
        "ASK { id:document\\/compte-rendu-club-idf-2020-02-27"
        " prov:wasDerivedFrom|prov:hadPrimarySource ?x }",
    ),
    (
        "anything whose primary source is a page",
        "ASK { ?x prov:hadPrimarySource ?page . ?page a ess:SourcePage }",
    ),
    # a scheme is not secondary legislation
    ("a SPASER based on a legal text", "ASK { ?s a ess:SPASER ; eli:based_on ?t }"),
    ("an obligation based on a legal text (ELI)", "ASK { id:obligation\\/spaser eli:based_on ?t }"),
    # a code article codifying a law's article is not its PROV derivation here
    (
        "L. 2111-3 PROV-derived from art. 13",
        "ASK { id:texte\\/ccp-l2111-3 prov:wasDerivedFrom ?t }",
    ),
    # a network the page names is not known to be a legal person
    ("APuRe a formal organisation", "ASK { id:organisation\\/apure a org:FormalOrganization }"),
    # an association of elected officials the page only names is not known to be a network
    ("the AMIF a network", "ASK { id:organisation\\/amif a ess:Network }"),
    (
        "every association of elected officials a network",
        "ASK { ess:ElectedOfficialsAssociation rdfs:subClassOf+ ess:Network }",
    ),
    # the charter's national committee is part of no organisation the page names
    (
        "the national committee an organisational unit",
        "ASK { id:unite\\/comite-national-suivi-charte a org:OrganizationalUnit }",
    ),
    # a territorial food project is a project, not a creative work
    ("the PAT a creative work", "ASK { id:plan\\/vra-pat a schema:CreativeWork }"),
]


@pytest.mark.parametrize(
    ("sentence", "query"), FALSE_SENTENCES, ids=[s for s, _ in FALSE_SENTENCES]
)
def test_the_graph_does_not_say(shipped_store: Store, sentence: str, query: str) -> None:
    assert not shipped_store.ask(PREFIXES + query), sentence


def test_what_stays_aligned_is_still_inferred(shipped_store: Store) -> None:
    """The alignments kept by the audit still work: a page references what it states, a
    SPASER is attributed to its adopter and is a creative work, a talk's speaker performs."""
    for query in (
        "ASK { id:document\\/etude-co-construire-politiques-publiques"
        " <http://purl.org/dc/terms/isReferencedBy>"
        " <https://w3id.org/esskg/graph/source/co-construction-action-publique> }",
        "ASK { id:spaser\\/mel a schema:CreativeWork ;"
        " prov:wasAttributedTo id:collectivite\\/metropole-europeenne-de-lille }",
        "ASK { id:evenement\\/conf-efc-2022-03-03 schema:performer id:personne\\/james-pedron }",
        "ASK { id:organisation\\/amif a org:Organization }",
        "ASK { id:organisation\\/rtes a ess:Network , org:Organization }",
        "ASK { <https://w3id.org/esskg/graph/source/fiche-11-modes-de-contractualisation>"
        " schema:genre <https://w3id.org/esskg/id/concept/genre-fiche> }",
    ):
        assert shipped_store.ask(PREFIXES + query), query


def test_no_inferred_triple_points_at_a_source_page_but_references(shipped_store: Store) -> None:
    """Inferred links into a page are "referenced by" (from ess:statedIn) and nothing else."""
    rows = shipped_store.select(
        PREFIXES
        + f"""SELECT DISTINCT ?p WHERE {{
               GRAPH <{INFERRED_GRAPH}> {{ ?x ?p ?page }}
               ?page a ess:SourcePage .
             }}"""
    )
    predicates = {URIRef(str(r["p"])) for r in rows}
    assert predicates <= {URIRef("http://purl.org/dc/terms/isReferencedBy")}, predicates

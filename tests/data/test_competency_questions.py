"""Questions researchers ask, answered by SPARQL over the built graph with exact rows.

Each expectation is read from the source page (``../shared/seed``, checklist sections E, G,
C and J of ``seed-facts.md``), not from what the store happens to return.
"""

from __future__ import annotations

from service.store.base import Store

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX res: <https://w3id.org/esskg/id/>
"""
RES = "https://w3id.org/esskg/id/"


def _rows(store: Store, query: str) -> set[tuple[str, ...]]:
    rows = store.select(PREFIXES + query)
    return {tuple(str(value).removeprefix(RES) for value in row.values()) for row in rows}


def test_collectivites_that_co_built_their_spaser_with_ess_actors(facts_store: Store) -> None:
    """J: "Ville et Eurométropole de Strasbourg, CD du Pas-de-Calais, Paris, MEL"."""
    rows = _rows(
        facts_store,
        """SELECT DISTINCT ?authority WHERE {
             ?spaser a ess:SPASER ; ess:adoptedBy ?authority ;
                     prov:wasGeneratedBy/ess:hasStep ?step .
             ?step a ess:CoConstruction ; ess:coConstructedWith ?actor .
           }""",
    )
    assert rows == {
        ("collectivite/ville-de-strasbourg",),
        ("collectivite/eurometropole-strasbourg",),
        ("collectivite/departement-pas-de-calais",),
        ("collectivite/ville-de-paris",),
        ("collectivite/metropole-europeenne-de-lille",),
    }


def test_the_inferred_shortcut_gives_the_same_co_built_spasers(facts_store: Store) -> None:
    direct = _rows(facts_store, "SELECT DISTINCT ?s WHERE { ?s ess:coConstructedWithActor ?a }")
    assert direct == {
        ("spaser/strasbourg",),
        ("spaser/cd-pas-de-calais",),
        ("spaser/paris",),
        ("spaser/mel",),
    }


def test_collectivites_that_ran_an_online_public_consultation(facts_store: Store) -> None:
    """J: "Conseil régional de Bretagne, Métropole Européenne de Lille"."""
    rows = _rows(
        facts_store,
        """SELECT DISTINCT ?authority WHERE {
             ?spaser ess:adoptedBy ?authority ; prov:wasGeneratedBy/ess:hasStep ?step .
             ?step a ess:PublicConsultation ; ess:online true .
           }""",
    )
    assert rows == {
        ("collectivite/region-bretagne",),
        ("collectivite/metropole-europeenne-de-lille",),
    }


def test_legal_texts_the_spaser_obligation_rests_on(facts_store: Store) -> None:
    """J: art. 13 of loi 2014-856, amended by art. 76 of loi 2015-992, its I codified at
    L. 2111-3 of the Code de la commande publique; threshold set by décret 2015-90."""
    rows = _rows(
        facts_store,
        """SELECT DISTINCT ?relation ?text WHERE {
             BIND(res:obligation\\/spaser AS ?o)
             { ?o ess:establishedBy ?text BIND("established by" AS ?relation) }
             UNION { ?o ess:establishedBy/eli:is_part_of+ ?text BIND("within" AS ?relation) }
             UNION { ?o ess:establishedBy/eli:amended_by ?text BIND("amended by" AS ?relation) }
             UNION { ?o ess:establishedBy/eli:amended_by/eli:is_part_of+ ?text
                     BIND("amending act" AS ?relation) }
             UNION { ?o ess:establishedBy/^eli:is_part_of*/ess:codifiedAs ?text
                     BIND("codified as" AS ?relation) }
             UNION { ?o ess:establishedBy/^eli:is_part_of*/ess:codifiedAs/eli:is_part_of+ ?text
                     BIND("code" AS ?relation) }
             UNION { ?o ess:thresholdSetBy ?text BIND("threshold set by" AS ?relation) }
           }""",
    )
    assert rows == {
        ("established by", "texte/loi-2014-856-art13"),
        ("within", "texte/loi-2014-856"),
        ("amended by", "texte/loi-2015-992-art76"),
        ("amending act", "texte/loi-2015-992"),
        ("codified as", "texte/ccp-l2111-3"),
        ("code", "texte/code-commande-publique"),
        ("threshold set by", "texte/decret-2015-90"),
    }


def test_the_article_inherits_its_amending_act(facts_store: Store) -> None:
    """The property chain gives the amending law directly (inferred graph)."""
    rows = _rows(
        facts_store, "SELECT ?act WHERE { res:texte\\/loi-2014-856-art13 ess:amendedByAct ?act }"
    )
    assert rows == {("texte/loi-2015-992",)}


def test_who_spoke_at_which_conference_for_which_organisation(facts_store: Store) -> None:
    """C and E: three speakers in March 2022 (CIRIDD, Valence Romans Agglo and its joint
    purchasing direction), two in November 2020 (CU de Dunkerque, Région Grand Est)."""
    rows = _rows(
        facts_store,
        """SELECT DISTINCT ?event ?speaker ?organisation WHERE {
             ?event ess:hasIntervention ?talk .
             ?talk ess:speaker ?speaker ; ess:speakerAffiliation ?organisation .
           }""",
    )
    assert rows == {
        ("evenement/conf-efc-2022-03-03", "personne/james-pedron", "organisation/ciridd"),
        (
            "evenement/conf-efc-2022-03-03",
            "personne/elsa-bouleau",
            "collectivite/valence-romans-agglo",
        ),
        (
            "evenement/conf-efc-2022-03-03",
            "personne/cecile-castany",
            "unite/vra-direction-achats-moyens-generaux",
        ),
        ("evenement/conf-innovation-2020-11", "personne/clovis-sabau", "collectivite/cu-dunkerque"),
        (
            "evenement/conf-innovation-2020-11",
            "personne/herve-formell",
            "collectivite/region-grand-est",
        ),
    }


def test_organisations_that_signed_the_2014_charter(facts_store: Store) -> None:
    """G: the État, Le Mouvement Associatif, and the collectivités territoriales represented
    by the associations of elected officials, among them the RTES."""
    signatories = _rows(
        facts_store,
        "SELECT ?who WHERE { res:charte\\/engagements-reciproques-2014 ess:hasSignatory ?who }",
    )
    assert signatories == {
        ("organisation/etat",),
        ("organisation/mouvement-associatif",),
        ("groupe/collectivites-territoriales",),
        ("organisation/rtes",),
    }
    represented = _rows(
        facts_store, "SELECT ?whom WHERE { res:organisation\\/rtes prov:actedOnBehalfOf ?whom }"
    )
    assert ("groupe/collectivites-territoriales",) in represented


def test_the_code_article_carries_the_2015_change(facts_store: Store) -> None:
    """J: art. 76 of loi 2015-992 widened the scheme to ecologically responsible purchases,
    and L. 2111-3 defines the "socialement et écologiquement responsables" scheme."""
    rows = _rows(
        facts_store,
        "SELECT ?change WHERE { res:texte\\/ccp-l2111-3 ess:incorporatesChangesFrom ?change }",
    )
    assert rows == {("texte/loi-2015-992-art76",)}


def test_the_online_conferences_happened_at_a_virtual_location(facts_store: Store) -> None:
    """C and E: the March 2022 and November 2020 conferences, and the October 2021 one the
    March one follows, were online."""
    rows = _rows(
        facts_store,
        """SELECT ?event WHERE {
             ?event <https://schema.org/location> ?where .
             ?where a <https://schema.org/VirtualLocation> .
           }""",
    )
    assert rows == {
        ("evenement/conf-efc-2022-03-03",),
        ("evenement/conf-efc-2021-10",),
        ("evenement/conf-innovation-2020-11",),
    }

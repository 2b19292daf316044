"""What the graph says of each page is what the page says: checked against the source text.

The oracle is the seed itself (``shared/seed/*.txt``, beside the repository as
``../shared``), read here with nothing but string operations: each page is the stretch of
text from its title line to the next page's title line; its metadata block ("Type de
ressource", "Ressource privée", "Résumé") is read from that stretch. Comparisons are
whitespace-normalised (the seed mixes non-breaking spaces, bullets and line breaks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.store.base import Store

REPO = Path(__file__).resolve().parents[2]
SEED_DIR = REPO.parent / "shared" / "seed"
ID = "https://w3id.org/esskg/id/"
SOURCE = "https://w3id.org/esskg/graph/source/"

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def normalise(text: str) -> str:
    """One space between words, whatever the source used (NBSP, line breaks, runs)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Page:
    title: str
    text: str  # from the title line (excluded) to the next page's title line

    def block_value(self, heading: str) -> str | None:
        """The line after a metadata heading ("Type de ressource" → "Ressources RTES")."""
        lines = [line.strip() for line in self.text.splitlines()]
        for index, line in enumerate(lines):
            if line == heading:
                return next((value for value in lines[index + 1 :] if value), None)
        return None

    @property
    def resume(self) -> str | None:
        """The text under the page's "Résumé" heading, if the page has one."""
        marker = "\nRésumé\n"
        at = self.text.find(marker)
        return None if at < 0 else self.text[at + len(marker) :]


def seed_text() -> str:
    files = sorted(SEED_DIR.glob("*.txt"))
    assert files, f"the source text is expected beside the repository, under {SEED_DIR}"
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


@pytest.fixture(scope="module")
def pages(facts_store: Store) -> dict[str, Page]:
    """Every source page of the graph, cut out of the seed by its title line."""
    rows = facts_store.select(
        PREFIXES + "SELECT ?page ?title WHERE { ?page a ess:SourcePage ; dcterms:title ?title }"
    )
    titles = {str(row["page"]): str(row["title"]) for row in rows}
    lines = seed_text().splitlines()
    starts: dict[str, int] = {}
    for page, title in titles.items():
        found = [i for i, line in enumerate(lines) if line.strip() == title]
        assert found, f"the title of {page} is not a line of the source: {title!r}"
        starts[page] = found[0]
    bounds = [*sorted(starts.values()), len(lines)]
    cut = {}
    for page, start in starts.items():
        end = bounds[bounds.index(start) + 1]
        cut[page] = Page(titles[page], "\n".join(lines[start + 1 : end]) + "\n")
    return cut


def test_every_page_title_is_a_line_of_the_source(pages: dict[str, Page]) -> None:
    """The fixture finds each title as a whole line (typographic apostrophes included)."""
    assert len(pages) == 9


def page_values(store: Store, pattern: str) -> dict[str, str]:
    """Each page's ``?value`` in ``pattern`` (a graph pattern binding ``?page``)."""
    rows = store.select(PREFIXES + f"SELECT ?page ?value WHERE {{ {pattern} }}")
    return {str(row["page"]): str(row["value"]) for row in rows}


def test_every_abstract_is_a_passage_of_its_own_page(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    abstracts = page_values(facts_store, "GRAPH ?page { ?page dcterms:abstract ?value }")
    assert abstracts, "no page carries its résumé"
    for iri, abstract in abstracts.items():
        assert normalise(abstract) in normalise(pages[iri].text), f"{iri}: not in its page"


def test_the_abstract_is_the_resume_block_whole(facts_store: Store, pages: dict[str, Page]) -> None:
    """A page with a "Résumé" block carries it, word for word; a page without one, nothing."""
    found = page_values(facts_store, "?page a ess:SourcePage ; dcterms:abstract ?value")
    abstracts = {iri: normalise(text) for iri, text in found.items()}
    for iri, page in pages.items():
        resume = page.resume
        if resume is None:
            assert iri not in abstracts, f"{iri} has no Résumé block, yet an abstract"
            continue
        assert iri in abstracts, f"{iri}: its Résumé block is missing"
        words = normalise(resume)
        # the block runs to the next page; only link labels left dangling at its end are cut
        assert words.startswith(abstracts[iri]), f"{iri}: the abstract is not the block's text"
        rest = words[len(abstracts[iri]) :].strip()
        assert len(rest) < 100, f"{iri}: the abstract stops short of its block: {rest[:120]!r}"


def test_metadata_is_stated_only_when_the_page_shows_it(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """Fiche n°11 shows no "Type de ressource" nor "Ressource privée": the graph is silent."""
    rows = facts_store.select(
        PREFIXES
        + """SELECT ?page ?typeLabel ?private WHERE {
               ?page a ess:SourcePage .
               OPTIONAL { ?page ess:resourceType/rdfs:label ?typeLabel
                          FILTER(LANG(?typeLabel) = "fr") }
               OPTIONAL { ?page ess:accessRestricted ?private }
             }"""
    )
    graph = {str(r["page"]): (r.get("typeLabel"), r.get("private")) for r in rows}
    for iri, page in pages.items():
        type_label, private = graph[iri]
        shown_type = page.block_value("Type de ressource")
        shown_private = page.block_value("Ressource privée")
        assert (None if type_label is None else str(type_label)) == shown_type, iri
        expected = None if shown_private is None else {"Oui": True, "Non": False}[shown_private]
        assert (None if private is None else private.toPython()) == expected, iri


def test_no_spaser_has_a_legal_basis_its_own_page_does_not_state(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """A SPASER's legal basis may only come from a page about that scheme whose text names
    the article; no page of the source does, so no SPASER has one."""
    rows = facts_store.select(
        PREFIXES
        + """SELECT ?spaser ?text ?number ?page WHERE {
               ?spaser a ess:SPASER .
               GRAPH ?page { ?spaser ess:legalBasis ?text }
               OPTIONAL { ?text eli:number ?number }
             }"""
    )
    stated = []
    for row in rows:
        page = pages.get(str(row["page"]))
        page_iri, spaser = row["page"].n3(), row["spaser"].n3()
        about = facts_store.ask(
            PREFIXES + f"ASK {{ GRAPH {page_iri} {{ {page_iri} schema:about {spaser} }} }}"
        )
        number = str(row.get("number", ""))
        if page is not None and about and number and number in page.text:
            stated.append(row)
    assert rows == stated, f"legal bases no page states: {rows}"
    assert rows == []


FRENCH_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
MONTHS = {name: number for number, name in enumerate(FRENCH_MONTHS, start=1)}


def test_the_date_a_title_carries_is_the_pages_coverage(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """ "… – janvier 2020", "… mars 2022": the period the page covers, read off its title."""
    graph = page_values(facts_store, "?page a ess:SourcePage ; schema:temporalCoverage ?value")
    expected = {}
    for iri, page in pages.items():
        found = re.search(r"\b(" + "|".join(MONTHS) + r") (\d{4})\b", page.title)
        if found:
            expected[iri] = f"{found.group(2)}-{MONTHS[found.group(1)]:02d}"
    assert graph == expected
    assert len(expected) == 4


def words(text: str) -> str:
    """Whitespace-normalised, with the typographic apostrophe the seed mixes in made plain."""
    return normalise(text.replace("\u2019", "'"))


def written_on(name: str, page: Page) -> bool:
    """Whether ``name`` is a form ``page`` writes, in its title or its text: word for word,
    whitespace and apostrophes aside, and the first letter in either case (« le Mouvement
    Associatif » mid-sentence is the label "Le Mouvement Associatif")."""
    written = words(page.title + "\n" + page.text)
    form = words(name)
    return any(f in written for f in (form, form[:1].swapcase() + form[1:]))


NAME_PROPERTIES = (
    "skos:altLabel",
    "skos:hiddenLabel",
    "<https://schema.org/alternateName>",
)


def test_every_other_name_is_a_form_its_page_writes(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """An alternative name a page's graph gives ("CUD", "CR Bretagne", "AMIF") is written by
    that page: no "OECP" the page never uses, no "Région Bretagne" for its "Conseil Régional
    de Bretagne"."""
    rows = facts_store.select(
        PREFIXES
        + "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
        + f""" SELECT ?page ?resource ?name WHERE {{
               VALUES ?p {{ {" ".join(NAME_PROPERTIES)} }}
               GRAPH ?page {{ ?resource ?p ?name }}
               ?page a ess:SourcePage .
             }}"""
    )
    assert rows, "no page's graph gives another name"
    unwritten = [
        (str(row["resource"]), str(row["name"]))
        for row in rows
        if not written_on(str(row["name"]), pages[str(row["page"])])
    ]
    assert unwritten == []


MAIN_NAME_PROPERTIES = ("rdfs:label", "skos:prefLabel", "<https://schema.org/name>")

# The main labels that are not a form their page writes, each with the page's words that
# make it the page's name all the same (argued in data/README.md, "Names as written").
# (resource, page, label, the page's words)
NOT_WRITTEN_AS_SUCH = [
    (
        "collectivite/ville-de-strasbourg",
        "etat-des-lieux-spaser-2020",
        "Ville de Strasbourg",
        "co-construction avec les acteurs de l'ESS (Ville et Eurométropole de Strasbourg,",
    ),
]


def test_every_organisation_is_named_as_its_page_writes_it(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """The main label of an authority or organisation in a page's graph is a form that page
    writes, in whatever language it is tagged: « CR Centre Val-de-Loire », « CD de
    Seine-Saint-Denis », « Association des Maires d'Ile-de-France (AMIF) » are not "Conseil
    régional Centre-Val de Loire", "Conseil départemental de la Seine-Saint-Denis" nor
    "Association des Maires d'Île-de-France", and no page writes "Dunkirk urban community".
    The official names of régions, départements and communes are the referential's (graph
    ``referential/cog``, on the same IRI or on the territory), never a page graph's."""
    rows = facts_store.select(
        PREFIXES
        + "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
        + " PREFIX org: <http://www.w3.org/ns/org#>"
        + f""" SELECT ?page ?resource ?name WHERE {{
               VALUES ?p {{ {" ".join(MAIN_NAME_PROPERTIES)} }}
               GRAPH ?page {{ ?resource ?p ?name }}
               ?page a ess:SourcePage .
               ?resource a org:Organization .
             }}"""
    )
    named = {str(row["resource"]) for row in rows}
    assert ID + "collectivite/region-centre-val-de-loire" in named, "the reasoner typed no body"
    assert ID + "unite/cvl-direction-achats" in named, "units are organisations too"
    excepted = {(ID + r, SOURCE + p, label) for r, p, label, _ in NOT_WRITTEN_AS_SUCH}
    unwritten = {
        (str(row["resource"]), str(row["page"]), str(row["name"]))
        for row in rows
        if not written_on(str(row["name"]), pages[str(row["page"])])
    }
    assert unwritten == excepted


@pytest.mark.parametrize(
    ("resource", "page", "label", "context"),
    NOT_WRITTEN_AS_SUCH,
    ids=[e[2] for e in NOT_WRITTEN_AS_SUCH],
)
def test_an_exception_rests_on_the_pages_words(
    pages: dict[str, Page], resource: str, page: str, label: str, context: str
) -> None:
    """ "Ville de Strasbourg" reads « Ville et Eurométropole de Strasbourg »: the page's
    words are there, and the label keeps every word of them it uses."""
    assert written_on(context, pages[SOURCE + page])
    assert all(word in words(context) for word in words(label).split())


# The entities a page names by a bare word: labelled with that word and nothing longer.
# (resource, page, the one name, the page's words around it)
AS_WRITTEN = [
    (
        "organisation/cress-partenaire-strasbourg",
        "etat-des-lieux-spaser-2020",
        "CRESS",
        "partenaires (CRESS, Colécosol, facilitateurs, Ademe)",
    ),
    (
        "groupe/facilitateurs-strasbourg",
        "etat-des-lieux-spaser-2020",
        "facilitateurs",
        "partenaires (CRESS, Colécosol, facilitateurs, Ademe)",
    ),
    ("document/boamp", "conference-innovation-commande-publique-2020", "BOAMP", "via le BOAMP"),
    ("unite/cud-cao", "conference-innovation-commande-publique-2020", "CAO", "validé en CAO"),
]


@pytest.mark.parametrize(
    ("resource", "page", "name", "context"), AS_WRITTEN, ids=[a[2] for a in AS_WRITTEN]
)
def test_a_bare_name_is_labelled_as_the_page_writes_it(
    facts_store: Store,
    pages: dict[str, Page],
    resource: str,
    page: str,
    name: str,
    context: str,
) -> None:
    """ "CRESS" is not "CRESS Grand Est", "facilitateurs" not "Facilitateurs (clauses
    sociales)", "BOAMP" and "CAO" are not expanded: every name of the resource, in any
    graph, is the page's word."""
    assert words(context) in words(pages[SOURCE + page].text)
    assert name in context
    rows = facts_store.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
        " PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"
        " PREFIX schema: <https://schema.org/>"
        " PREFIX foaf: <http://xmlns.com/foaf/0.1/>"
        " PREFIX dcterms: <http://purl.org/dc/terms/>"
        f""" SELECT DISTINCT ?name WHERE {{
               <{ID}{resource}> rdfs:label|skos:prefLabel|skos:altLabel|skos:hiddenLabel
                 |schema:name|schema:alternateName|foaf:name|dcterms:title ?name
             }}"""
    )
    assert {str(row["name"]) for row in rows} == {name}


def figure_as_written(value: float) -> str:
    """149000000 → "149 millions", 150000 → "150 000": how the pages write their amounts."""
    if value >= 1_000_000 and value % 1_000_000 == 0:
        return f"{int(value) // 1_000_000} millions"
    return f"{int(value):,}".replace(",", " ")


def sentences_with(page: Page, figure: str) -> list[str]:
    found = []
    for line in page.text.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if figure in words(sentence.replace("\u00a0", " ")):
                found.append(words(sentence))
    return found


def test_a_figure_is_annual_only_where_its_page_says_so(
    facts_store: Store, pages: dict[str, Page]
) -> None:
    """ "environ 600 millions d'€ d'achats HT annuels" is annual; "Avec ses 149 millions d'€
    HT d'achats publics" is not: an observed quantity or a frequency that says "annual" needs
    the page's sentence that gives the figure to say it too."""
    rows = facts_store.select(
        PREFIXES
        + """PREFIX prov: <http://www.w3.org/ns/prov#>
             PREFIX cpt: <https://w3id.org/esskg/id/concept/>
             SELECT DISTINCT ?o ?value ?page WHERE {
               ?o a ess:StatisticalObservation ; ess:observedValue ?value ;
                  prov:wasDerivedFrom ?page .
               { ?o ess:frequency cpt:freq-annual }
               UNION { ?o ess:observedProperty/rdfs:label ?label
                       FILTER (LANG(?label) = "fr" && CONTAINS(LCASE(?label), "annuel")) }
             }"""
    )
    assert len(rows) >= 2, rows  # Région Grand Est's purchases, Valence Romans Agglo's food
    for row in rows:
        figure = figure_as_written(float(row["value"].toPython()))
        found = sentences_with(pages[str(row["page"])], figure)
        assert found, f"{row['o']}: {figure!r} is not in its page"
        assert any("annuel" in s.lower() or "par an" in s.lower() for s in found), (
            f"{row['o']}: the page does not say {figure!r} is annual: {found}"
        )


# What the pages do not say, and the graph must not say either (issue 12's audit).
SILENT = [
    (
        "the November 2020 conference has an organiser, named or presumed",
        "ASK { evt:conf-innovation-2020-11 ?p ?x"
        " FILTER (?p IN (schema:organizer, ess:presumedOrganizer)) }",
    ),
    ("the OECP is called OECP", 'ASK { orga:oecp ?p "OECP"@fr }'),
    (
        "the CUD's 149 M€ are annual",
        "ASK { ?o ess:aboutEntity col:cu-dunkerque ; ess:observedValue 149000000 ;"
        " ess:observedProperty cpt:op-annual-purchases }",
    ),
    (
        "the CUD's 149 M€ have a frequency",
        "ASK { ?o ess:aboutEntity col:cu-dunkerque ; ess:observedValue 149000000 ;"
        " ess:frequency ?f }",
    ),
    (
        "RTES publishes the Points de RepèrESS",
        "ASK { doc:series-points-de-reperess schema:publisher|dcterms:publisher ?x }",
    ),
    (
        "RTES wrote Points de RepèrESS n°8",
        "ASK { doc:pdr-08-commerce-equitable"
        " schema:author|schema:creator|dcterms:creator|schema:publisher|dcterms:publisher ?x }",
    ),
    ("the AMIF is a network", "ASK { orga:amif a ess:Network }"),
    (
        "the Pas-de-Calais ESS council is part of the département",
        "ASK { unit:cd62-conseil-departemental-ess"
        " org:unitOf|org:subOrganizationOf|org:transitiveSubOrganizationOf ?x }",
    ),
    ("the MSH is a research body", "ASK { orga:maison-sciences-homme a ess:ResearchBody }"),
    (
        "Bretagne's council is called Région Bretagne",
        'ASK { col:region-bretagne ?p "Région Bretagne"@fr }',
    ),
    ("the Métropole Européenne de Lille is called MEL", 'ASK { ?x ?p "MEL"@fr }'),
    ("RTES has the Club's address", "ASK { orga:rtes schema:email|schema:contactPoint ?x }"),
    (
        "anything but the Club's contact point has the address",
        'ASK { ?x schema:email "animation@rtes.fr" FILTER NOT EXISTS {'
        " orga:club-collectivites-ess-idf schema:contactPoint ?x } }",
    ),
    (
        "the EFC conferences belong to a series node",
        "ASK { { ?e schema:superEvent ?s } UNION { ?s schema:subEvent ?e } UNION"
        " { ?s a schema:EventSeries } }",
    ),
]
SILENT_PREFIXES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX cpt: <https://w3id.org/esskg/id/concept/>
PREFIX col: <https://w3id.org/esskg/id/collectivite/>
PREFIX orga: <https://w3id.org/esskg/id/organisation/>
PREFIX unit: <https://w3id.org/esskg/id/unite/>
PREFIX evt: <https://w3id.org/esskg/id/evenement/>
PREFIX doc: <https://w3id.org/esskg/id/document/>
"""


@pytest.mark.parametrize(("sentence", "query"), SILENT, ids=[s for s, _ in SILENT])
def test_where_the_page_is_silent_the_graph_is_silent(
    facts_store: Store, sentence: str, query: str
) -> None:
    assert not facts_store.ask(PREFIXES + SILENT_PREFIXES + query), sentence


def test_what_the_pages_do_say_is_still_there(facts_store: Store) -> None:
    """The other side of the silences above: the Club's contact point, RTES a network by its
    name, the AMIF an association of elected officials, the council in link with the
    Pas-de-Calais co-construction, the 149 M€ as a figure without period."""
    for query in (
        "ASK { orga:club-collectivites-ess-idf schema:contactPoint/schema:email"
        ' "animation@rtes.fr" }',
        "ASK { orga:rtes a ess:Network }",
        "ASK { orga:amif a ess:ElectedOfficialsAssociation }",
        "ASK { ?c ess:inLinkWith unit:cd62-conseil-departemental-ess }",
        "ASK { ?o ess:aboutEntity col:cu-dunkerque ; ess:observedValue 149000000 ;"
        " ess:observedProperty cpt:op-public-purchases }",
        'ASK { col:region-bretagne skos:altLabel "CR Bretagne"@fr }',
        'ASK { col:region-centre-val-de-loire rdfs:label "CR Centre Val-de-Loire"@fr }',
    ):
        assert facts_store.ask(PREFIXES + SILENT_PREFIXES + query), query

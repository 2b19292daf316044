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

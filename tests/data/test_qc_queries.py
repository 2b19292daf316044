"""Every quality-check query of queries/qc/ returns zero rows on the shipped data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from service.store.base import Store
from service.store.delta import adding
from service.store.oxigraph import OxigraphStore

QC = sorted((Path(__file__).resolve().parents[2] / "queries" / "qc").glob("*-violation.rq"))


def test_there_are_qc_queries() -> None:
    assert len(QC) >= 4


@pytest.mark.parametrize("path", QC, ids=[p.stem for p in QC])
def test_qc_query_returns_no_rows(facts_store: Store, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#+")]
    assert any(line.startswith("#+ summary:") for line in header)
    assert any(line.startswith("#+ tags:") and "qc" in line for line in header)
    rows = facts_store.select(text)
    assert rows == [], f"{path.name}: {rows[:10]}"


# Each rule, shown to catch the defect it was written for: the shipped graph plus one
# defect (Turtle for one named graph), and the row the rule must then return.
SRC = "https://w3id.org/esskg/graph/source/"
ID = "https://w3id.org/esskg/id/"
DEFECTS = [
    (
        "spaser-legal-basis-without-its-page-violation",
        SRC + "etat-des-lieux-spaser-2020",
        f"<{ID}spaser/paris> <https://w3id.org/esskg/def#legalBasis> <{ID}texte/ccp-l2111-3> .",
        ID + "spaser/paris",
    ),
    (
        "provenance-inferred-from-project-property-violation",
        "https://w3id.org/esskg/graph/inferred",
        f"<{ID}document/etude-co-construire-politiques-publiques>"
        f" <http://www.w3.org/ns/prov#wasDerivedFrom> <{SRC}co-construction-action-publique> .",
        ID + "document/etude-co-construire-politiques-publiques",
    ),
    (
        "concept-without-scheme-violation",
        SRC + "co-construction-action-publique",
        f"<{ID}concept/theme-orphelin> a <http://www.w3.org/2004/02/skos/core#Concept> .",
        ID + "concept/theme-orphelin",
    ),
    (
        "exact-copy-of-approximate-figure-violation",
        SRC + "conference-efc-commande-publique-2022",
        f"<{ID}procedure/vra-marche-alimentaire> <http://data.europa.eu/a4g/ontology#hasEstimatedValue>"
        " [ <http://data.europa.eu/a4g/ontology#hasAmountValue> 150000 ] .",
        ID + "procedure/vra-marche-alimentaire",
    ),
    (
        "literal-outside-declared-range-violation",
        SRC + "conference-efc-commande-publique-2022",
        f"<{ID}evenement/conf-efc-2022-03-03> <https://w3id.org/esskg/def#participantCount>"
        ' "45" .',  # a string: the engine itself stores xsd:integer subtypes as xsd:integer
        ID + "evenement/conf-efc-2022-03-03",
    ),
    (
        "date-from-relative-time-violation",
        SRC + "conference-efc-commande-publique-2022",
        f"<{ID}observation/vra-fournisseurs-inscrits-un-an-apres>"
        " <https://w3id.org/esskg/def#referenceDate>"
        ' "2022-04"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> .',
        ID + "observation/vra-fournisseurs-inscrits-un-an-apres",
    ),
    (
        "note-reporting-outside-knowledge-violation",
        SRC + "conference-innovation-commande-publique-2020",
        f"<{ID}evenement/conf-innovation-2020-11> <http://www.w3.org/2004/02/skos/core#editorialNote>"
        ' "Le RTES est déduit du contexte de publication."@fr .',
        ID + "evenement/conf-innovation-2020-11",
    ),
    (
        "note-reporting-outside-knowledge-violation",
        SRC + "conference-innovation-commande-publique-2020",
        f"<{ID}observation/cud-achats-publics> <http://www.w3.org/2004/02/skos/core#scopeNote>"
        ' "Des sources externes indiquent un montant annuel."@fr .',
        ID + "observation/cud-achats-publics",
    ),
    (
        "undeclared-ess-term-violation",
        SRC + "conference-innovation-commande-publique-2020",
        f"<{ID}evenement/conf-innovation-2020-11> <https://w3id.org/esskg/def#presumedOrganizer>"
        f" <{ID}organisation/rtes> .",
        "https://w3id.org/esskg/def#presumedOrganizer",
    ),
    (
        "person-affiliation-without-date-violation",
        SRC + "conference-innovation-commande-publique-2020",
        f"<{ID}personne/clovis-sabau> <http://www.w3.org/ns/org#memberOf>"
        f" <{ID}unite/cud-service-achats> .",
        ID + "personne/clovis-sabau",
    ),
]


@pytest.mark.parametrize(
    ("rule", "graph", "turtle", "caught"), DEFECTS, ids=[d[0] for d in DEFECTS]
)
def test_qc_query_catches_its_defect(
    facts_store: Store, rule: str, graph: str, turtle: str, caught: str
) -> None:
    defective = OxigraphStore.in_memory()
    defective.add_quads(facts_store.all_quads())
    defect = [q.triple for q in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)]
    defective.apply(adding(defective, graph, defect))
    text = (QC[0].parent / f"{rule}.rq").read_text(encoding="utf-8")
    rows = defective.select(text)
    assert caught in {str(value) for row in rows for value in row.values()}, rows


def test_default_graph_duplicates_rule_catches_a_bag_union() -> None:
    """The engine's own union default graph counts a triple once per graph: the rule sees it."""
    engine = ox.Store()
    s, p, o = ox.NamedNode(ID + "a"), ox.NamedNode(ID + "p"), ox.Literal("x")
    for name in ("g1", "g2"):
        engine.add(ox.Quad(s, p, o, ox.NamedNode(ID + name)))
    text = (QC[0].parent / "default-graph-duplicate-triple-violation.rq").read_text(
        encoding="utf-8"
    )
    answer = engine.query(text, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    assert [str(row["matches"].value) for row in answer] == ["2"]  # type: ignore[union-attr]

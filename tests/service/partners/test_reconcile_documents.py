"""Reconciliation 0.2: the specification's own examples as test cases for the schemas we
decode with, and every document the service writes validated against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.french_names import core
from service.reconcile import documents, schemas
from service.reconcile.index import DEF, Entity, Index, read_index
from service.reconcile.matching import Query, reconcile
from service.store.base import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "reconciliation-0.2" / "examples"
SCHEMAS = {p.stem for p in schemas.FOLDER.glob("*.json")}
CASES = sorted(
    (folder.name, verdict.name, path)
    for folder in EXAMPLES.iterdir()
    if folder.name in SCHEMAS
    for verdict in folder.iterdir()
    for path in verdict.glob("*.json")
)


@pytest.mark.parametrize(("schema", "verdict", "path"), CASES, ids=lambda c: str(c)[-40:])
def test_specification_examples(schema: str, verdict: str, path: Path) -> None:
    document = json.loads(path.read_text("utf-8"))
    if "authentication" in document:
        pytest.skip("refers to the Swagger 2.0 schema, which is not kept offline")
    problems = schemas.errors(schema, document)
    assert (not problems) == (verdict == "valid"), problems


@pytest.fixture
def index() -> Index:
    found = Index()
    authority = DEF + "AutoriteLocale"
    for key, name, code, siren in [
        ("rennes", "Rennes", "35238", "213502388"),
        ("sd93", "Saint-Denis", "93066", "219300662"),
        ("sd974", "Saint-Denis", "97411", "219740115"),
        ("ca-dreux", "Communauté d'agglomération du Pays de Dreux", None, "200040277"),
        ("le-mans", "Le Mans", "72181", "217201813"),
    ]:
        entity = Entity(
            f"https://w3id.org/esskg/id/collectivite/{key}",
            name,
            {authority},
            {core(name)},
            siren,
            code,
            name,
        )
        found.entities[entity.id] = entity
        if siren:
            found.by_siren[siren].append(entity.id)
        if code:
            found.by_code[code].append(entity.id)
        found.by_name[core(name)].append(entity.id)
    found.names = list(found.by_name)
    return found


def test_french_variants_find_the_entity(index: Index) -> None:
    for text, key in [("CA Pays de Dreux", "ca-dreux"), ("RENNES", "rennes"), ("Mans", "le-mans")]:
        best = reconcile(index, Query(text))[0]
        assert best.entity.id.endswith(key) and best.match


def test_homonyms_never_match_on_name_alone(index: Index) -> None:
    found = reconcile(index, Query("St-Denis"))
    assert len(found) == 2 and not any(c.match for c in found)
    coded = reconcile(index, Query("St-Denis", code="97411"))
    assert coded[0].entity.id.endswith("sd974") and coded[0].match


def test_every_document_validates(index: Index) -> None:
    batch = {
        "q0": {
            "query": "Rennes",
            "type": DEF + "AutoriteLocale",
            "properties": [{"pid": "siren", "v": "213502388"}],
        },
        "q1": {"query": "St Denis", "limit": 3},
    }
    assert not schemas.errors("reconciliation-query-batch", batch)
    assert not schemas.errors("reconciliation-result-batch", documents.results(index, batch, "fr"))
    assert not schemas.errors(
        "manifest", documents.manifest("http://127.0.0.1:8000/reconcile", "fr")
    )
    assert not schemas.errors(
        "suggest-entities-response", documents.suggest_entities(index, "renn", "fr")
    )
    assert not schemas.errors("suggest-types-response", documents.suggest_types("coll", "fr"))
    assert not schemas.errors("suggest-properties-response", documents.suggest_properties("", "en"))
    proposal = documents.propose_properties(DEF + "AutoriteLocale", "fr", None)
    assert not schemas.errors("data-extension-property-proposal", proposal)


#: Authorities a page names by the form it writes (« CR Centre Val-de-Loire », « CD de
#: Seine-Saint-Denis »), looked up by the names people type for them.
NAMED_AS_WRITTEN = [
    ("Conseil régional Centre-Val de Loire", "collectivite/region-centre-val-de-loire"),
    ("Conseil départemental de la Seine-Saint-Denis", "collectivite/departement-seine-saint-denis"),
    ("Conseil départemental d'Ille-et-Vilaine", "collectivite/departement-ille-et-vilaine"),
    ("Conseil départemental de la Gironde", "collectivite/departement-gironde"),
    ("Conseil régional de Bretagne", "collectivite/region-bretagne"),
    ("Association des Maires d'Île-de-France", "organisation/amif"),
]


@pytest.mark.parametrize(("text", "key"), NAMED_AS_WRITTEN, ids=[n[0] for n in NAMED_AS_WRITTEN])
def test_an_authority_labelled_as_its_page_writes_it_is_found_by_its_usual_name(
    shipped_store: Store, text: str, key: str
) -> None:
    """« CR » and « CD » fold to « conseil régional » and « conseil départemental », accents
    and articles go: the page's form and the usual name are one name to the matcher."""
    best = reconcile(read_index(shipped_store), Query(text))[0]
    assert best.entity.id == "https://w3id.org/esskg/id/" + key
    assert best.match

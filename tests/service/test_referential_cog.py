"""The COG converter on a small package of the same shape (tests/fixtures/referential/cog):
every entry of the files becomes the node it is, tied to its parent; existing resources are
reused on curated identifiers. The oracle is the fixture's JSON, read here directly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.errors import BuildFailed
from service.graph.referential import cog
from service.graph.referential.describe import describe, sources
from service.graph.referential.join import LINKS_GRAPH, STATUSES_GRAPH, Known, known_entities
from service.graph.referential.package import CachedPackage, cached
from tests.conftest import FIXTURES, pack_fixture

FOLDER = FIXTURES / "referential" / "cog"
T = "https://w3id.org/esskg/id/territoire/"
C = "https://w3id.org/esskg/id/collectivite/"
IGEO = "http://rdf.insee.fr/def/geo#"
ESS = "https://w3id.org/esskg/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def records(name: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((FOLDER / "data" / f"{name}.json").read_text("utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> CachedPackage:
    cache = tmp_path_factory.mktemp("cache")
    return cached(pack_fixture(FOLDER, cache), cache)


def run(package: CachedPackage, known: Known | None = None) -> ox.Store:
    files = cog.CogFiles.read(package)
    quads, _ = cog.convert(files, known or Known(), files.vintage(package.pin.version))
    store = ox.Store()
    store.extend(quads)
    return store


def objects(store: ox.Store, s: str, p: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None)}


def subjects(store: ox.Store, p: str, o: str) -> set[str]:
    found = store.quads_for_pattern(None, ox.NamedNode(p), ox.NamedNode(o))
    return {q.subject.value for q in found}


def test_every_entry_is_typed_as_what_it_is(package: CachedPackage) -> None:
    store = run(package)
    regions = records("regions")
    communes = Counter(c["type"] for c in records("communes"))
    expected = {
        "Region": sum(r["zone"] != "com" for r in regions),
        "CollectiviteDOutreMer": sum(r["zone"] == "com" for r in regions),
        "Departement": sum(d["zone"] != "com" for d in records("departements")),
        "Arrondissement": len(records("arrondissements")),
        "Commune": communes["commune-actuelle"],
        "CommuneDeleguee": communes["commune-deleguee"],
        "CommuneAssociee": communes["commune-associee"],
        "Intercommunalite": len(records("epci")),
    }
    found = {name: len(subjects(store, RDF_TYPE, IGEO + name)) for name in expected}
    assert found == expected


def test_rennes_sits_in_its_arrondissement_departement_and_region(package: CachedPackage) -> None:
    store = run(package)
    parent = IGEO + "subdivisionDirecteDe"
    assert objects(store, T + "commune-35238", parent) == {
        T + "departement-35",
        T + "arrondissement-353",
    }
    assert objects(store, T + "arrondissement-353", parent) == {T + "departement-35"}
    assert objects(store, T + "departement-35", parent) == {T + "region-53"}


def test_a_delegated_commune_is_tied_to_its_commune(package: CachedPackage) -> None:
    store = run(package)
    (baille,) = [c for c in records("communes") if c["code"] == "35011"]
    node = T + "commune-deleguee-35011"
    assert objects(store, node, RDF_TYPE) == {IGEO + "CommuneDeleguee"}
    assert objects(store, node, IGEO + "subdivisionDirecteDe") == {
        T + "commune-" + baille["chefLieu"]
    }


def test_an_overseas_collectivity_is_neither_region_nor_departement(
    package: CachedPackage,
) -> None:
    store = run(package)
    node = T + "collectivite-outre-mer-975"
    assert objects(store, node, RDF_TYPE) == {IGEO + "CollectiviteDOutreMer"}
    assert not subjects(store, RDF_TYPE, IGEO + "Region") & {T + "region-975"}
    assert objects(store, T + "commune-97502", IGEO + "subdivisionDirecteDe") == {node}
    # no SIREN in the files: the place is kept, no legal person is made up
    assert not subjects(store, ESS + "hasTerritory", T + "commune-97502")


def test_epci_members_and_population_are_the_files(package: CachedPackage) -> None:
    store = run(package)
    (cud,) = [e for e in records("epci") if e["code"] == "245900428"]
    epci = C + "epci-245900428"
    members = subjects(store, "http://www.w3.org/ns/org#memberOf", epci)
    assert members == {C + "commune-" + m["code"] for m in cud["membres"]}
    assert objects(store, epci, ESS + "siren") == {"245900428"}
    assert objects(store, epci, RDF_TYPE) == {ESS + "CommunauteUrbaine"}
    place = T + "epci-245900428"
    assert objects(store, place, ESS + "population") == {str(cud["populationMunicipale"])}
    assert objects(store, place, ESS + "populationYear") == {"2026"}


def test_councils_are_made_only_where_no_curated_authority_exists(
    package: CachedPackage,
) -> None:
    corse = ox.NamedNode(C + "collectivite-de-corse")
    known = Known(by_territory={T + "region-94": corse, T + "departement-2A": corse})
    store = run(package, known)
    councils = subjects(store, RDF_TYPE, ESS + "CollectiviteRegionale")
    assert councils == {C + "region-53", C + "region-32"}
    assert subjects(store, RDF_TYPE, ESS + "CollectiviteDepartementale") == {
        C + "departement-35",
        C + "departement-59",
    }


def test_an_authority_with_a_verified_siren_keeps_its_iri(package: CachedPackage) -> None:
    cud = ox.NamedNode(C + "cu-dunkerque")
    store = run(package, Known(by_siren={"245900428": cud}))
    assert objects(store, cud.value, ESS + "siren") == {"245900428"}
    assert not objects(store, C + "epci-245900428", ESS + "siren")
    assert subjects(store, "http://www.w3.org/ns/org#memberOf", cud.value)


def test_curated_identifiers_that_disagree_stop_the_build() -> None:
    a, b = ox.NamedNode(C + "a"), ox.NamedNode(C + "b")
    known = Known(by_siren={"245900428": a}, by_territory={T + "epci-245900428": b})
    with pytest.raises(BuildFailed, match="disagree"):
        known.authority("245900428", T + "epci-245900428")


def test_the_join_reads_only_the_curated_graphs() -> None:
    col = ox.NamedNode(C + "x")
    siren = ox.NamedNode(ESS + "siren")
    also = ox.NamedNode(ESS + "alsoAdministers")
    partner = ox.NamedNode("https://w3id.org/esskg/graph/partner/p")
    quads = [
        ox.Quad(col, siren, ox.Literal("245900428"), ox.NamedNode(LINKS_GRAPH)),
        ox.Quad(col, also, ox.NamedNode(T + "departement-75"), ox.NamedNode(STATUSES_GRAPH)),
        ox.Quad(ox.NamedNode(C + "y"), siren, ox.Literal("200068781"), partner),
    ]
    known = known_entities(quads)
    assert known.by_siren == {"245900428": col}
    assert known.by_territory == {T + "departement-75": col}


def test_the_dataset_says_what_the_package_says(package: CachedPackage) -> None:
    graph = ox.NamedNode("https://w3id.org/esskg/graph/referential/cog")
    readme = package.text("README.md")
    store = ox.Store()
    store.extend(describe(graph, package, readme, "2026"))
    node = graph.value
    assert objects(store, node, "http://www.w3.org/ns/dcat#version") == {"6.0.0"}
    assert objects(store, node, "http://purl.org/dc/terms/license") == {
        "https://spdx.org/licenses/MIT"
    }
    assert objects(store, node, "http://www.w3.org/ns/prov#hadPrimarySource") == {
        "https://insee.fr/fr/information/2560452"
    }
    assert objects(store, node, ESS + "referenceDate") == {"2026"}
    assert len(sources(readme)) == 6  # one per bullet of its "Sources"


def test_a_build_without_the_package_says_how_to_get_it(tmp_path: Path) -> None:
    from service.graph.referential.package import PackagePin, ReferentialUnavailable

    pin = PackagePin("cog", "@etalab/decoupage-administratif", "6.0.0", "sha512-x", "MIT")
    with pytest.raises(ReferentialUnavailable, match="make referential"):
        cached(pin, tmp_path)


def test_a_cached_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    from service.graph.referential.package import ReferentialUnavailable

    pin = pack_fixture(FOLDER, tmp_path)
    (tmp_path / pin.filename).write_bytes(b"not the package")
    with pytest.raises(ReferentialUnavailable, match="integrity"):
        cached(pin, tmp_path)

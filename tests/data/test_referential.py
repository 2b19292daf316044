"""The whole territory from the real COG package, as the build stores it.

The oracle is the cached package itself, read here with the standard library (tarfile +
json), independently of the converter: every entry of the files must be in the graph,
typed as what it is, and the seed's collectivités must each stay one resource.
"""

from __future__ import annotations

import json
import re
import tarfile
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, URIRef

from service.store.base import Store
from tests.conftest import REFERENTIAL_CACHE, REPO, real_cog_pin

PREFIXES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
COG = "https://w3id.org/esskg/graph/referential/cog"
T = "https://w3id.org/esskg/id/territoire/"


@cache
def package_file(name: str) -> Any:
    pin = real_cog_pin()
    with tarfile.open(REFERENTIAL_CACHE / pin.filename, "r:gz") as archive:
        handle = archive.extractfile(f"package/data/{name}.json")
        assert handle is not None
        return json.load(handle)


def count(store: Store, pattern: str) -> int:
    rows = store.select(f"{PREFIXES} SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
    return int(rows[0]["n"])


def in_cog(pattern: str) -> str:
    return f"GRAPH <{COG}> {{ {pattern} }}"


def test_the_regions_departements_and_overseas_collectivities_are_apart(
    referential_store: Store,
) -> None:
    regions = package_file("regions")
    departements = package_file("departements")
    overseas = {r["code"] for r in regions if r["zone"] == "com"}
    assert (len(regions) - len(overseas), len(overseas)) == (18, 8)
    assert count(referential_store, in_cog("?x a igeo:Region")) == 18
    assert count(referential_store, in_cog("?x a igeo:Departement")) == len(departements) - 8
    assert count(referential_store, in_cog("?x a igeo:Departement")) == 101
    assert count(referential_store, "?x a igeo:CollectiviteDOutreMer") == 8
    both = "?x a igeo:CollectiviteDOutreMer . { ?x a igeo:Region } UNION { ?x a igeo:Departement }"
    assert count(referential_store, both) == 0


def test_every_communal_entry_is_there_by_type(referential_store: Store) -> None:
    by_type = Counter(c["type"] for c in package_file("communes"))
    assert by_type == {
        "commune-actuelle": 34969,
        "commune-deleguee": 2105,
        "commune-associee": 471,
        "arrondissement-municipal": 45,
    }
    classes = {
        "commune-actuelle": "igeo:Commune",
        "commune-deleguee": "igeo:CommuneDeleguee",
        "commune-associee": "igeo:CommuneAssociee",
        "arrondissement-municipal": "igeo:ArrondissementMunicipal",
    }
    found = {kind: count(referential_store, in_cog(f"?x a {c}")) for kind, c in classes.items()}
    assert found == dict(by_type)


def test_every_epci_and_member_link_is_there(referential_store: Store) -> None:
    epcis = package_file("epci")
    assert len(epcis) == 1255
    links = sum(len(e["membres"]) for e in epcis)
    assert links == 34871
    assert count(referential_store, in_cog("?x a igeo:Intercommunalite")) == 1255
    sirens = {e["code"] for e in epcis}
    pattern = in_cog("?e ess:siren ?s ; ess:hasTerritory ?t . ?t a igeo:Intercommunalite")
    found = referential_store.select(f"{PREFIXES} SELECT ?s WHERE {{ {pattern} }}")
    assert {str(r["s"]) for r in found} == sirens
    pairs = count(
        referential_store,
        in_cog("?c org:memberOf ?e . ?e ess:hasTerritory/a igeo:Intercommunalite")
        + " BIND(CONCAT(STR(?c), STR(?e)) AS ?x)",
    )
    assert pairs == links


def test_cu_dunkerque_members_and_population(referential_store: Store) -> None:
    (cud,) = [e for e in package_file("epci") if e["code"] == "245900428"]
    rows = referential_store.select(
        PREFIXES
        + """SELECT ?code ?pop WHERE {
          ?c org:memberOf <https://w3id.org/esskg/id/collectivite/cu-dunkerque> ;
             ess:hasTerritory/igeo:codeINSEE ?code .
          <https://w3id.org/esskg/id/territoire/epci-245900428> ess:population ?pop }"""
    )
    assert {str(r["code"]) for r in rows} == {m["code"] for m in cud["membres"]}
    assert {int(r["pop"]) for r in rows} == {cud["populationMunicipale"]}


def test_rennes_in_rennes_metropole_in_ille_et_vilaine_in_bretagne(
    referential_store: Store,
) -> None:
    assert referential_store.ask(
        PREFIXES
        + """ASK {
          ?rennes ess:hasTerritory <https://w3id.org/esskg/id/territoire/commune-35238> ;
                  org:memberOf ?epci .
          ?epci rdfs:label "Rennes Métropole"@fr .
          <https://w3id.org/esskg/id/territoire/commune-35238>
              igeo:subdivisionDirecteDe <https://w3id.org/esskg/id/territoire/departement-35> .
          <https://w3id.org/esskg/id/territoire/departement-35>
              igeo:subdivisionDirecteDe <https://w3id.org/esskg/id/territoire/region-53> ;
              rdfs:label "Ille-et-Vilaine"@fr .
          <https://w3id.org/esskg/id/territoire/region-53> rdfs:label "Bretagne"@fr .
        }"""
    )


def test_a_delegated_commune_is_tied_to_its_commune(referential_store: Store) -> None:
    (entry,) = [
        c
        for c in package_file("communes")
        if c["type"] == "commune-deleguee" and c["code"] == "35011"
    ]
    parents = referential_store.select(
        PREFIXES + "SELECT ?p WHERE { ?d igeo:subdivisionDirecteDe ?p }",
        bindings={"d": URIRef(T + "commune-deleguee-35011")},
    )
    assert [str(r["p"]) for r in parents] == [T + "commune-" + entry["chefLieu"]]


def _links_identifiers() -> list[tuple[str, str]]:
    """Every verified SIREN and territory code of ``data/links.ttl``, read as text."""
    text = (REPO / "data" / "links.ttl").read_text("utf-8")
    sirens = [("siren", s) for s in re.findall(r'ess:siren "(\d{9})"', text)]
    codes = [
        (kind, code)
        for kind, code in re.findall(
            r'terr:(region|departement|commune)-\w+ (?:a igeo:\w+ ; .*?)?igeo:codeINSEE "(\w+)"',
            text,
        )
    ]
    return sirens + codes


IDENTIFIERS = _links_identifiers()
CLASSES = {"region": "Region", "departement": "Departement", "commune": "Commune"}


def test_links_identifiers_are_all_read() -> None:
    assert len([i for i in IDENTIFIERS if i[0] == "siren"]) == 15
    assert len([i for i in IDENTIFIERS if i[0] != "siren"]) >= 10


@pytest.mark.parametrize("kind,value", IDENTIFIERS, ids=[f"{k}-{v}" for k, v in IDENTIFIERS])
def test_a_seed_identifier_is_carried_by_one_resource(
    referential_store: Store, kind: str, value: str
) -> None:
    if kind == "siren":
        query = f"{PREFIXES} SELECT DISTINCT ?x WHERE {{ ?x ess:siren ?v }}"
        rows = referential_store.select(query, bindings={"v": Literal(value)})
    else:
        place = f"?x a igeo:{CLASSES[kind]} ; igeo:codeINSEE ?v"
        query = f"{PREFIXES} SELECT DISTINCT ?x WHERE {{ {place} }}"
        rows = referential_store.select(query, bindings={"v": Literal(value, datatype=_TOKEN)})
    assert len(rows) == 1, rows


_TOKEN = URIRef("http://www.w3.org/2001/XMLSchema#token")


def test_no_council_is_made_up_for_a_special_status(referential_store: Store) -> None:
    """Corsica, Martinique, Guyane, Mayotte, Paris, Alsace: the curated collectivité, no
    other authority of the same level on those territories."""
    rows = referential_store.select(
        PREFIXES
        + """SELECT ?t (COUNT(DISTINCT ?a) AS ?n) WHERE {
          VALUES ?t { <%sregion-94> <%sdepartement-2A> <%sregion-02> <%sdepartement-973>
                      <%sregion-06> <%sdepartement-75> <%sdepartement-68> }
          { ?a ess:hasTerritory ?t } UNION { ?a ess:alsoAdministers ?t }
        } GROUP BY ?t"""
        % ((T,) * 7)
    )
    assert {str(r["t"]): int(r["n"]) for r in rows} == {
        T + code: 1
        for code in (
            "region-94",
            "departement-2A",
            "region-02",
            "departement-973",
            "region-06",
            "departement-75",
            "departement-68",
        )
    }


def test_the_lyon_metropolis_is_said_special_not_an_epci(referential_store: Store) -> None:
    rows = referential_store.select(
        PREFIXES + "SELECT ?type WHERE { GRAPH ?g { ?m ess:siren '200046977' ; a ?type } }"
    )
    assert {str(r["type"]) for r in rows} == {
        "https://w3id.org/esskg/def#CollectiviteAStatutParticulier"
    }


def test_the_dataset_describes_itself(referential_store: Store) -> None:
    rows = referential_store.select(
        PREFIXES
        + """PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?v ?year WHERE { GRAPH ?g { ?g dcat:version ?v ; ess:referenceDate ?year } }"""
    )
    assert [(str(r["v"]), str(r["year"])) for r in rows] == [("6.0.0", "2026")]


def test_the_build_manifest_reports_the_referential_and_its_time(referential_build: Any) -> None:
    """The build summary states the referential's size and each step's time; the 60 s budget
    is measured on a quiet machine (bench/README.md), not asserted under a shared CPU."""
    from service.graph.build import current_build, read_manifest

    folder = current_build(referential_build)
    assert folder is not None
    manifest = read_manifest(Path(folder))
    assert manifest is not None
    assert manifest.graphs[COG] > 400_000
    assert {"referentials", "shacl", "reasoning", "load", "total"} <= set(manifest.timings)
    assert "referentials.json: @etalab/decoupage-administratif@6.0.0" in manifest.files


@pytest.fixture(scope="module")
def referential_client(referential_build: Any, referential_store: Store) -> Any:
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    app = create_app(
        referential_build.model_copy(update={"query_workers": 0}), store=referential_store
    )
    with TestClient(app) as client:
        yield client


def test_void_has_linksets_to_insee_codes_and_sirens(referential_client: Any) -> None:
    from rdflib import Graph

    void = Graph().parse(data=referential_client.get("/.well-known/void").text, format="turtle")
    ns = "http://rdfs.org/ns/void#"
    found = {
        str(void.value(linkset, URIRef(ns + "linkPredicate"))): int(
            void.value(linkset, URIRef(ns + "triples"))  # type: ignore[arg-type]
        )
        for linkset in void.subjects(URIRef(ns + "subjectsTarget"), URIRef(COG))
    }
    regions, departements = package_file("regions"), package_file("departements")
    codes = len(regions) + len(departements) - 8 + len(package_file("arrondissements"))
    codes += len(package_file("communes"))
    sirens = sum("siren" in c for c in package_file("communes")) + len(package_file("epci"))
    assert found == {
        "http://rdf.insee.fr/def/geo#codeINSEE": codes,
        "https://w3id.org/esskg/def#siren": sirens,
    }


def test_a_commune_is_served_as_linked_data(referential_client: Any) -> None:
    response = referential_client.get(
        "/id/territoire/commune-35238",
        headers={"accept": "text/turtle"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    data = referential_client.get(response.headers["location"]).text
    assert "subdivisionDirecteDe" in data and "departement-35" in data

"""The workbench pages over HTTP: languages, negotiation with browsers, assets, forms."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from rdflib import URIRef
from rdflib.namespace import XSD

from service.api.app import create_app
from service.api.web.assets import built
from service.api.web.formatting import format_date, format_number, local_href
from service.api.web.i18n import COOKIE
from service.graph.build import build
from service.settings import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTML = {"Accept": BROWSER}
ESS = "https://w3id.org/esskg/def#"
PARIS = "https://w3id.org/esskg/id/collectivite/ville-paris"
SPASER = URIRef("https://w3id.org/esskg/id/spaser/ville-paris")

DEMO_QUERY = """#+ summary: SPASERs with their year
#+ summary_fr: Les SPASER et leur année
#+ description: SPASERs, their label and adoption year.
#+ description_fr: Les SPASER, leur libellé et leur année d'adoption.
#+ tags: [spaser]
#+ method: GET
#+ params:
#+   authority:
#+     type: iri
#+     class: ess:CollectiviteTerritoriale
#+     description: Adopted by this authority
#+     description_fr: Adoptés par cette collectivité
#+ pagination: 10

PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?spaser ?label ?year WHERE {
  ?spaser a ess:SPASER ; rdfs:label ?label ; ess:adoptionYear ?year ; ess:adoptedBy ?authority .
}
ORDER BY ?spaser
"""


@pytest.fixture
def client(mini_settings: Settings, mini_project: Path) -> Iterator[TestClient]:
    (mini_project / "queries" / "demo").mkdir(parents=True)
    (mini_project / "queries" / "demo" / "list-spasers.rq").write_text(DEMO_QUERY, "utf-8")
    build(mini_settings)
    with TestClient(create_app(mini_settings), follow_redirects=False) as c:
        yield c


def test_pages_speak_french_first_then_the_readers_language(client: TestClient) -> None:
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    assert '<html lang="fr">' in home.text and "Ce que contient le graphe" in home.text
    assert "Accept-Language" in home.headers["vary"]
    english = client.get("/", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in english.text and "What the graph holds" in english.text
    chosen = client.get("/?lang=en", headers={**HTML, "Accept-Language": "fr"})
    assert '<html lang="en">' in chosen.text
    assert chosen.cookies.get(COOKIE) == "en"
    assert 'href="/?lang=fr"' in chosen.text  # the switch back


def test_home_lists_classes_graphs_sources_and_catalogue(client: TestClient) -> None:
    html = client.get("/", headers=HTML).text
    assert 'href="/def#SPASER"' in html
    assert 'href="/graph/source/page-a"' in html
    assert 'href="/questions/demo/list-spasers"' in html
    assert "Les SPASER et leur année" in html
    assert 'action="/questions/search/find-resources-by-label"' in html


def test_pages_load_nothing_from_another_host(client: TestClient) -> None:
    for url in ("/", "/editor", "/docs", "/def", "/questions/demo/list-spasers"):
        html = client.get(url, headers=HTML).text
        for target in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html):
            assert target.startswith(("/", "data:")), (url, target)


def test_static_assets_are_compressed_and_cached(client: TestClient) -> None:
    plain = client.get("/static/site.css", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/css")
    zipped = client.get("/static/site.css", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # the client decompressed it
    etag = zipped.headers["etag"]
    assert "must-revalidate" in zipped.headers["cache-control"]
    assert client.get("/static/site.css", headers={"If-None-Match": etag}).status_code == 304
    version = re.search(r'/static/site\.css\?v=(\w+)"', client.get("/", headers=HTML).text)
    assert version is not None
    pinned = client.get(f"/static/site.css?v={version.group(1)}")
    assert "immutable" in pinned.headers["cache-control"]
    assert client.get("/static/../app.py").status_code == 404


def test_bundled_script_is_served_when_built(client: TestClient) -> None:
    assert built(), "service/api/web/static/build/app.js is missing: run `make assets`"
    script = client.get("/static/build/app.js", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-encoding"] == "gzip"
    assert b"prefix.cc" not in script.content


def test_browsers_get_pages_at_api_urls_and_programs_keep_formats(client: TestClient) -> None:
    query = "ASK { ?s ?p ?o }"
    page = client.get("/sparql", params={"query": query}, headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/editor?query=ASK")
    data = client.get("/sparql", params={"query": query})
    assert data.headers["content-type"].startswith("application/sparql-results+json")
    asked = client.get("/sparql", params={"query": query, "format": "csv"}, headers=HTML)
    assert asked.headers["content-type"].startswith("text/csv")
    canned = client.get("/queries/demo/list-spasers?per_page=2&authority=x", headers=HTML)
    assert canned.status_code == 303
    assert canned.headers["location"] == "/questions/demo/list-spasers?authority=x"
    assert client.get("/queries", headers=HTML).headers["location"] == "/questions"
    assert client.get("/queries").headers["content-type"] == "application/json"
    void = client.get("/.well-known/void", headers=HTML)
    assert void.headers["content-type"].startswith("text/html") and "void:" in void.text
    assert client.get("/.well-known/void").headers["content-type"].startswith("text/turtle")
    examples = client.get("/.well-known/sparql-examples", headers=HTML)
    assert examples.headers["content-type"].startswith("text/html")


#: What Chromium sends when a link is followed: HTML first, then application/xml at 0.9.
CHROMIUM = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
}
PAGE_A = "https://w3id.org/esskg/graph/source/page-a"


def test_a_graph_pages_turtle_link_downloads_turtle_in_a_browser(client: TestClient) -> None:
    page = client.get("/graph/source/page-a", headers=CHROMIUM)
    link = re.search(r'<a href="([^"]+)" type="text/turtle">Turtle</a>', page.text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "format=turtle" in href
    turtle = client.get(href, headers=CHROMIUM)
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_browsers_at_graphs_get_a_page_and_programs_the_graph(client: TestClient) -> None:
    own = client.get("/graphs", params={"graph": PAGE_A}, headers=CHROMIUM)
    assert own.status_code == 303 and own.headers["location"] == "/graph/source/page-a"
    program = client.get("/graphs", params={"graph": PAGE_A}, headers={"Accept": "text/turtle"})
    assert program.headers["content-type"].startswith("text/turtle")
    gate = client.app.state.runtime.gate  # type: ignore[attr-defined]
    other = "urn:example:elsewhere"
    triple = ox.Triple(ox.NamedNode(str(SPASER)), ox.NamedNode(ESS + "note"), ox.Literal("vu"))
    gate.put_graph(other, [triple])
    shown = client.get("/graphs", params={"graph": other}, headers=CHROMIUM)
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/html")
    assert "ess:note" in shown.text and "format=turtle" in shown.text
    default = client.get("/graphs?default", headers=CHROMIUM)
    assert default.headers["content-type"].startswith("text/html")
    asked = client.get("/graphs", params={"graph": other, "format": "turtle"}, headers=CHROMIUM)
    assert asked.headers["content-type"].startswith("text/turtle")


def test_browsers_at_data_get_the_page_and_extensions_keep_their_format(
    client: TestClient,
) -> None:
    bare = client.get("/data/spaser/ville-paris", headers=CHROMIUM)
    assert bare.status_code == 303 and bare.headers["location"] == "/page/spaser/ville-paris"
    named = client.get("/data/spaser/ville-paris.ttl", headers=CHROMIUM)
    assert named.headers["content-type"].startswith("text/turtle")
    asked = client.get("/data/spaser/ville-paris?format=jsonld", headers=CHROMIUM)
    assert asked.headers["content-type"].startswith("application/ld+json")
    program = client.get("/data/spaser/ville-paris", headers={"Accept": "application/rdf+xml"})
    assert program.headers["content-type"].startswith("application/rdf+xml")


def test_question_form_has_typed_fields_choices_and_the_exact_sparql(client: TestClient) -> None:
    blank = client.get("/questions/demo/list-spasers", headers=HTML)
    assert blank.status_code == 200
    assert f'<option value="{PARIS}">Ville de Paris</option>' in blank.text
    asked = client.get("/questions/demo/list-spasers", params={"authority": PARIS}, headers=HTML)
    assert f'<option value="{PARIS}" selected>' in asked.text
    assert "VALUES" in asked.text and "data-source=" in asked.text
    source = re.search(r'data-source="([^"]+)"', asked.text)
    assert source is not None
    answer = client.get(source.group(1).replace("&amp;", "&"))
    assert answer.json()["results"]["bindings"][0]["label"]["value"] == "SPASER de Paris"
    wrong = client.get(
        "/questions/demo/list-spasers", params={"authority": ESS + "Nothing"}, headers=HTML
    )
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
    assert client.get("/questions/demo/nothing", headers=HTML).status_code == 404


def test_editor_carries_prefixes_terms_and_examples(client: TestClient) -> None:
    html = client.get("/editor?example=demo/list-spasers", headers=HTML).text
    config = json.loads(re.search(r'id="esskg-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert config["prefixes"]["ess"] == ESS
    assert any(t["name"] == "SPASER" for t in config["terms"]["ess"])
    example = next(e for e in config["examples"] if e["id"] == "demo/list-spasers")
    assert example["title"] == "Les SPASER et leur année"
    assert not example["text"].startswith("#+")
    assert "SELECT ?spaser ?label ?year" in html  # the chosen example is in the editor


def test_vocabulary_is_documented_and_terms_dereference(client: TestClient) -> None:
    page = client.get("/def", headers=HTML)
    assert page.status_code == 200
    assert '<dt id="adoptedBy">' in page.text and "adopté par" in page.text
    rdf = client.get("/def", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303 and rdf.headers["location"].startswith("/graphs?graph=")
    term = client.get("/def/SPASER", headers=HTML)
    assert term.status_code == 303 and term.headers["location"] == "/def#SPASER"


def test_missing_pages_are_html_for_browsers_and_problems_for_programs(
    client: TestClient,
) -> None:
    page = client.get("/page/spaser/nowhere", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text
    assert client.get("/nowhere", headers=HTML).headers["content-type"].startswith("text/html")
    problem = client.get("/nowhere")
    assert problem.headers["content-type"] == "application/problem+json"


def test_resource_page_labels_values_once_and_links_sources(client: TestClient) -> None:
    gate = client.app.state.runtime.gate  # type: ignore[attr-defined]
    year = ox.Literal("2017", datatype=ox.NamedNode(str(XSD.gYear)))
    gate.put_graph(
        "https://w3id.org/esskg/graph/source/page-x",
        [ox.Triple(ox.NamedNode(str(SPASER)), ox.NamedNode(ESS + "adoptionYear"), year)],
    )
    french = client.get("/page/spaser/ville-paris", headers=HTML).text
    assert ">adopté par</a>" in french and ">année d&#39;adoption</a>" in french
    assert french.count(">2017</span>") == 1  # stated twice, shown once
    assert 'href="/graph/source/page-a"' in french and 'href="/graph/source/page-x"' in french
    assert "/editor?query=" in french
    english = client.get("/page/spaser/ville-paris?lang=en", headers=HTML).text
    assert ">adopted by</a>" in english
    source = client.get("/graph/source/page-a", headers=HTML)
    assert source.status_code == 200
    assert client.get("/graph/source/page-a").status_code == 303


def test_openapi_lets_try_it_out_query_and_write(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    validate(schema)
    post = schema["paths"]["/sparql"]["post"]
    assert "application/sparql-query" in post["requestBody"]["content"]
    assert (
        "query"
        in post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"][
            "properties"
        ]
    )
    get = schema["paths"]["/sparql"]["get"]
    assert any(p["name"] == "query" for p in get["parameters"])
    put = schema["paths"]["/graphs"]["put"]
    assert put["security"] == [{"writeToken": []}, {"writeBasic": []}]  # bearer, or Basic
    assert "text/turtle" in put["requestBody"]["content"]
    assert schema["components"]["securitySchemes"]["writeToken"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("lexical", "lang", "shown"),
    [
        ("1234567.5", "fr", "1\u202f234\u202f567,5"),
        ("1234567.5", "en", "1,234,567.5"),
        ("-42", "fr", "-42"),
        ("not a number", "fr", "not a number"),
    ],
)
def test_numbers_read_the_french_way(lexical: str, lang: str, shown: str) -> None:
    assert format_number(lexical, lang) == shown


def test_dates_read_the_french_way() -> None:
    assert format_date("2020-01-15", XSD.date, "fr") == "15 janvier 2020"
    assert format_date("2021-03-01", XSD.date, "fr") == "1er mars 2021"
    assert format_date("2020-01", XSD.gYearMonth, "en") == "January 2020"
    assert format_date("2020", XSD.gYear, "fr") == "2020"


def test_own_iris_link_to_this_server() -> None:
    assert local_href(PARIS) == "/id/collectivite/ville-paris"
    assert local_href(ESS + "SPASER") == "/def#SPASER"
    assert local_href("https://w3id.org/esskg/graph/links") == "/graph/links"
    assert local_href("https://schema.org/Event") == "https://schema.org/Event"


@pytest.mark.parametrize(
    "url",
    ["/static/a%00b", "/static/" + "x" * 5000, "/def/a%0d%0ab", "/graph/a%20b", "/def/%00"],
)
def test_hostile_page_paths_are_refused_cleanly(client: TestClient, url: str) -> None:
    for headers in ({}, HTML):
        response = client.get(url, headers=headers)
        assert 400 <= response.status_code < 500, (url, response.status_code)

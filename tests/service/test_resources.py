"""Linked-data dereferencing of ``/id/…``: 303s by Accept, RDF descriptions, HTML pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from service.api.app import create_app
from service.api.negotiation import wants_html
from service.graph.build import build
from service.settings import Settings

RES = "https://w3id.org/esskg/id/"
ESS = "https://w3id.org/esskg/def#"
SPASER = URIRef(RES + "spaser/ville-paris")
PARIS = URIRef(RES + "collectivite/ville-paris")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def client(mini_settings: Settings) -> Iterator[TestClient]:
    build(mini_settings)
    with TestClient(create_app(mini_settings), follow_redirects=False) as c:
        yield c


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/turtle", "/data/spaser/ville-paris.ttl"),
        ("application/ld+json", "/data/spaser/ville-paris.jsonld"),
        ("application/n-triples;q=0.9, text/turtle;q=0.5", "/data/spaser/ville-paris.nt"),
        ("*/*", "/data/spaser/ville-paris.ttl"),
        (BROWSER, "/page/spaser/ville-paris"),
    ],
)
def test_id_redirects_by_accept(client: TestClient, accept: str, location: str) -> None:
    response = client.get("/id/spaser/ville-paris", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert "Accept" in response.headers["vary"].split(", ")


def test_unknown_resource_is_404(client: TestClient) -> None:
    for url in ("/id/spaser/nowhere", "/data/spaser/nowhere.ttl", "/page/spaser/nowhere"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_data_is_the_symmetric_description(client: TestClient) -> None:
    response = client.get("/data/collectivite/ville-paris.ttl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert set(graph) == {
        (PARIS, RDF.type, URIRef(ESS + "CollectiviteTerritoriale")),
        (PARIS, RDF.type, URIRef(ESS + "AutoriteLocale")),  # inferred
        (PARIS, RDFS.label, Literal("Ville de Paris", lang="fr")),
        (PARIS, URIRef(ESS + "adopted"), SPASER),  # inferred inverse
        (SPASER, URIRef(ESS + "adoptedBy"), PARIS),  # incoming
    }


def test_data_formats_by_extension_and_accept(client: TestClient) -> None:
    expected = (SPASER, URIRef(ESS + "adoptionYear"), Literal("2017", datatype=XSD.gYear))
    for url, headers, media, parser in (
        ("/data/spaser/ville-paris.jsonld", {}, "application/ld+json", "json-ld"),
        ("/data/spaser/ville-paris.nt", {}, "application/n-triples", "nt"),
        (
            "/data/spaser/ville-paris",
            {"Accept": "application/rdf+xml"},
            "application/rdf+xml",
            "xml",
        ),
        ("/data/spaser/ville-paris?format=turtle", {}, "text/turtle", "turtle"),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == media
        data = response.content
        if parser == "json-ld":  # compact against /context.jsonld: read it from the app
            document = response.json()
            assert document["@context"] == "http://testserver/context.jsonld"
            document["@context"] = client.get("/context.jsonld").json()["@context"]
            data = json.dumps(document).encode()
        assert expected in Graph().parse(data=data, format=parser), url


def test_page_shows_values_links_and_sources(client: TestClient) -> None:
    response = client.get("/page/spaser/ville-paris")
    assert response.status_code == 200
    html = response.text
    assert "<title>SPASER de Paris — esskg</title>" in html
    assert '<a href="/id/collectivite/ville-paris">' in html
    assert "source/page-a" in html
    assert '<a href="/data/spaser/ville-paris.ttl" type="text/turtle">Turtle</a>' in html


def test_page_escapes_values(client: TestClient, mini_settings: Settings) -> None:
    gate = client.app.state.runtime.gate  # type: ignore[attr-defined]
    comment = ox.Literal("<script>alert(1)</script>")
    gate.put_graph(
        "https://w3id.org/esskg/graph/source/page-x",
        [ox.Triple(ox.NamedNode(str(SPASER)), ox.NamedNode(str(RDFS.comment)), comment)],
    )
    html = client.get("/page/spaser/ville-paris").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER, True),
        ("text/turtle", False),
        ("*/*", False),
        (None, False),
        ("text/html;q=0.5, text/turtle", False),
        ("text/html", True),
    ],
)
def test_wants_html(accept: str | None, expected: bool) -> None:
    assert wants_html(accept) is expected


def test_data_and_page_revalidate_with_etag(client: TestClient) -> None:
    for url in ("/data/spaser/ville-paris.ttl", "/page/spaser/ville-paris"):
        first = client.get(url)
        etag = first.headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
    turtle = client.get("/data/spaser/ville-paris.ttl").headers["etag"]
    ntriples = client.get("/data/spaser/ville-paris.nt").headers["etag"]
    assert turtle != ntriples

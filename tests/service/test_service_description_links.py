"""The Service Description points clients at the canned-query catalogue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from service.api.app import create_app
from service.graph.build import build
from service.settings import Settings


def test_service_description_links_the_sparql_examples(mini_settings: Settings) -> None:
    build(mini_settings)
    with TestClient(create_app(mini_settings)) as client:
        response = client.get("/sparql", headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        graph = Graph().parse(data=response.text, format="turtle")
        service = URIRef("http://testserver/sparql#service")
        examples = URIRef("http://testserver/.well-known/sparql-examples")
        assert (service, RDFS.seeAlso, examples) in graph
        assert client.get("/.well-known/sparql-examples").status_code == 200

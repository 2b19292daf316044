"""The same service on an external engine: ``esskg push`` then serve from the remote store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from service import cli
from service.api.app import create_app
from service.formats import RESULTS_JSON, RESULTS_XML
from service.graph.build import build
from service.settings import Settings
from service.store.factory import open_store
from tests.conftest import settings_for


def _remote_settings(root: Path, base: str) -> Settings:
    return settings_for(
        root,
        store_backend="remote",
        remote_query_url=f"{base}/query",
        remote_update_url=f"{base}/update",
        remote_gsp_url=f"{base}/store",
        query_workers=0,
    )


def test_push_then_serve_from_oxigraph_server(
    mini_settings: Settings,
    mini_project: Path,
    oxigraph_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    built = build(mini_settings)
    monkeypatch.setenv("ESSKG_ROOT", str(mini_project))
    monkeypatch.setenv("ESSKG_STORE_PATH", str(mini_project / "var" / "store"))
    monkeypatch.setenv("ESSKG_STORE_BACKEND", "remote")
    monkeypatch.setenv("ESSKG_REMOTE_QUERY_URL", f"{oxigraph_url}/query")
    monkeypatch.setenv("ESSKG_REMOTE_UPDATE_URL", f"{oxigraph_url}/update")
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["push"]) == 0
    finally:
        cli.get_settings.cache_clear()
    assert f"{built.manifest.graphs['https://w3id.org/esskg/graph/inferred']:>8}" in (
        capsys.readouterr().out
    )

    local = open_store(mini_settings, read_only=True)
    remote_settings = _remote_settings(mini_project, oxigraph_url)
    with TestClient(create_app(remote_settings)) as client:
        health = client.get("/health").json()
        query = {"query": "ASK { ?s ?p ?o }"}
        assert "esskg-cache" not in client.get("/sparql", params=query).headers
        assert health["triples"] == built.manifest.triples
        assert health["backend"] == "remote"
        served = client.get("/data/collectivite/ville-paris.nt")
    assert served.status_code == 200
    expected = Graph()
    for triple in local.query(
        "CONSTRUCT { ?r ?p ?o . ?s ?q ?r } WHERE { "
        "VALUES ?r { <https://w3id.org/esskg/id/collectivite/ville-paris> } "
        "{ ?r ?p ?o } UNION { ?s ?q ?r } }"
    ).triples():
        expected.add(triple)
    local.close()
    assert set(Graph().parse(data=served.text, format="nt")) == set(expected)


@pytest.mark.parametrize("engine", ["oxigraph_server_store", "virtuoso_store"])
def test_ask_answers_from_a_remote_engine_are_standard(
    engine: str, request: pytest.FixtureRequest
) -> None:
    remote = request.getfixturevalue(engine)
    remote.update("INSERT DATA { GRAPH <http://example.org/g> { <http://x/s> <http://x/p> 1 } }")
    for text, expected in [
        ("ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }", True),
        ("ASK { GRAPH <http://example.org/g> { ?s ?p 2 } }", False),
    ]:
        result = remote.query(text)
        assert result.boolean is expected
        parsed = ox.parse_query_results(
            result.serialize(RESULTS_JSON), format=ox.QueryResultsFormat.JSON
        )
        assert bool(parsed) is expected
        xml = ox.parse_query_results(
            result.serialize(RESULTS_XML), format=ox.QueryResultsFormat.XML
        )
        assert bool(xml) is expected

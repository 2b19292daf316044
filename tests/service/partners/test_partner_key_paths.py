"""A partner's key writes only its own graph, on every write path of a real app and store:
Graph Store PUT, POST and DELETE, and never a SPARQL Update (the engine, not the request,
decides which graphs an update touches). Refusals are 403 problem+json, worded in French
first, in English with ``Accept-Language: en``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.partners.keys import PartnerKeys
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for

OWN = "https://w3id.org/esskg/graph/partner/cress-bretagne"
OTHER = "https://w3id.org/esskg/graph/partner/cress-occitanie"
DOC = b'<http://example.org/s> <http://example.org/p> "valeur" .'


@pytest.fixture
def app(mini_project: Path) -> Iterator[tuple[TestClient, str]]:
    settings = settings_for(mini_project, write_token="admin-key", infer_on_write=False)
    keys = PartnerKeys(settings.resolve(settings.partner_keys_path))
    keys.add("cress-bretagne")
    keys.add("cress-occitanie")
    key = keys.issue("cress-bretagne")
    with TestClient(create_app(settings, store=OxigraphStore.in_memory())) as client:
        yield client, key


def _headers(key: str, lang: str = "fr") -> dict[str, str]:
    return {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/n-triples",
        "Accept-Language": lang,
    }


def test_partner_key_writes_its_own_graph_by_put_post_and_delete(
    app: tuple[TestClient, str],
) -> None:
    client, key = app
    assert (
        client.put("/graphs", params={"graph": OWN}, content=DOC, headers=_headers(key)).status_code
        == 201
    )
    assert (
        client.post(
            "/graphs", params={"graph": OWN}, content=DOC, headers=_headers(key)
        ).status_code
        == 204
    )
    assert client.delete("/graphs", params={"graph": OWN}, headers=_headers(key)).status_code == 204


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_partner_key_gets_403_on_another_partners_graph(
    app: tuple[TestClient, str], method: str
) -> None:
    client, key = app
    admin = {**_headers("admin-key")}
    assert (
        client.put("/graphs", params={"graph": OTHER}, content=DOC, headers=admin).status_code
        == 201
    )
    refused = client.request(
        method, "/graphs", params={"graph": OTHER}, content=DOC, headers=_headers(key)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "la clé de cress-bretagne n'écrit que dans" in refused.json()["detail"]
    kept = client.get(
        "/graphs", params={"graph": OTHER}, headers={"Accept": "application/n-triples"}
    )
    assert kept.status_code == 200 and "valeur" in kept.text


def test_partner_key_may_not_write_the_default_graph_or_a_new_one(
    app: tuple[TestClient, str],
) -> None:
    client, key = app
    default = client.put("/graphs?default", content=DOC, headers=_headers(key))
    assert default.status_code == 403
    assert "pas dans le graphe par défaut" in default.json()["detail"]
    created = client.post("/graphs", content=DOC, headers=_headers(key))
    assert created.status_code == 403
    assert "pas dans un nouveau graphe" in created.json()["detail"]
    english = client.post("/graphs", content=DOC, headers=_headers(key, "en"))
    assert "not a new graph" in english.json()["detail"]


def test_partner_key_may_not_send_a_sparql_update(app: tuple[TestClient, str]) -> None:
    client, key = app
    update = (
        f'INSERT DATA {{ GRAPH <{OWN}> {{ <http://example.org/s> <http://example.org/p> "x" }} }}'
    )
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/sparql-update"}
    refused = client.post("/sparql", content=update, headers=headers)
    assert refused.status_code == 403
    assert "ne peut pas envoyer de SPARQL Update" in refused.json()["detail"]
    english = client.post("/sparql", content=update, headers={**headers, "Accept-Language": "en"})
    assert "may not send a SPARQL Update" in english.json()["detail"]
    ask = f"ASK {{ GRAPH <{OWN}> {{ ?s ?p ?o }} }}"
    answer = client.get(
        "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.json()["boolean"] is False
    admin = client.post(
        "/sparql", content=update, headers={**headers, "Authorization": "Bearer admin-key"}
    )
    assert admin.status_code in (200, 204)

"""``/health`` through the ASGI app and through a real server process."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import build
from service.settings import Settings
from service.store.oxigraph import OxigraphStore
from tests.service.server import serve_process


def test_health_reports_triples_and_build_time(mini_settings: Settings) -> None:
    result = build(mini_settings)
    with TestClient(create_app(mini_settings)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["triples"] == result.manifest.triples
    assert body["graphs"] == len(result.manifest.graphs)
    assert body["built_at"] == result.manifest.built_at


def test_store_can_be_swapped_in(mini_settings: Settings) -> None:
    with TestClient(create_app(mini_settings, store=OxigraphStore.in_memory())) as client:
        assert client.get("/health").json()["triples"] == 0


def test_esskg_serve_answers_health(mini_settings: Settings, mini_project: Path) -> None:
    result = build(mini_settings)
    with serve_process(mini_project) as base:
        response = httpx.get(f"{base}/health", timeout=5)
    assert response.status_code == 200
    assert response.json()["triples"] == result.manifest.triples

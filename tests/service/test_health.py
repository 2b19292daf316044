"""``/health`` through the ASGI app and through a real server process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import BinaryIO

import httpx
import pyoxigraph as ox
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.formats import NQUADS, Format
from service.graph.build import SNAPSHOT, build
from service.settings import Settings
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for
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


class _HeldAfterStart(OxigraphStore):
    """Loads at start-up, then holds every later reload until told to go on."""

    gate = threading.Event()
    loads = 0

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        _HeldAfterStart.loads += 1
        if _HeldAfterStart.loads > 1:
            self.gate.wait(30)
        super().dump_to(out, fmt)


def test_health_stays_200_and_ready_is_503_while_the_query_engine_reloads(
    mini_settings: Settings,
) -> None:
    store = _HeldAfterStart(ox.Store())
    try:
        with TestClient(create_app(mini_settings, store=store)) as client:
            assert client.get("/health/ready").status_code == 200  # start-up waited
            client.app.state.runtime.executor.refresh()  # type: ignore[attr-defined]
            alive = client.get("/health")
            assert alive.status_code == 200
            assert alive.json()["engine"] == "loading"
            loading = client.get("/health/ready")
            assert loading.status_code == 503
            assert loading.json()["status"] == "loading"
            assert loading.headers["retry-after"] == "5"
            store.gate.set()
            client.app.state.runtime.executor.wait_ready()  # type: ignore[attr-defined]
            assert client.get("/health/ready").json() == {"status": "ready"}
            assert client.get("/health").json()["engine"] == "ready"
    finally:
        store.gate.set()


def test_health_counts_follow_committed_writes(mini_project: Path) -> None:
    settings = settings_for(mini_project, write_token="t", infer_on_write=False)
    with TestClient(create_app(settings, store=OxigraphStore.in_memory())) as client:
        assert client.get("/health").json()["triples"] == 0
        response = client.put(
            "/graphs",
            params={"graph": "http://example.org/g"},
            content=b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .",
            headers={"Content-Type": "application/n-triples", "Authorization": "Bearer t"},
        )
        assert response.status_code == 201
        body = client.get("/health").json()
        assert (body["triples"], body["graphs"]) == (1, 1)


def test_a_committed_write_deletes_the_build_snapshot_and_a_refused_one_does_not(
    mini_project: Path,
) -> None:
    settings = settings_for(mini_project, write_token="t", infer_on_write=False)
    result = build(settings)
    snapshot = result.folder / SNAPSHOT
    headers = {"Content-Type": "text/turtle", "Authorization": "Bearer t"}
    ess = "https://w3id.org/esskg/def#"
    with TestClient(create_app(settings)) as client:
        refused = client.put(
            "/graphs",
            params={"graph": "http://example.org/g"},
            content=f"<http://example.org/x> a <{ess}SPASER> .".encode(),
            headers=headers,
        )
        assert refused.status_code == 422
        assert snapshot.exists()
        accepted = client.put(
            "/graphs",
            params={"graph": "http://example.org/g"},
            content=b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .",
            headers=headers,
        )
        assert accepted.status_code == 201
        assert not snapshot.exists()
        # the engine reloaded from the store itself, and sees the write
        ask = client.get(
            "/sparql", params={"query": "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }"}
        )
        assert ask.json()["boolean"] is True


def test_esskg_serve_health_stays_200_during_and_right_after_a_write(
    mini_settings: Settings, mini_project: Path
) -> None:
    """A load balancer polling ``/health`` must never see the node down because of a write."""
    build(mini_settings)
    graph = "http://example.org/health-during-a-write"
    body = "".join(
        f'<http://example.org/s{i}> <http://example.org/p> "valeur {i}" .\n' for i in range(5000)
    ).encode()
    polled: list[tuple[int, str]] = []
    writing = threading.Event()
    with serve_process(mini_project, ESSKG_WRITE_TOKEN="health-token") as base:

        def poll() -> None:
            with httpx.Client(base_url=base, timeout=10) as client:
                while writing.is_set():
                    answer = client.get("/health")
                    polled.append((answer.status_code, answer.json()["status"]))

        writing.set()
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        written = httpx.put(
            f"{base}/graphs",
            params={"graph": graph},
            content=body,
            headers={
                "Authorization": "Bearer health-token",
                "Content-Type": "application/n-triples",
            },
            timeout=120,
        )
        writing.clear()
        poller.join(timeout=30)
        after = [httpx.get(f"{base}/health", timeout=10) for _ in range(20)]
    assert written.status_code == 201
    assert polled, "no /health answer while the write ran"
    assert set(polled) == {(200, "ok")}
    assert {(a.status_code, a.json()["status"]) for a in after} == {(200, "ok")}
    assert after[-1].json()["triples"] >= 5000

"""``/health`` through the ASGI app and through a real server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import build
from service.settings import Settings
from service.store.oxigraph import OxigraphStore


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_esskg_serve_answers_health(mini_settings: Settings, mini_project: Path) -> None:
    build(mini_settings)
    port = _free_port()
    env = dict(
        os.environ,
        ESSKG_ROOT=str(mini_project),
        ESSKG_STORE_PATH=str(mini_project / "var" / "store"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["triples"] > 0
    finally:
        server.terminate()
        server.wait(timeout=10)

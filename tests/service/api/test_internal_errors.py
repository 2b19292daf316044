"""A bug never answers Starlette's plain-text 500: the client gets problem+json with an
id, and the log gets the traceback under the same id, whatever route failed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from service.api import problems
from service.api.app import create_app
from service.api.server import server_config
from service.errors import EsskgError
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for
from tests.service.engines import free_port, wait_until


class Unmapped(EsskgError):
    """A typed error someone forgot to give a row in the status table."""


@pytest.fixture
def client(mini_project: Path) -> Iterator[TestClient]:
    app = create_app(settings_for(mini_project, query_workers=0), OxigraphStore.in_memory())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail of a bug")

    @app.get("/unmapped")
    def unmapped() -> None:
        raise Unmapped("an error without a status")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(("path", "cause"), [("/boom", "RuntimeError"), ("/unmapped", "Unmapped")])
def test_a_bug_is_a_problem_500_logged_with_its_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, cause: str
) -> None:
    with caplog.at_level(logging.ERROR, logger=problems.logger.name):
        response = client.get(path)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://w3id.org/esskg/problems/internal"
    assert body["status"] == 500
    assert "secret" not in response.text
    incident = body["instance"]
    assert incident.startswith("urn:uuid:")
    [record] = [r for r in caplog.records if incident in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is not None
    assert record.exc_info[0].__name__ == cause
    assert path in record.getMessage()


async def _escaping(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app an exception escapes before it answers (no handler of ours caught it)."""
    if scope["type"] == "http":
        raise RuntimeError("secret detail of a bug")


async def _silent(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that returns without answering."""


@pytest.mark.parametrize("app", [_escaping, _silent], ids=["exception", "no-answer"])
def test_the_http_servers_own_500_is_a_problem_logged_with_its_id(
    app: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """uvicorn answers these itself, in plain text unless ``service.api.server`` words it."""
    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, thread.is_alive, 20, "uvicorn")
        response = httpx.get(f"http://127.0.0.1:{port}/anything", timeout=10)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "https://w3id.org/esskg/problems/internal"
    assert "secret" not in response.text
    assert f"answered 500 {body['instance']} to GET /anything" in capfd.readouterr().err

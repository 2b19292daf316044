"""Fixtures for the service tests: a real remote SPARQL engine, shared per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.store.remote import RemoteStore
from tests.service.engines import oxigraph_server


@pytest.fixture(scope="session")
def oxigraph_url() -> Iterator[str]:
    with oxigraph_server() as base:
        yield base


@pytest.fixture
def remote_store(oxigraph_url: str) -> Iterator[RemoteStore]:
    """A remote store over a real Oxigraph server, emptied before each test."""
    store = RemoteStore(f"{oxigraph_url}/query", f"{oxigraph_url}/update", f"{oxigraph_url}/store")
    store.update("DROP ALL")
    yield store
    store.close()

"""Fixtures for the service tests: real remote SPARQL engines, one of each per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.store.remote import RemoteStore
from tests.service.engines import oxigraph_server, virtuoso_binary, virtuoso_server

#: Graphs a Virtuoso database holds for itself; they are no part of the knowledge graph.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/",
    "http://www.w3.org/ns/ldp",
    "http://localhost:8890/",
    "http://127.0.0.1:",
)


@pytest.fixture(scope="session")
def oxigraph_url() -> Iterator[str]:
    with oxigraph_server() as base:
        yield base


@pytest.fixture
def oxigraph_server_store(oxigraph_url: str) -> Iterator[RemoteStore]:
    """A remote store over a real Oxigraph server, emptied before each test."""
    store = RemoteStore(f"{oxigraph_url}/query", f"{oxigraph_url}/update", f"{oxigraph_url}/store")
    store.update("DROP ALL")
    yield store
    store.close()


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if virtuoso_binary() is None:
        pytest.skip("Virtuoso is not installed here (.ci/run installs virtuoso-opensource-7-bin)")
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as base:
        yield base


@pytest.fixture
def virtuoso_store(virtuoso_url: str) -> Iterator[RemoteStore]:
    """A remote store over a real Virtuoso, holding none of the previous test's graphs."""
    store = RemoteStore(
        f"{virtuoso_url}/sparql",
        default_graph_iri="https://w3id.org/esskg/graph/default",
        list_dataset=True,
        system_graph_prefixes=VIRTUOSO_SYSTEM_GRAPHS,
    )
    for name in [*store.graph_names(), "https://w3id.org/esskg/graph/default"]:
        store.update(f"DROP SILENT GRAPH <{name}>")  # the last one holds the union
    yield store
    store.close()

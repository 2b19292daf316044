"""Fixtures for the canned-query tests: the repository's catalogue over the shipped graph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.queries.catalogue import Catalogue
from service.store.base import Store
from tests.conftest import REPO, settings_for

QUERIES = REPO / "queries"
EXPECTED = REPO / "tests" / "queries" / "expected"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load(QUERIES)


@pytest.fixture(scope="session")
def client(shipped_store: Store) -> Iterator[TestClient]:
    """The real app over the shipped store, with the repository's own queries/ folder."""
    app = create_app(settings_for(REPO), store=shipped_store)
    with TestClient(app) as test_client:
        yield test_client

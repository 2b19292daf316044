"""The fact tests query the graph exactly as the service serves it: built by the real
pipeline (parse, SHACL, reasoning, load) and opened from the store, default graph = union."""

from __future__ import annotations

import pytest

from service.store.base import Store


@pytest.fixture(scope="session")
def facts_store(shipped_store: Store) -> Store:
    return shipped_store

"""Fixtures shared by every test folder: throw-away projects, settings and built stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.graph.build import build
from service.settings import Settings
from service.store.base import Store
from service.store.factory import open_store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def settings_for(root: Path, **overrides: object) -> Settings:
    """Settings pointing at a project folder and a store inside it."""
    return Settings(root=root, store_path=root / "var" / "store", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    """A copy of the small fixture project, free to break."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def mini_settings(mini_project: Path) -> Settings:
    return settings_for(mini_project)


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repository's own ontology, shapes and data, built once per test session."""
    root = tmp_path_factory.mktemp("shipped")
    for folder in ("ontology", "shapes", "data"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    settings = settings_for(root)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def shipped_store(shipped_build: Settings) -> Iterator[Store]:
    """The built shipped graph, opened the way the service opens it (memory over disk)."""
    store = open_store(shipped_build)
    yield store
    store.close()

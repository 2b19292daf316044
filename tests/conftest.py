"""Fixtures shared by every test folder: throw-away projects, settings and built stores."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.graph.build import build
from service.graph.referential.package import MANIFEST, PackagePin, integrity_of, read_pins
from service.settings import Settings
from service.store.base import Store
from service.store.factory import open_store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Where ``make referential`` caches the pinned packages of the repository.
REFERENTIAL_CACHE = REPO / "var" / "referentials"


def settings_for(root: Path, **overrides: object) -> Settings:
    """Settings pointing at a project folder and a store inside it."""
    return Settings(root=root, store_path=root / "var" / "store", **overrides)  # type: ignore[arg-type]


def pack_fixture(folder: Path, target: Path, key: str = "cog") -> PackagePin:
    """A folder laid out like an npm package, packed as ``npm pack`` does (``package/…``),
    with the pin that matches it: the converter's tests run on a small package."""
    pin = PackagePin(key, "@etalab/decoupage-administratif", "6.0.0", "", "MIT")
    tarball = target / pin.filename
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(folder, arcname="package")
    return PackagePin(key, pin.name, pin.version, integrity_of(tarball), pin.licence)


def real_cog_pin() -> PackagePin:
    """The repository's pin; the real package must be in the cache (``make referential``)."""
    (pin,) = read_pins(REPO)
    if not (REFERENTIAL_CACHE / pin.filename).is_file():
        pytest.fail(f"{pin.spec} is not cached in {REFERENTIAL_CACHE}: run `make referential`")
    return pin


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
def referential_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped project with the real COG referential, built once: the one build of the
    suite with the whole territory (about a minute); the other builds leave it out."""
    real_cog_pin()
    root = tmp_path_factory.mktemp("referential")
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / MANIFEST, root / MANIFEST)
    settings = settings_for(root, referential_cache=REFERENTIAL_CACHE)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def referential_store(referential_build: Settings) -> Iterator[Store]:
    store = open_store(referential_build)
    yield store
    store.close()


@pytest.fixture(scope="session")
def shipped_store(shipped_build: Settings) -> Iterator[Store]:
    """The built shipped graph, opened the way the service opens it (memory over disk)."""
    store = open_store(shipped_build)
    yield store
    store.close()

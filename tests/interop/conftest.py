"""One real ``esskg serve`` on the project's own data, for every client of the suite.

The project (ontology, shapes, data, canned queries) is copied and built once per session;
the server runs as a user starts it, with a write key, so the clients read and write the
way their documentation shows. The oracle is the build's own N-Quads snapshot loaded into
an in-process engine: what each client gets back is compared with it, exactly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.graph.build import SNAPSHOT, build, current_build
from tests.conftest import REPO, settings_for
from tests.interop.oracle import Oracle
from tests.service.server import serve_process

#: The administrator's write key of the served project.
TOKEN = "interop-write-key"


@pytest.fixture(scope="session")
def interop_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interop") / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(
            REPO / folder, root / folder, ignore=shutil.ignore_patterns("contributions")
        )
    build(settings_for(root))
    return root


@pytest.fixture(scope="session")
def oracle(interop_root: Path) -> Oracle:
    folder = current_build(settings_for(interop_root))
    assert folder is not None
    store = ox.Store()
    store.bulk_load(path=str(folder / SNAPSHOT), format=ox.RdfFormat.N_QUADS)
    return Oracle(store)


@pytest.fixture(scope="session")
def base(interop_root: Path) -> Iterator[str]:
    """The served project's base URL (writes without reasoning: they stay quick)."""
    with serve_process(interop_root, ESSKG_WRITE_TOKEN=TOKEN, ESSKG_INFER_ON_WRITE="false") as url:
        yield url


@pytest.fixture(scope="session")
def endpoint(base: str) -> str:
    return base + "/sparql"

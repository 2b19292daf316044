"""``esskg query --name area/name --param key=value``: the catalogue from the command line."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from service import cli
from service.settings import Settings
from tests.queries.conftest import QUERIES


@pytest.fixture
def shipped_env(monkeypatch: pytest.MonkeyPatch, shipped_build: Settings) -> Iterator[None]:
    """The shipped build, seen through the environment as the command sees it."""
    target = shipped_build.root / "queries"
    if not target.exists():
        shutil.copytree(QUERIES, target)
    monkeypatch.setenv("ESSKG_ROOT", str(shipped_build.root))
    monkeypatch.setenv("ESSKG_STORE_PATH", str(shipped_build.resolve(shipped_build.store_path)))
    cli.get_settings.cache_clear()
    yield
    cli.get_settings.cache_clear()


def test_named_query_with_typed_parameter(
    shipped_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "query",
        "--name",
        "spaser/list-targets-by-plan",
        "--param",
        "year=2021",
        "--format",
        "csv",
    ]
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "region-bretagne" in lines[1]


def test_named_query_refuses_a_badly_typed_parameter(
    shipped_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["query", "--name", "spaser/list-targets-by-plan", "--param", "year=soon"]
    assert cli.main(args) == 1
    assert "parameter 'year' must be a year" in capsys.readouterr().err


def test_unknown_query_name_is_an_error(
    shipped_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["query", "--name", "spaser/nothing-here"]) == 1
    assert "no query" in capsys.readouterr().err

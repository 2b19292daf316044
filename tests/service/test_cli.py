"""The ``esskg`` command as a user types it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import cli
from service.settings import Settings


@pytest.fixture
def env_settings(monkeypatch: pytest.MonkeyPatch, mini_project: Path) -> Settings:
    monkeypatch.setenv("ESSKG_ROOT", str(mini_project))
    monkeypatch.setenv("ESSKG_STORE_PATH", str(mini_project / "var" / "store"))
    cli.get_settings.cache_clear()
    yield cli.get_settings()
    cli.get_settings.cache_clear()


def test_build_then_query_as_table(
    env_settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["build"]) == 0
    assert "built " in capsys.readouterr().out
    query = tmp_path / "q.rq"
    query.write_text(
        "SELECT ?label WHERE { ?s a <https://w3id.org/esskg/def#SPASER> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    assert cli.main(["query", str(query)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].strip() == "?label"
    assert out[2].strip() == "SPASER de Paris@fr"
    assert out[-1] == "(1 row)"
    assert cli.main(["query", str(query), "--format", "csv"]) == 0
    assert capsys.readouterr().out.replace("\r\n", "\n") == "label\nSPASER de Paris\n"


def test_build_failure_exits_1_with_report(
    env_settings: Settings, mini_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (mini_project / "data" / "sources" / "bad.ttl").write_text("<a> <b> .\n")
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert "esskg build: failed" in err
    assert "data/sources/bad.ttl:1:" in err


def test_validate_checks_extra_files_without_loading(
    env_settings: Settings, mini_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upload = tmp_path / "partner.ttl"
    upload.write_text(
        "<https://w3id.org/esskg/id/spaser/x> a <https://w3id.org/esskg/def#SPASER> .\n"
    )
    assert cli.main(["validate", str(upload)]) == 1
    assert "focus node: <https://w3id.org/esskg/id/spaser/x>" in capsys.readouterr().err
    assert not (mini_project / "var").exists()
    assert cli.main(["validate"]) == 0


def test_query_without_build_says_what_to_do(
    env_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = tmp_path / "q.rq"
    query.write_text("ASK {}")
    assert cli.main(["query", str(query)]) == 1
    assert "run 'esskg build' first" in capsys.readouterr().err

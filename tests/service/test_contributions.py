"""A write that got a 2xx is part of every later build, and survives ``kill -9``.

Against a real ``esskg serve`` and the real ``esskg build``: upload, build, restart, and the
graph is there triple for triple; a build whose new shapes the upload breaks fails, names
it and keeps it; a server killed at any point of a large write restarts with the old graph
or the new one, whole, and never without a write it acknowledged.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from contextlib import ExitStack
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from service import cli
from service.api.app import create_app
from service.errors import BuildFailed
from service.graph import build as build_module
from service.graph import crash_points
from service.graph.build import SNAPSHOT, build, current_build
from service.graph.contributions import Contributions, file_name
from service.namespaces import partner_graph
from tests.conftest import settings_for
from tests.service.server import server_process

TOKEN = "contrib-token"
NT = ox.RdfFormat.N_TRIPLES
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PARTNER = partner_graph("reseau-test")
UPLOAD = """
@prefix ess: <https://w3id.org/esskg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix res: <https://w3id.org/esskg/id/> .
res:spaser\\/partenaire a ess:SPASER ; rdfs:label "SPASER partenaire"@fr, "partner SPASER"@en ;
    ess:adoptedBy res:collectivite\\/ville-paris ;
    rdfs:seeAlso [ rdfs:label "fiche du réseau"@fr ] .
"""
BREAKING_SHAPE = """
@prefix ess: <https://w3id.org/esskg/def#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix shp: <https://w3id.org/esskg/shapes#> .
shp:SPASERYearShape a sh:NodeShape ; sh:targetClass ess:SPASER ;
    sh:property [ sh:path ess:adoptionYear ; sh:minCount 1 ;
                  sh:message "Un SPASER a une année d'adoption."@fr ] .
"""


def _turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def _fetch(base: str, graph: str) -> Graph | None:
    response = httpx.get(
        f"{base}/graphs", params={"graph": graph}, headers={"Accept": "text/turtle"}, timeout=30
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return _turtle(response.text)


def _put(base: str, graph: str, body: bytes, media: str = "text/turtle") -> httpx.Response:
    return httpx.put(
        f"{base}/graphs",
        params={"graph": graph},
        content=body,
        headers={**AUTH, "Content-Type": media},
        timeout=120,
    )


def _env() -> dict[str, str]:
    return {"ESSKG_WRITE_TOKEN": TOKEN}


def test_an_upload_survives_a_build_and_a_restart_triple_for_triple(
    mini_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build(settings_for(mini_project))
    with server_process(mini_project, **_env()) as (base, _):
        assert _put(base, PARTNER, UPLOAD.encode()).status_code == 201
    monkeypatch.setenv("ESSKG_ROOT", str(mini_project))
    monkeypatch.setenv("ESSKG_STORE_PATH", str(mini_project / "var" / "store"))
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["build"]) == 0
    finally:
        cli.get_settings.cache_clear()
    out = capsys.readouterr().out
    assert f"       6  {PARTNER}  [{file_name(PARTNER)}]" in out
    with server_process(mini_project, **_env()) as (base, _):
        stored = _fetch(base, PARTNER)
    assert stored is not None
    assert isomorphic(stored, _turtle(UPLOAD))


def test_a_graph_deleted_over_http_stays_deleted_after_a_build(
    mini_project: Path,
) -> None:
    settings = settings_for(mini_project)
    build(settings)
    page_a = "https://w3id.org/esskg/graph/source/page-a"
    with server_process(mini_project, **_env()) as (base, _):
        deleted = httpx.delete(f"{base}/graphs", params={"graph": page_a}, headers=AUTH)
        assert deleted.status_code == 204
    result = build(settings)
    assert page_a not in result.manifest.graphs
    assert [s.label for s in result.hidden] == ["data/sources/page-a.ttl"]
    assert [(c.graph, c.triples) for c in result.carried] == [(page_a, 0)]


def test_a_build_whose_new_shapes_an_upload_breaks_fails_naming_it_and_keeps_it(
    mini_project: Path,
) -> None:
    settings = settings_for(mini_project)
    first = build(settings)
    with server_process(mini_project, **_env()) as (base, _):
        assert _put(base, PARTNER, UPLOAD.encode()).status_code == 201
    (mini_project / "shapes" / "year.ttl").write_text(BREAKING_SHAPE, "utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(settings)
    report = failed.value.report
    assert f"data/contributions/{file_name(PARTNER)}" in report
    assert f"the graph <{PARTNER}> written over HTTP" in report
    assert "spaser/partenaire" in report
    assert current_build(settings) == first.folder  # the store served is untouched
    kept = Contributions(settings.resolve(settings.contributions_path)).load()
    assert [(c.graph, c.triples) for c in kept] == [(PARTNER, 6)]


@pytest.mark.parametrize("moment", ["before-the-swap", "after-the-swap"])
def test_a_write_acknowledged_while_a_build_runs_is_served_after_the_restart(
    mini_project: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    """The build reads the files first and publishes its store last: a write in between
    (or to the server still serving the previous build) is in its file, not in the new
    store; the server applies it when it starts on the new build."""
    settings = settings_for(mini_project)
    build(settings)
    graph = "http://example.org/written-during-a-build"
    first = b'<http://example.org/s> <http://example.org/p> "v1" .\n'
    second = b'<http://example.org/s> <http://example.org/p> "v2" .\n'
    with server_process(mini_project, **_env()) as (base, _):
        assert _put(base, graph, first, "application/n-triples").status_code == 201

        def written_meanwhile(link: Path, target: Path) -> None:
            assert _put(base, graph, second, "application/n-triples").status_code == 204
            swap(link, target)

        swap = build_module._swap_link
        if moment == "before-the-swap":
            monkeypatch.setattr(build_module, "_swap_link", written_meanwhile)
        result = build(settings)
        monkeypatch.undo()
        if moment == "after-the-swap":
            assert _put(base, graph, second, "application/n-triples").status_code == 204
    assert b'"v1"' in (result.folder / SNAPSHOT).read_bytes()  # the build read v1
    for start in ("restart", "next start"):
        with server_process(mini_project, **_env()) as (base, _):
            served = _fetch_lines(base, graph)
        assert served == _lines(second), f"{start}: the acknowledged write is lost"


def test_a_write_the_new_build_refuses_is_logged_at_start_up_kept_and_named_by_the_next_build(
    mini_project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(mini_project, query_workers=0)
    (mini_project / "shapes" / "year.ttl").write_text(BREAKING_SHAPE, "utf-8")
    build(settings)
    # as a write to the server of the previous build leaves it, after this build read the files
    upload = list(ox.parse(UPLOAD.encode(), format=ox.RdfFormat.TURTLE))
    Contributions(settings.resolve(settings.contributions_path)).record({PARTNER: upload})
    with (
        caplog.at_level(logging.ERROR, "esskg.contributions"),
        TestClient(create_app(settings)) as client,
    ):
        assert client.get("/graphs", params={"graph": PARTNER}).status_code == 404
    assert f"the contribution {file_name(PARTNER)} (graph <{PARTNER}>)" in caplog.text
    assert "is refused by this build's checks" in caplog.text
    with pytest.raises(BuildFailed) as failed:
        build(settings)
    assert f"the graph <{PARTNER}> written over HTTP" in failed.value.report


def test_a_file_written_back_as_the_build_read_it_but_not_committed_is_applied_at_start_up(
    mini_project: Path,
) -> None:
    """A write that put back the bytes the build read, cut by a crash after its file and
    before the store: the digest matches the build's, the file's time tells it apart."""
    settings = settings_for(mini_project, query_workers=0)
    graph = "http://example.org/written-back"
    first = list(ox.parse(b'<http://example.org/s> <http://example.org/p> "v1" .', format=NT))
    contributions = Contributions(settings.resolve(settings.contributions_path))
    contributions.record({graph: first})
    result = build(settings)
    store = ox.Store(str(result.folder / "oxigraph"))  # as a later write left the store
    name = ox.NamedNode(graph)
    store.remove_graph(name)
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://x/q"), name, name))
    store.flush()
    del store
    (kept,) = contributions.load()
    os.utime(kept.path)  # the cut write's rename, after the build
    with TestClient(create_app(settings)) as client:
        served = client.get(
            "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
        )
    assert _lines(served.content) == {str(t) for t in first}


#: Two classes and an individual of both: consistent until an ontology says they are disjoint.
BOTH_KINDS = b"""<http://example.org/x> a <http://example.org/A>, <http://example.org/B> .
<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .
"""
DISJOINT = (
    "<http://example.org/A> <http://www.w3.org/2002/07/owl#disjointWith> <http://example.org/B> .\n"
)


def test_a_build_whose_new_ontology_makes_an_upload_inconsistent_names_it_and_keeps_it(
    mini_project: Path,
) -> None:
    settings = settings_for(mini_project)
    first = build(settings)
    with server_process(mini_project, **_env()) as (base, _):
        assert _put(base, PARTNER, BOTH_KINDS).status_code == 201
    assert build(settings).carried[0].graph == PARTNER  # consistent so far
    served = current_build(settings)
    (mini_project / "ontology" / "disjoint.ttl").write_text(DISJOINT, "utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(settings)
    report = failed.value.report
    assert "the OWL 2 RL closure is inconsistent" in report
    assert f"data/contributions/{file_name(PARTNER)}:\n  OWL RL inconsistency" in report
    assert f"{file_name(PARTNER)}: the graph <{PARTNER}> written over HTTP" in report
    assert current_build(settings) == served != first.folder
    kept = Contributions(settings.resolve(settings.contributions_path)).load()
    assert [(c.graph, c.triples) for c in kept] == [(PARTNER, 3)]


def test_export_contributions_copies_every_graph_written(
    mini_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(mini_project)
    build(settings)
    with server_process(mini_project, **_env()) as (base, _):
        assert _put(base, PARTNER, UPLOAD.encode()).status_code == 201
        default = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> ."
        assert httpx.put(
            f"{base}/graphs?default",
            content=default,
            headers={**AUTH, "Content-Type": "application/n-triples"},
        ).is_success
    target = tmp_path / "backup"
    assert cli.cmd_export_contributions(settings, _Args(target)) == 0
    assert "exported 2 graph(s)" in capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == sorted(["default.nt", file_name(PARTNER)])
    restored = Graph().parse(target / file_name(PARTNER), format="nt")
    assert isomorphic(restored, _turtle(UPLOAD))


class _Args:
    def __init__(self, folder: Path) -> None:
        self.folder = folder


def test_a_commit_cut_after_its_note_is_finished_on_recovery(tmp_path: Path) -> None:
    """The on-disk protocol: temporary files flushed, then the note; a crash after the note
    must leave the new files once recovered, a crash before it the old ones."""
    folder = tmp_path / "contributions"
    contributions = Contributions(folder)
    contributions.record({"http://example.org/a": [], "http://example.org/b": []})
    names = [file_name("http://example.org/a"), file_name("http://example.org/b")]
    for name in names:  # as a second commit would leave them, stopped after its note
        (folder / (name + ".tmp")).write_text(
            f"# graph: <http://example.org/{name[0]}>\n<http://x/s> <http://x/p> <http://x/o> .\n"
        )
    (folder / ".commit.json").write_text(json.dumps([[n + ".tmp", n] for n in names]))
    assert [c.triples for c in Contributions(folder).load()] == [1, 1]
    assert not list(folder.glob("*.tmp")) and not (folder / ".commit.json").exists()
    (folder / (names[0] + ".tmp")).write_text("cut before the note")  # never committed
    assert [c.triples for c in Contributions(folder).load()] == [1, 1]
    assert not list(folder.glob("*.tmp"))


def _large(round_: int, size: int) -> tuple[bytes, set[str]]:
    lines = [
        f"<http://example.org/r{round_}/s{i}> <http://www.w3.org/2000/01/rdf-schema#label> "
        f'"élément {i} du tour {round_}"@fr'
        for i in range(size)
    ]
    return " .\n".join(lines).encode() + b" .\n", set(lines)


def _lines(document: bytes) -> set[str]:
    """A graph without blank nodes as a set of N-Triples lines, parsed by the engine."""
    return {str(t) for t in ox.parse(document, format=ox.RdfFormat.N_TRIPLES)}


def _fetch_lines(base: str, graph: str = PARTNER) -> set[str]:
    response = httpx.get(
        f"{base}/graphs",
        params={"graph": graph},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return _lines(response.content)


#: What the graph is after the restart when the server died at each step of a write: the
#: old version until the new one's files are committed (their note written), then the new
#: one (the start-up finishes the renames and applies a file the store has not committed).
AFTER_THE_RESTART = {
    crash_points.CONTRIBUTION_FILES: "old",
    crash_points.COMMIT_NOTE: "new",
    crash_points.CONTRIBUTIONS_RECORDED: "new",
    crash_points.STORE_COMMITTED: "new",
}


@pytest.mark.slow
def test_kill_9_at_each_step_of_a_write_leaves_the_old_graph_or_the_new_one_whole(
    mini_project: Path, tmp_path: Path
) -> None:
    """The server dies at a named step of each write (``service.graph.crash_points``), then
    once right after a write it acknowledged; each time it restarts with the old graph or
    the new one, whole, in the store and in the file alike, and never without the write it
    acknowledged."""
    assert set(AFTER_THE_RESTART) == set(crash_points.STEPS)
    settings = settings_for(mini_project)
    build(settings)
    trigger = tmp_path / "crash-at"
    env = {**_env(), crash_points.ENV: str(trigger)}
    size = 2_000
    body, current = _large(0, size)
    with ExitStack() as servers:
        base, process = servers.enter_context(server_process(mini_project, **env))
        assert _put(base, PARTNER, body, "application/n-triples").status_code == 201
        for round_, step in enumerate((*crash_points.STEPS, None), start=1):
            body, new = _large(round_, size)
            if step is None:  # killed as soon as the write is acknowledged
                assert _put(base, PARTNER, body, "application/n-triples").status_code == 204
                os.kill(process.pid, signal.SIGKILL)
                expected = new
            else:
                trigger.write_text(step, "utf-8")
                with pytest.raises(httpx.TransportError):
                    _put(base, PARTNER, body, "application/n-triples")
                expected = new if AFTER_THE_RESTART[step] == "new" else current
            assert process.wait(timeout=30) == -signal.SIGKILL, f"{step}: not killed there"
            base, process = servers.enter_context(server_process(mini_project, **env))
            stored = _fetch_lines(base)
            assert stored in (new, current), f"{step}: neither the old graph nor the new"
            (kept,) = Contributions(settings.resolve(settings.contributions_path)).load()
            on_file = _lines(kept.path.read_bytes())
            assert on_file in (new, current), f"{step}: the file is cut"
            assert stored == on_file == expected, f"{step}: not the {AFTER_THE_RESTART.get(step)}"
            current = stored

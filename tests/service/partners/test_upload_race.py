"""Two uploads of one partner never lose each other's triples: the plan is read outside the
write lock, so its commit is conditional on the partner's graph being still the one it read,
and a stale plan is made again (``service.partners.upload``). On a real server (uvicorn in
this process, so that a test can step in between a plan and its commit) and a built store.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from service.api.routers import partners as router
from service.graph.build import build
from service.graph.gate import WriteGate
from service.namespaces import partner_graph
from service.partners.keys import PartnerKeys
from service.partners.upload import REPLANS, Plan
from tests.conftest import FIXTURES, settings_for
from tests.service.server import live_server

PARTNER = "reseau-course"
GRAPH = partner_graph(PARTNER)
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@dataclass
class Served:
    base: str
    key: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", root)
    settings = settings_for(root, write_token="admin-key", infer_on_write=False)
    build(settings)
    keys = PartnerKeys(settings.resolve(settings.partner_keys_path))
    keys.add(PARTNER)
    key = keys.issue(PARTNER)
    with live_server(settings) as base:
        yield Served(base, key)


def _document(kind: str, tag: str, n: int = 20) -> tuple[bytes, set[str]]:
    lines = [f'<http://example.org/{kind}/{i}> <{LABEL}> "{kind} {i} {tag}"@fr' for i in range(n)]
    return "".join(f"{line} .\n" for line in lines).encode(), set(lines)


def _upload(
    served: Served, kind: str, body: bytes, lang: str = "fr", timeout: float = 60
) -> httpx.Response:
    return httpx.post(
        f"{served.base}/partners/{PARTNER}/uploads",
        files={"file": (f"{kind}.nt", body, "application/n-triples")},
        data={"kind": kind},
        headers={"Authorization": f"Bearer {served.key}", "Accept-Language": lang},
        timeout=timeout,
    )


def _stored(served: Served) -> set[str]:
    response = httpx.get(
        f"{served.base}/graphs",
        params={"graph": GRAPH},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return {str(t) for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}


def _commits_after(
    monkeypatch: pytest.MonkeyPatch, kind: str, meanwhile: Callable[[int], None]
) -> list[int]:
    """Each commit of a ``kind`` upload runs ``meanwhile(n)`` first (n: its attempt), in the
    gap between the plan and its commit; the attempts are counted."""
    real = router.commit
    attempts: list[int] = []

    def stepped_in(result: Plan, gate: WriteGate) -> Plan:
        if result.kind == kind:
            attempts.append(len(attempts) + 1)
            meanwhile(attempts[-1])
        return real(result, gate)

    monkeypatch.setattr(router, "commit", stepped_in)
    return attempts


def test_an_upload_committed_between_another_ones_plan_and_commit_is_kept(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    spasers, spaser_lines = _document("spasers", "a")
    events, event_lines = _document("events", "b")
    answers: list[int] = []

    def other_kind_uploaded(attempt: int) -> None:
        if attempt == 1:  # the events upload, whole, while the spasers plan waits to commit
            answers.append(_upload(served, "events", events).status_code)

    attempts = _commits_after(monkeypatch, "spasers", other_kind_uploaded)
    first = _upload(served, "spasers", spasers)
    assert first.status_code == 201, first.text
    assert answers == [201]
    stored = _stored(served)
    assert event_lines <= stored, "the upload committed in between was lost"
    assert spaser_lines <= stored
    assert attempts == [1, 2]  # planned again on the graph with the events


def test_an_upload_whose_graph_keeps_changing_gives_up_with_409_and_writes_nothing(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    spasers, spaser_lines = _document("spasers", "a")

    def another_events_upload(attempt: int) -> None:
        events, _ = _document("events", f"tour {attempt}")
        assert _upload(served, "events", events).status_code == 201

    attempts = _commits_after(monkeypatch, "spasers", another_events_upload)
    refused = _upload(served, "spasers", spasers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "https://w3id.org/esskg/problems/upload-conflict"
    assert "rien n'a été écrit" in problem["detail"]
    assert attempts == list(range(1, REPLANS + 1))
    assert not spaser_lines & _stored(served)
    english = _upload(served, "spasers", spasers, lang="en")
    assert english.status_code == 409
    assert "nothing was written" in english.json()["detail"]


def _at_once(served: Served, documents: dict[str, bytes]) -> dict[str, int]:
    """Upload each kind's document from its own thread, all released together."""
    answers: dict[str, int] = {}
    start = threading.Barrier(len(documents))

    def send(kind: str) -> None:
        start.wait()
        answers[kind] = _upload(served, kind, documents[kind], timeout=120).status_code

    threads = [threading.Thread(target=send, args=(kind,)) for kind in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return answers


def test_concurrent_uploads_of_two_kinds_both_keep_their_triples(served: Served) -> None:
    for round_ in range(3):
        documents = {kind: _document(kind, f"tour {round_}", 200) for kind in ("spasers", "events")}
        answers = _at_once(served, {kind: body for kind, (body, _) in documents.items()})
        assert answers == {"spasers": 201, "events": 201}, f"round {round_}"
        stored = _stored(served)
        for kind, (_, lines) in documents.items():
            assert lines <= stored, f"round {round_}: the {kind} upload's triples are lost"

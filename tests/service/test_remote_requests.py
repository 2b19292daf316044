"""What the service sends a remote engine, counted by a proxy in front of the real engine.

``/health`` asks one ``COUNT``; a write sends one update holding its delta and nothing
else (no graph dropped and filled again), whatever the size of the graphs around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import ENGINE_DIR, build, current_build
from service.graph.gate import WriteGate
from service.graph.push import push
from service.settings import Settings
from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore
from service.store.remote import RemoteStore
from tests.conftest import settings_for
from tests.service.conftest import VIRTUOSO_SYSTEM_GRAPHS
from tests.service.proxy import Recording, counting_proxy

ESS = "https://w3id.org/esskg/def#"
RES = "https://w3id.org/esskg/id/"
NEW_GRAPH = "https://w3id.org/esskg/graph/partner/network-z"
VIRTUOSO_DEFAULT = "https://w3id.org/esskg/graph/default"
_TRIPLE_LINE = re.compile(r"^(<[^>]*>|_:\S+) <[^>]*> .+ \.$")


def _remote_settings(root: Path, base: str, engine: str) -> Settings:
    if engine == "oxigraph":
        return settings_for(
            root,
            store_backend="remote",
            remote_query_url=f"{base}/query",
            remote_update_url=f"{base}/update",
            query_workers=0,
        )
    return settings_for(
        root,
        store_backend="remote",
        remote_query_url=f"{base}/sparql",
        remote_default_graph=VIRTUOSO_DEFAULT,
        remote_list_dataset=True,
        remote_system_graph_prefixes=list(VIRTUOSO_SYSTEM_GRAPHS),
        query_workers=0,
    )


def _remote_store(base: str, engine: str) -> RemoteStore:
    if engine == "oxigraph":
        return RemoteStore(f"{base}/query", f"{base}/update")
    return RemoteStore(
        f"{base}/sparql",
        default_graph_iri=VIRTUOSO_DEFAULT,
        list_dataset=True,
        system_graph_prefixes=VIRTUOSO_SYSTEM_GRAPHS,
    )


@pytest.fixture(params=["oxigraph", "virtuoso"])
def proxied(
    request: pytest.FixtureRequest, mini_settings: Settings
) -> Iterator[tuple[str, str, Recording]]:
    """The mini build pushed to a real engine, and a recording proxy in front of it."""
    engine = request.param
    direct = request.getfixturevalue(
        "oxigraph_server_store" if engine == "oxigraph" else "virtuoso_store"
    )
    build(mini_settings)
    folder = current_build(mini_settings)
    assert folder is not None
    local = OxigraphStore.open(folder / ENGINE_DIR, in_memory=False, read_only=True)
    push(local, direct)
    local.close()
    target = direct.query_url.rsplit("/", 1)[0]
    with counting_proxy(target) as (base, recording):
        yield engine, base, recording


def test_health_sends_one_count(proxied: tuple[str, str, Recording], mini_project: Path) -> None:
    engine, base, recording = proxied
    with TestClient(create_app(_remote_settings(mini_project, base, engine))) as client:
        recording.clear()
        body = client.get("/health").json()
        sent = recording.snapshot()
    assert len(sent) == 1, [s.text for s in sent]
    assert "COUNT" in sent[0].text
    assert body["status"] == "ok" and body["triples"] > 0 and body["graphs"] > 3


def _triple_lines(text: str) -> set[str]:
    return {line for line in text.splitlines() if _TRIPLE_LINE.match(line)}


def _written(delta: Delta) -> set[str]:
    return {f"{quad.triple} ." for quad in delta.removed | delta.added}


def test_a_write_sends_only_its_delta(proxied: tuple[str, str, Recording]) -> None:
    engine, base, recording = proxied
    store = _remote_store(base, engine)
    committed: list[Delta] = []
    gate = WriteGate(store, on_commit=committed.append)
    spaser = ox.NamedNode(RES + "spaser/z")
    triples = [
        ox.Triple(
            spaser,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(ESS + "SPASER"),
        ),
        ox.Triple(
            spaser, ox.NamedNode(ESS + "adoptedBy"), ox.NamedNode(RES + "collectivite/ville-paris")
        ),
    ]
    for write in (lambda: gate.put_graph(NEW_GRAPH, triples), lambda: gate.delete_graph(NEW_GRAPH)):
        recording.clear()
        committed.clear()
        write()
        sent = recording.snapshot()
        updates = [s for s in sent if s.is_update]
        assert len(updates) == 1, [s.text[:200] for s in updates]
        (delta,) = committed
        text = updates[0].text
        assert _triple_lines(text) == _written(delta)
        assert "DROP" not in text and "CLEAR" not in text
        assert len(delta) < 20
        # the reads are a fixed handful of requests, not one per graph of the store: the
        # graph's names and content, the shapes, the ontology, the inferred graph, all the
        # asserted data and the default graph's own statements (the full checks, until the
        # incremental validation and reasoning answer service.graph.consequences)
        assert len(sent) - 1 <= 10
    store.close()

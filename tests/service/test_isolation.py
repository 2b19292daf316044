"""A write's tentative application to the engine's memory copy: seen by its checks only.

The gate applies a write to the memory copy to validate the state after it, then takes it
out whatever the verdict (``OxigraphStore.tentatively``). These tests hold the store to what
that promises: no reader starting meanwhile sees it, the disk never does, it is undone even
when the checks fail, and a commit waits for the checks that read the state before a write.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore

G = ox.NamedNode("https://w3id.org/esskg/graph/partner/p")
KEPT = ox.Quad(ox.NamedNode("https://x/a"), ox.NamedNode("https://x/p"), ox.Literal("kept"), G)
TRIED = ox.Quad(ox.NamedNode("https://x/b"), ox.NamedNode("https://x/p"), ox.Literal("tried"), G)
ASK = "ASK { GRAPH ?g { <https://x/b> ?p ?o } }"


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    created = OxigraphStore.create(tmp_path / "store")
    created.add_quads([KEPT])
    created.close()
    return OxigraphStore.open(tmp_path / "store")


def test_the_checks_see_the_write_and_nothing_else_does(store: OxigraphStore) -> None:
    delta = Delta.of(removed=[KEPT], added=[TRIED])
    engine = store.local_engine()
    assert engine is not None
    seen: list[bool] = []
    with engine.tentatively(delta) as after:
        assert TRIED in after and KEPT not in after
        reader = threading.Thread(target=lambda: seen.append(store.ask(ASK)))
        reader.start()
        time.sleep(0.2)
        assert seen == []  # the reader waits for the write to be taken out
    reader.join(5)
    assert seen == [False]
    assert store.present({KEPT, TRIED}) == {KEPT}
    assert store.generation == 0


def test_a_graph_the_write_would_create_does_not_outlive_it(store: OxigraphStore) -> None:
    engine = store.local_engine()
    assert engine is not None
    other = ox.NamedNode("https://w3id.org/esskg/graph/partner/new")
    tried = ox.Quad(TRIED.subject, TRIED.predicate, TRIED.object, other)
    with engine.tentatively(Delta.of(added=[tried])):
        pass
    assert store.graph_names() == [G.value]
    assert not store.has_graph(other.value)


def test_a_failed_check_still_takes_the_write_out(store: OxigraphStore, tmp_path: Path) -> None:
    engine = store.local_engine()
    assert engine is not None
    with pytest.raises(RuntimeError), engine.tentatively(Delta.of(added=[TRIED])):
        raise RuntimeError("the checks failed")
    assert store.present({KEPT, TRIED}) == {KEPT}
    store.close()
    disk = ox.Store.read_only(str(tmp_path / "store"))
    assert TRIED not in disk and KEPT in disk


def test_a_query_started_before_does_not_see_the_write(store: OxigraphStore) -> None:
    engine = store.local_engine()
    assert engine is not None
    rows = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows()
    with engine.tentatively(Delta.of(added=[TRIED])):
        assert [str(r["o"]) for r in rows] == ["kept"]


def test_a_commit_waits_for_the_checks_of_the_state_before(store: OxigraphStore) -> None:
    engine = store.local_engine()
    assert engine is not None
    done = threading.Event()

    def commit() -> None:
        store.apply(Delta.of(added=[TRIED]))
        done.set()

    with engine.stable() as before:
        writer = threading.Thread(target=commit)
        writer.start()
        time.sleep(0.2)
        assert not done.is_set() and TRIED not in before
        assert store.ask(ASK) is False  # readers are not held back by the checks
    writer.join(5)
    assert done.is_set() and store.ask(ASK) is True
    assert store.generation == 1


def test_a_store_read_from_disk_offers_no_tentative_writes(tmp_path: Path) -> None:
    created = OxigraphStore.create(tmp_path / "disk")
    created.close()
    assert OxigraphStore.open(tmp_path / "disk", in_memory=False).local_engine() is None

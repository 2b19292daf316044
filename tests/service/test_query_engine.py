"""The query engine process: loading, answering, the hard time limit, reloads, failures.

Driven directly (no HTTP) so each step of its life can be observed: which process answers,
what it has loaded, and what happens to a query in flight when the engine is replaced.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import pytest

from service.errors import QueryTimeout, StoreUnavailable
from service.formats import RESULTS_JSON
from service.sparql.engine import QueryEngine
from service.sparql.execution import QueryJob
from service.store.base import QueryKind
from service.store.oxigraph import OxigraphStore

EX = "http://example.org/"
# a cross product over 50 triples: 50^4 = 6.25M rows to count, about a second
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SLOWER = SLOW.replace("?j ?k ?l }", "?j ?k ?l . ?m ?n2 ?o }")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def job(text: str) -> QueryJob:
    return QueryJob(
        text=text, formats=dict.fromkeys(QueryKind, RESULTS_JSON), accept="", row_cap=10
    )


def count_of(engine: QueryEngine, text: str = COUNT) -> int:
    body = engine.run(job(text)).body
    (row,) = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)  # type: ignore[misc]
    return int(row["n"].value)


def store_with(triples: int) -> OxigraphStore:
    store = OxigraphStore.in_memory()
    body = " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(triples))
    store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ {body} }} }}")
    return store


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def store() -> OxigraphStore:
    return store_with(50)


def test_engine_is_another_process_and_answers_from_its_own_copy(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=2, timeout=10)
    try:
        engine.wait_ready()
        assert engine.state == "ready"
        (pid,) = engine.pids
        assert pid != os.getpid() and alive(pid)
        assert count_of(engine) == 50
        # the copy is the engine's: a write the server has not announced is not seen...
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}new> <{EX}p> 1 }} }}")
        assert count_of(engine) == 50
        # ...and after refresh() (what a commit calls) every query sees it, in a new engine
        engine.refresh()
        assert count_of(engine) == 51
        assert engine.pids != [pid] and not alive(pid)
    finally:
        engine.close()
    assert engine.pids == []


def test_query_past_the_limit_kills_the_engine_and_the_next_one_answers(
    store: OxigraphStore,
) -> None:
    engine = QueryEngine(store, threads=2, timeout=1.0)
    try:
        engine.wait_ready()
        (pid,) = engine.pids
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="1 s limit"):
            engine.run(job(SLOWER))
        assert time.monotonic() - started < 2.0
        assert not alive(pid)  # the work stopped for real
        # its successor is already loading, before any query asks for it
        assert engine.pids and engine.pids != [pid]
        assert count_of(engine) == 50
    finally:
        engine.close()


def test_query_in_flight_when_the_engine_is_replaced_is_retried(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=2, timeout=30)
    outcome: dict[str, object] = {}

    def slow() -> None:
        try:
            outcome["n"] = count_of(engine, SLOW)
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    try:
        engine.wait_ready()
        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)  # the count is running in the first engine
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}new> <{EX}p> 1 }} }}")
        engine.refresh()
        thread.join(60)
        # answered, and by the new engine: 51 triples, so 51^4 rows
        assert outcome == {"n": 51**4}
    finally:
        engine.close()


class _Garbage(OxigraphStore):
    """A store whose dump the engine cannot read."""

    def write_nquads(self, out: BinaryIO) -> None:
        out.write(b"this is not N-Quads\n")


class _Held(OxigraphStore):
    """A store whose dump waits for a signal: the engine stays in its loading state."""

    release = threading.Event()

    def write_nquads(self, out: BinaryIO) -> None:
        self.release.wait(30)
        super().write_nquads(out)


def test_an_engine_that_cannot_load_reports_why() -> None:
    engine = QueryEngine(_Garbage(ox.Store()), threads=1, timeout=5)
    try:
        with pytest.raises(StoreUnavailable, match="could not load the data: SyntaxError"):
            engine.wait_ready()
        assert engine.state == "failed"
        with pytest.raises(StoreUnavailable, match="could not load the data"):
            engine.run(job("ASK {}"))
    finally:
        engine.close()


def test_queries_wait_for_a_loading_engine_within_their_limit() -> None:
    held = _Held(ox.Store())
    engine = QueryEngine(held, threads=1, timeout=0.5)
    try:
        assert engine.state == "loading"
        with pytest.raises(QueryTimeout, match="still loading the data"):
            engine.run(job("ASK {}"))
        held.release.set()
        engine.wait_ready()
        assert engine.state == "ready"
        assert engine.run(job("ASK { ?s ?p ?o }")).body.endswith(b"false}")
    finally:
        held.release.set()
        engine.close()


def test_the_snapshot_is_loaded_while_it_exists(store: OxigraphStore, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.nq"
    # a snapshot that differs from the store, to see which one the engine read
    snapshot.write_bytes(
        b'<http://example.org/a> <http://example.org/p> "1" <http://example.org/g> .\n'
    )
    engine = QueryEngine(store, threads=1, timeout=10, snapshot=snapshot)
    try:
        engine.wait_ready()
        assert count_of(engine) == 1
        snapshot.unlink()
        engine.refresh()
        assert count_of(engine) == 50
    finally:
        engine.close()


class _BrokenDump(OxigraphStore):
    """A store whose dump fails half-way: the engine must not serve the half it got."""

    def write_nquads(self, out: BinaryIO) -> None:
        out.write(b'<http://example.org/a> <http://example.org/p> "1" <http://example.org/g> .\n')
        out.flush()
        raise OSError("disk read failed")


def test_an_engine_fed_part_of_the_data_never_answers() -> None:
    engine = QueryEngine(_BrokenDump(ox.Store()), threads=1, timeout=5)
    try:
        with pytest.raises(StoreUnavailable, match="cannot stream the store to it: disk read"):
            engine.wait_ready()
        assert engine.state == "failed"
        with pytest.raises(StoreUnavailable, match="could not load the data"):
            engine.run(job("ASK { ?s ?p ?o }"))
    finally:
        engine.close()


def test_a_query_that_passed_the_limit_is_refused_at_once_until_the_data_changes(
    store: OxigraphStore,
) -> None:
    engine = QueryEngine(store, threads=1, timeout=1.0)
    try:
        engine.wait_ready()
        with pytest.raises(QueryTimeout, match="stopped after the 1 s limit"):
            engine.run(job(SLOWER))
        engine.wait_ready()
        (pid,) = engine.pids
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="passed the 1 s limit 0 s ago"):
            engine.run(job(SLOWER))
        assert time.monotonic() - started < 0.5
        assert engine.pids == [pid]  # not run, so nothing was killed
        assert count_of(engine) == 50  # other queries go on
        engine.refresh()  # new data: the query gets its chance again
        with pytest.raises(QueryTimeout, match="stopped after the 1 s limit"):
            engine.run(job(SLOWER))
    finally:
        engine.close()

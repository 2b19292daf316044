"""The query engine process: loading, answering, the hard time limit, reloads, failures.

Driven directly (no HTTP) so each step of its life can be observed: which process answers,
what it has loaded, and what happens to a query in flight when the engine is replaced.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import signal
import threading
import time
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import pytest

from service.errors import (
    EngineReloading,
    QueryCrashed,
    QueryTimeout,
    RunawayCooldown,
    StoreUnavailable,
)
from service.formats import NQUADS, RESULTS_JSON, Format
from service.sparql.engine import QueryEngine
from service.sparql.execution import Limits, QueryJob, StoreCall
from service.store.base import QueryKind
from service.store.delta import Delta
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
    engine = QueryEngine(store, threads=2, limits=Limits(10))
    try:
        engine.wait_ready()
        assert engine.state == "ready"
        (pid,) = engine.pids
        assert pid != os.getpid() and alive(pid)
        assert count_of(engine) == 50
        # the copy is the engine's: a write the server has not announced is not seen...
        store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}new> <{EX}p> 1 }} }}")
        assert count_of(engine) == 50
        # ...and after refresh() (data changed behind the gate) every query sees it, in a
        # new engine
        engine.refresh()
        assert count_of(engine) == 51
        assert engine.pids != [pid] and not alive(pid)
    finally:
        engine.close()
    assert engine.pids == []


def added(*triples: tuple[str, int]) -> Delta:
    graph = ox.NamedNode(f"{EX}g")
    return Delta(
        added=frozenset(
            ox.Quad(
                ox.NamedNode(EX + s),
                ox.NamedNode(f"{EX}p"),
                ox.Literal(
                    str(o), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
                graph,
            )
            for s, o in triples
        )
    )


def test_a_committed_delta_is_applied_by_the_same_engine(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=2, limits=Limits(10))
    try:
        engine.wait_ready()
        (pid,) = engine.pids
        delta = added(("new", 1), ("other", 2))
        store.apply(delta)
        engine.apply(delta)  # returns once the engine has applied it
        assert count_of(engine) == 52
        removal = delta.inverse()
        store.apply(removal)
        engine.apply(removal)
        assert count_of(engine) == 50
        assert engine.pids == [pid]  # no reload
    finally:
        engine.close()


def test_a_query_in_flight_reads_the_state_it_started_on(store: OxigraphStore) -> None:
    """A delta applied while a query runs is all or nothing to it: it sees the old state."""
    engine = QueryEngine(store, threads=2, limits=Limits(30))
    outcome: dict[str, object] = {}

    def slow() -> None:
        outcome["n"] = count_of(engine, SLOW)

    try:
        engine.wait_ready()
        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)  # the count is running
        delta = added(*((f"n{i}", i) for i in range(10)))
        store.apply(delta)
        started = time.monotonic()
        engine.apply(delta)
        assert time.monotonic() - started < 0.5  # the write does not wait for the reader
        assert count_of(engine) == 60
        thread.join(60)
        assert outcome == {"n": 50**4}
    finally:
        engine.close()


def test_deltas_committed_while_an_engine_loads_are_applied_before_it_answers() -> None:
    class Held(_Held):
        release = threading.Event()

    held = Held(ox.Store())
    engine = QueryEngine(held, threads=1, limits=Limits(10))
    try:
        assert engine.state == "loading"
        first = added(("a", 1), ("b", 2))
        second = Delta(removed=first.added - added(("a", 1)).added) | added(("c", 3))
        for delta in (first, second):
            held.apply(delta)  # the dump will already hold both: applying again changes nothing
            engine.apply(delta)
        held.release.set()
        engine.wait_ready()
        assert count_of(engine) == 2
        assert count_of(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}b> ?p ?o }}") == 0
    finally:
        held.release.set()
        engine.close()


def test_query_past_the_limit_kills_the_engine_and_the_next_one_answers(
    store: OxigraphStore,
) -> None:
    engine = QueryEngine(store, threads=2, limits=Limits(1.0))
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
    engine = QueryEngine(store, threads=2, limits=Limits(30))
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

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        out.write(b"this is not N-Quads\n")


class _Held(OxigraphStore):
    """A store whose dump waits for a signal: the engine stays in its loading state."""

    release = threading.Event()

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        self.release.wait(30)
        super().dump_to(out, fmt)


def test_an_engine_that_cannot_load_reports_why() -> None:
    engine = QueryEngine(_Garbage(ox.Store()), threads=1, limits=Limits(5))
    try:
        with pytest.raises(StoreUnavailable, match="could not load the data: SyntaxError"):
            engine.wait_ready()
        assert engine.state == "failed"
        with pytest.raises(StoreUnavailable, match="could not load the data"):
            engine.run(job("ASK {}"))
    finally:
        engine.close()


def test_queries_wait_for_a_loading_engine_within_the_load_wait_bound() -> None:
    held = _Held(ox.Store())
    engine = QueryEngine(held, threads=1, limits=Limits(30, load_wait=0.5))
    try:
        assert engine.state == "loading"
        started = time.monotonic()
        with pytest.raises(EngineReloading, match="chargeait encore") as refused:
            engine.run(job("ASK {}"))
        assert 0.5 <= time.monotonic() - started < 2  # the load-wait bound, not the 30 s limit
        assert "ESSKG_LOAD_WAIT" in refused.value.english
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
    engine = QueryEngine(store, threads=1, limits=Limits(10), snapshot=snapshot)
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

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        out.write(b'<http://example.org/a> <http://example.org/p> "1" <http://example.org/g> .\n')
        out.flush()
        raise OSError("disk read failed")


def test_an_engine_fed_part_of_the_data_never_answers() -> None:
    engine = QueryEngine(_BrokenDump(ox.Store()), threads=1, limits=Limits(5))
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
    engine = QueryEngine(store, threads=1, limits=Limits(1.0))
    try:
        engine.wait_ready()
        with pytest.raises(QueryTimeout, match="stopped after the 1 s limit"):
            engine.run(job(SLOWER))
        engine.wait_ready()
        (pid,) = engine.pids
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"stopped 0 s ago \(past the 1 s limit"):
            engine.run(job(SLOWER))
        assert time.monotonic() - started < 0.5
        assert engine.pids == [pid]  # not run, so nothing was killed
        assert count_of(engine) == 50  # other queries go on
        engine.refresh()  # new data: the query gets its chance again
        with pytest.raises(QueryTimeout, match="stopped after the 1 s limit"):
            engine.run(job(SLOWER))
    finally:
        engine.close()


# -- limits that live in the engine (issue 10) ------------------------------------------------

#: Each step doubles a string: 2^40 bytes wanted within a few steps of the ceiling.
DOUBLING = (
    'SELECT (STRLEN(?x40) AS ?n) WHERE { BIND("0123456789abcdef" AS ?x0) '
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(40))
    + " }"
)
NESTED = "SELECT * WHERE " + "{" * 20_000 + " ?s ?p ?o " + "}" * 20_000


def test_waiting_for_a_thread_does_not_count_against_the_time_limit(
    store: OxigraphStore,
) -> None:
    """Bug fixed: a query queued behind another was stopped as a runaway, then refused."""
    probe = QueryEngine(store, threads=1, limits=Limits(60))
    try:
        probe.wait_ready()
        started = time.monotonic()
        assert count_of(probe, SLOW) == 50**4
        alone = time.monotonic() - started
    finally:
        probe.close()
    # two queries on one thread: the second waits one run, then runs one: together longer
    # than the limit, each shorter
    engine = QueryEngine(store, threads=1, limits=Limits(1.6 * alone))
    try:
        engine.wait_ready()
        results: list[object] = []

        def run_slow() -> None:
            try:
                results.append(count_of(engine, SLOW))
            except Exception as exc:
                results.append(exc)

        threads = [threading.Thread(target=run_slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert results == [50**4] * 2
    finally:
        engine.close()


def test_a_query_past_the_memory_ceiling_is_stopped_and_refused_the_others_answer(
    store: OxigraphStore,
) -> None:
    engine = QueryEngine(store, threads=2, limits=Limits(20, memory_bytes=300 << 20))
    try:
        engine.wait_ready()
        (pid,) = engine.pids
        with pytest.raises(QueryCrashed, match="refused for ten minutes"):
            engine.run(job(DOUBLING))  # alone in the engine: the cause, after one death
        assert not alive(pid)
        engine.wait_ready()
        assert engine.pids != [pid] and all(alive(p) for p in engine.pids)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped 0 s ago"):
            engine.run(job(DOUBLING))  # refused at once, without running
        assert time.monotonic() - started < 0.5
        assert count_of(engine) == 50  # the others are served
    finally:
        engine.close()


def test_a_bystander_of_a_crash_is_answered_by_the_next_engine(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=2, limits=Limits(30))
    try:
        engine.wait_ready()
        outcome: list[object] = []

        def bystander() -> None:
            outcome.append(count_of(engine, SLOW))

        thread = threading.Thread(target=bystander)
        thread.start()
        time.sleep(0.2)  # the bystander is running when the crash comes
        with pytest.raises(QueryCrashed):
            engine.run(job(NESTED))  # overflows the parser's stack, twice
        thread.join(30)
        assert outcome == [50**4]
    finally:
        engine.close()


def test_an_engine_killed_while_idle_is_replaced_for_the_next_query(
    store: OxigraphStore,
) -> None:
    """Bug fixed: the next query after the engine died on its own got 503."""
    engine = QueryEngine(store, threads=2, limits=Limits(10))
    try:
        engine.wait_ready()
        (pid,) = engine.pids
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        assert count_of(engine) == 50
        assert engine.pids != [pid]
    finally:
        engine.close()


def test_each_client_may_have_only_its_share_running(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=4, limits=Limits(4, client_queries=1))
    try:
        engine.wait_ready()
        greedy = dataclasses.replace(job(SLOWER), client="10.0.0.1")  # a runaway
        other = dataclasses.replace(job(COUNT), client="10.0.0.2")
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            first = pool.submit(engine.run, greedy)
            time.sleep(0.3)
            second = dataclasses.replace(greedy, text=SLOWER + " LIMIT 1")
            waiting = pool.submit(engine.run, second)  # waits for the client's own slot
            started = time.monotonic()
            assert pool.submit(engine.run, other).result(5).body
            assert time.monotonic() - started < 1.5
            assert not waiting.done()
            with pytest.raises(QueryTimeout):
                first.result(20)
            # never ran: its client stopped the engine while it waited for its slot
            with pytest.raises(RunawayCooldown):
                waiting.result(20)
    finally:
        engine.close()


# -- bystanders wait for the successor; what stopped the engine is remembered ------------------


def _sleep(store: object, seconds: float, tag: str = "") -> str:
    """A job that takes ``seconds`` of running time, whatever the data (pickled by name)."""
    time.sleep(seconds)
    return f"slept {tag}"


def sleeping(seconds: float, client: str = "", tag: str = "") -> StoreCall[str]:
    return StoreCall(_sleep, (seconds, tag), client)


class _SlowReload(OxigraphStore):
    """A store whose first dump is quick and every later one (a reload) takes ``delay``."""

    delay = 3.0
    dumps = 0

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        type(self).dumps += 1
        if type(self).dumps > 1:
            time.sleep(self.delay)
        super().dump_to(out, fmt)


class _Counting(QueryEngine):
    """Counts the engines it starts (each one a load of the data)."""

    launches = 0

    def _launch(self) -> None:
        type(self).launches += 1
        super()._launch()


def test_bystanders_of_a_kill_wait_for_a_reload_longer_than_the_limit_then_run() -> None:
    """Bug fixed: with a reload longer than the time limit, the queries caught in flight by
    a kill (and those sent during the reload) got 503 "still loading" until it ended."""

    class Slow(_SlowReload):
        delay = 3.0
        dumps = 0

    engine = QueryEngine(Slow(ox.Store()), threads=3, limits=Limits(2.0, load_wait=20))
    try:
        engine.wait_ready()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            runaway = pool.submit(engine.run, sleeping(60, "10.0.0.1"))
            time.sleep(0.8)
            caught = pool.submit(engine.run, sleeping(1.6, "10.0.0.2", "caught"))
            time.sleep(1.8)  # the runaway is stopped at 2 s: now the successor is loading
            assert engine.state == "loading"
            started = time.monotonic()
            late = pool.submit(engine.run, sleeping(1.6, "10.0.0.3", "late"))
            with pytest.raises(QueryTimeout, match="stopped after the 2 s limit"):
                runaway.result(10)
            # each waited for the 3 s reload, then ran 1.6 s of its 2 s limit
            assert caught.result(20) == "slept caught"
            assert late.result(20) == "slept late"
            assert time.monotonic() - started >= 1.6 + 2.0
    finally:
        engine.close()


def test_the_client_whose_query_stopped_the_engine_cools_down(store: OxigraphStore) -> None:
    engine = QueryEngine(store, threads=2, limits=Limits(1.0, runaway_cooldown=30))
    try:
        engine.wait_ready()
        greedy = dataclasses.replace(job(SLOWER), client="10.0.0.1")
        with pytest.raises(QueryTimeout, match="stopped after"):
            engine.run(greedy)
        fresh = dataclasses.replace(greedy, text=SLOWER + " # another text")
        with pytest.raises(RunawayCooldown) as refused:
            engine.run(fresh)  # not run: nothing is killed
        assert 29 <= refused.value.retry_after <= 30
        assert "ESSKG_RUNAWAY_COOLDOWN" in refused.value.english
        with pytest.raises(RunawayCooldown):
            engine.run(dataclasses.replace(job(COUNT), client="10.0.0.1"))
        assert count_of(engine) == 50  # other clients are served
        other = dataclasses.replace(job(COUNT), client="10.0.0.2")
        assert engine.run(other).body
    finally:
        engine.close()


def test_a_crashing_query_alone_is_remembered_after_one_death(store: OxigraphStore) -> None:
    """Bug fixed: it was refused only once the engine had died twice under it."""

    class Counting(_Counting):
        launches = 0

    engine = Counting(store, threads=2, limits=Limits(20, runaway_cooldown=0))
    try:
        engine.wait_ready()
        with pytest.raises(QueryCrashed):
            engine.run(job(NESTED))
        engine.wait_ready()
        assert Counting.launches == 2  # one death, one reload
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped 0 s ago"):
            engine.run(job(NESTED))
        assert time.monotonic() - started < 0.5
        assert Counting.launches == 2
    finally:
        engine.close()


def test_a_crash_suspect_is_refused_while_its_retry_is_pending(store: OxigraphStore) -> None:
    """Two jobs in flight at a death: each is sent once more, one at a time; meanwhile the
    same texts sent again are refused, and the bystander is cleared once answered."""
    engine = QueryEngine(store, threads=3, limits=Limits(30, runaway_cooldown=0))
    try:
        engine.wait_ready()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            bystander = pool.submit(engine.run, sleeping(1.5, tag="bystander"))
            time.sleep(0.3)
            crasher = pool.submit(engine.run, job(NESTED))
            with pytest.raises(QueryCrashed):
                crasher.result(30)
            assert bystander.result(30) == "slept bystander"
        with pytest.raises(QueryTimeout, match=r"stopped \d+ s ago"):
            engine.run(job(NESTED))
        assert engine.run(sleeping(1.5, tag="bystander")) == "slept bystander"  # cleared
    finally:
        engine.close()


def _prepare_slowly(store: object) -> None:
    time.sleep(1.5)
    _PREPARED.append(True)


_PREPARED: list[bool] = []


def _was_prepared(store: object) -> bool:
    return bool(_PREPARED)  # read in the engine: its own copy of the list


def test_an_engine_prepares_before_it_takes_queries_and_no_limit_pays_for_it(
    store: OxigraphStore,
) -> None:
    engine = QueryEngine(store, threads=1, limits=Limits(1.0), prepare=_prepare_slowly)
    try:
        assert engine.state == "loading"
        assert engine.run(StoreCall(_was_prepared)) is True  # waited, then ran: no timeout
        (pid,) = engine.pids
        assert count_of(engine) == 50
        assert engine.pids == [pid]  # nothing was stopped
        assert not _PREPARED  # the preparation ran in the engine, not here
    finally:
        engine.close()

"""The query engine process: the only in-memory copy of the data, with a real time limit.

The engine cannot cancel a running query and a thread cannot be killed, so user queries run
in a separate process that can be: killing it is the one way to stop a runaway query for
real. That process holds the service's only in-memory copy of the graph and answers several
queries at once, one thread per connection (the engine releases the interpreter lock while
it evaluates and serialises).

Why one process and not a pool forked from a server holding the copy: reading the engine's
in-memory store writes to the pages it reads (reference counts, version locks), so every
forked reader ends up with a private copy of most of the graph. At 1M triples that copy is
about 550 MB; a pool of two workers beside a server holding its own copy took 1.6 GB. Here
the server keeps only the on-disk store (for its own small reads and for writes) and the
engine holds the one copy: about 0.65 GB in all.

A committed write reaches the engine as its delta (the quads it removed and added, inferred
ones included): the engine applies it to its copy in one transaction, on a control connection
of its own, and the write is answered only once the engine has done so, so every query sent
after a write's answer sees it, while a query already running keeps reading the state it
started on (the engine's memory store reads a snapshot). Nothing is reloaded after a write.

The engine is replaced, and loads the data again, only when a query passes the time limit
(the engine is killed, and the queries it was running with it are retried on the next one)
or when it dies. It reads the build's N-Quads snapshot while no write has changed the store
(at 1M triples, about 10 s; 17 s with the territory), else the server streams its store
through a pipe (about 25 s; the project's own graph: milliseconds). Then it runs its
preparation (the write and dry-run checks, ``service.graph.prepare``), so that no request's
time limit pays for it. Deltas committed while it loads are applied once it has loaded,
before it takes queries (an exact delta applied to data that already holds it changes
nothing, so the order of the stream and the commits does not matter). Meanwhile ``/health``
reports ``loading``, and queries wait for it: waiting for a load is queueing, so it has its
own bound (``load_wait``, setting ``ESSKG_LOAD_WAIT``, above a reload's time), past which
they get 503 with ``Retry-After``; once the engine is ready each still gets its whole time
limit. So the bystanders of a kill are answered late, not refused.

Limits that live in the engine, where the work happens: the time limit counts from the moment
the engine receives a job (waiting for a free thread has its own bound and is never taken
for a runaway); the process may use at most ``memory_bytes`` beyond what the loaded data
takes (``RLIMIT_DATA``: an allocation past it fails, and the engine aborts); its threads
have deep stacks. What stopped the engine is refused when sent again
(``service.sparql.suspects``): a query past the time limit at once; when the engine dies
under jobs (the memory ceiling, a crash, a kill from outside), the job that was alone in it
at once, else each job it was running is a suspect, refused when sent again, and sent once
more to the successor, one suspect at a time, so a bystander is never in flight at its
second death unless it caused it: the one under which it dies again is refused, the others
are answered and cleared. The client that sent what stopped the engine gets 429 for its next
queries for a while (``service.sparql.cooldown``): fresh texts cannot keep the engine
reloading. Each client may have ``client_queries`` jobs running at once.

The engine is forked from the server, which is multi-threaded: the child touches nothing of
the parent's but its own sockets and the pipe it reads (it closes every other descriptor),
builds a fresh store, and leaves with ``os._exit`` so no finaliser of the parent's objects
ever runs there.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import threading
import time
import traceback
from collections.abc import Hashable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NoReturn

from service.errors import (
    EngineReloading,
    EsskgError,
    QueryCrashed,
    QueryTimeout,
    StoreUnavailable,
)
from service.process_limits import cap_data_growth
from service.sparql.cooldown import Cooldowns
from service.sparql.execution import Executor, Job, Limits, Preparation, T
from service.sparql.fairness import ClientSlots
from service.sparql.suspects import Suspects
from service.store.base import Store
from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore

#: After a failed load, queries are refused (not retried) for this long: a broken engine
#: must not be relaunched by every request.
RELAUNCH_PAUSE_S = 5.0
#: The longest a committed delta may take the engine to apply before it is replaced (a
#: big one, say a graph of a million triples dropped, takes seconds).
DELTA_TIMEOUT_S = 120.0
#: Stack of each engine thread: the parser recurses once per nesting level, and a deep
#: stack costs only address space until it is used.
THREAD_STACK_BYTES = 64 << 20


def _send(conn: Connection, message: tuple[str, object]) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(conn: Connection) -> tuple[str, object]:
    status, value = pickle.loads(conn.recv_bytes())
    return str(status), value


# -- the engine process -------------------------------------------------------------------


def _serve(conn: Connection, store: Store) -> None:
    """Answer the jobs of one connection, one at a time, until the server closes it."""
    _send(conn, ("ready", None))
    while True:
        try:
            job: Job[object] = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        reply: tuple[str, object]
        try:
            reply = ("ok", job.answer(store))
        except EsskgError as exc:
            reply = ("error", exc)
        except Exception:  # a bug: reported to the server, which answers 500
            reply = ("bug", traceback.format_exc())
        _send(conn, reply)


def _apply_deltas(conn: Connection, store: Store) -> None:
    """Apply each committed delta the server sends, in one transaction, and acknowledge it."""
    while True:
        try:
            delta: Delta = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        reply: tuple[str, object]
        try:
            store.apply(delta)
            reply = ("ok", None)
        except Exception:
            reply = ("bug", traceback.format_exc())
        _send(conn, reply)


def _engine_main(
    conns: list[Connection],
    control: Connection,
    source_fd: int,
    union_default: bool,
    memory: int,
    prepare: Preparation | None,
) -> NoReturn:
    """The engine's whole life: load the data, then serve every connection. Never returns."""
    code = 0
    try:
        keep = sorted({source_fd, control.fileno(), *(c.fileno() for c in conns)})
        low = 3
        for fd in keep:
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 1 << 16)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            with os.fdopen(source_fd, "rb") as source:
                store = OxigraphStore.loaded(source, union_default=union_default)
        except Exception as exc:
            for conn in conns:
                with contextlib.suppress(OSError):
                    _send(conn, ("failed", f"{type(exc).__name__}: {exc}"))
            raise
        if prepare is not None:  # part of loading: before any connection says "ready"
            with contextlib.suppress(Exception):  # else the first request compiles it
                prepare(store)
        threading.stack_size(THREAD_STACK_BYTES)
        cap_data_growth(memory + THREAD_STACK_BYTES * (len(conns) + 1))
        threading.Thread(target=_apply_deltas, args=(control, store), daemon=True).start()
        threads = [
            threading.Thread(target=_serve, args=(conn, store), daemon=True) for conn in conns
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # the process boundary: nothing may unwind into the parent's frames
        code = 1
        with contextlib.suppress(BaseException):  # why, in the server's log
            traceback.print_exc()
    finally:
        os._exit(code)


# -- the server's side --------------------------------------------------------------------


@dataclass(frozen=True)
class _Again:
    """The job's engine was replaced under it: send it again. ``suspect``: the engine died
    while the job ran, and the job may have been the cause."""

    suspect: bool


@dataclass(eq=False)
class _Engine:
    pid: int
    conns: list[Connection]
    control: Connection  # committed deltas go this way
    ready: bool = False
    #: Stopped by the server on purpose (time limit, new data, shutdown): the queries it
    #: was running did nothing wrong and may be tried again on the next engine.
    retired: bool = False
    #: Died under the jobs it was running (memory ceiling, crash, killed from outside).
    died: bool = False
    #: Jobs running on it now, and how many were running when it died.
    busy: int = 0
    busy_at_death: int = 0
    #: Deltas committed while it loads, applied before it takes queries.
    pending: list[Delta] = field(default_factory=list)


class QueryEngine(Executor):
    """Runs queries in the engine process; see the module docstring for the design."""

    def __init__(
        self,
        store: Store,
        threads: int,
        limits: Limits,
        snapshot: Path | None = None,
        prepare: Preparation | None = None,
    ) -> None:
        """``snapshot``: the store's quads as an N-Quads file, loaded instead of a dump of
        the store while it exists (whoever changes the store deletes it first).
        ``prepare``: run by each engine on its copy once loaded, before it takes queries
        (``service.graph.prepare``: the write and dry-run checks), so no request pays it."""
        if threads < 1:
            raise ValueError("the query engine needs at least one thread")
        self._store = store
        self._snapshot = snapshot
        self._threads = threads
        self._prepare = prepare
        self._limits = limits
        self._timeout = limits.timeout
        self._slots = ClientSlots(limits.client_queries)
        self._cooldowns = Cooldowns(limits.runaway_cooldown)
        self._suspects = Suspects()
        self.write_lock = threading.Lock()
        #: Held while a delta is sent to an engine: one at a time, in commit order.
        self._delta_lock = threading.Lock()
        self._cond = threading.Condition()
        self._engine: _Engine | None = None
        self._idle: list[Connection] = []
        self._failure: str | None = None
        self._failed_at = 0.0
        self._closed = False
        with self._cond:
            self._launch()

    # -- engine lifecycle (callers hold self._cond) ----------------------------------------

    def _launch(self) -> None:
        pairs = [socket.socketpair() for _ in range(self._threads + 1)]
        mine = [Connection(a.detach()) for a, _ in pairs]
        theirs = [Connection(b.detach()) for _, b in pairs]
        control, their_control = mine.pop(), theirs.pop()
        # Opened here, before the fork: deleting the file later cannot take it from the child.
        read_fd = self._open_snapshot()
        write_fd: int | None = None
        if read_fd is None:
            read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _engine_main(
                theirs,
                their_control,
                read_fd,
                self._store.union_default,
                self._limits.memory_bytes,
                self._prepare,
            )
        os.close(read_fd)
        for conn in [*theirs, their_control]:
            conn.close()
        engine = _Engine(pid, mine, control)
        self._engine = engine
        if write_fd is not None:
            threading.Thread(
                target=self._feed, args=(engine, write_fd), name="engine-feed", daemon=True
            ).start()
        threading.Thread(
            target=self._await_ready, args=(engine,), name="engine-load", daemon=True
        ).start()

    def _open_snapshot(self) -> int | None:
        if self._snapshot is None:
            return None
        try:
            return os.open(self._snapshot, os.O_RDONLY)
        except FileNotFoundError:
            return None

    def _retire(self, engine: _Engine) -> None:
        """Kill ``engine``; connections in use are closed by whoever holds them."""
        engine.retired = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(engine.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(engine.pid, 0)
        if engine.ready:
            for conn in [c for c in self._idle if c in engine.conns]:
                self._idle.remove(conn)
                conn.close()
            # a delta being sent on it fails, and the next engine loads the committed store
            with contextlib.suppress(OSError):
                engine.control.close()
        engine.pending.clear()
        if self._engine is engine:
            self._engine = None
        self._cond.notify_all()

    # -- helper threads ----------------------------------------------------------------------

    def _feed(self, engine: _Engine, write_fd: int) -> None:
        """Stream the store to the engine.

        The engine takes the end of the stream for the end of the data, so when the dump
        fails the engine is killed before the stream is closed: it must never serve part
        of the data. (A killed engine also ends the stream early: nothing to do then.)
        """
        out = os.fdopen(write_fd, "wb")
        try:
            self._store.dump_to(out)
        except Exception as exc:
            with self._cond:
                if not engine.retired:
                    self._failure = f"cannot stream the store to it: {exc}"
                    self._failed_at = time.monotonic()
                    self._retire(engine)
        with contextlib.suppress(OSError):
            out.close()

    def _await_ready(self, engine: _Engine) -> None:
        """Hand the engine's connections to the pool once it has loaded, or report why not."""
        failure: str | None = None
        try:
            for conn in engine.conns:
                status, value = _receive(conn)
                if status != "ready":
                    failure = str(value)
                    break
        except (EOFError, OSError):
            failure = "the query engine stopped while loading the data"
        with self._delta_lock:
            if failure is None:
                # what was committed while it loaded, in commit order
                for delta in engine.pending:
                    failure = self._send_delta(engine, delta)
                    if failure is not None:
                        break
            with self._cond:
                if failure is None and not engine.retired:
                    engine.ready = True
                    engine.pending.clear()
                    self._idle.extend(engine.conns)
                    self._failure = None
                    self._cond.notify_all()
                    return
                if not engine.retired:
                    self._failure, self._failed_at = failure, time.monotonic()
                    self._retire(engine)
        for conn in [*engine.conns, engine.control]:
            conn.close()

    # -- the public side -----------------------------------------------------------------------

    @property
    def state(self) -> str:
        with self._cond:
            if self._engine is not None:
                return "ready" if self._engine.ready else "loading"
            return "failed" if self._failure else "stopped"

    def wait_ready(self) -> None:
        with self._cond:
            while self._engine is None or not self._engine.ready:
                if self._closed or self._engine is None:
                    raise StoreUnavailable(
                        f"the query engine could not load the data: {self._failure}"
                    )
                self._cond.wait()

    @property
    def pids(self) -> list[int]:
        with self._cond:
            return [self._engine.pid] if self._engine is not None else []

    def _acquire(self) -> tuple[_Engine, Connection]:
        """A free connection of a ready engine, launching one if there is none.

        Neither wait is running time. Waiting for a free thread of a ready engine is bounded
        by the time limit; waiting for an engine to load (at start-up, after another request
        stopped the last one) by the load-wait bound, from when this wait began: a reload at
        a million triples takes longer than a time limit suited to queries.
        """
        thread_deadline: float | None = None
        load_deadline: float | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise StoreUnavailable("the query engine is shut down")
                engine = self._engine
                if engine is not None and self._idle:
                    engine.busy += 1
                    return engine, self._idle.pop()
                if engine is None:
                    if self._failure and time.monotonic() - self._failed_at < RELAUNCH_PAUSE_S:
                        raise StoreUnavailable(
                            f"the query engine could not load the data: {self._failure}"
                        )
                    self._launch()
                    continue
                now = time.monotonic()
                if engine.ready:
                    load_deadline = None
                    thread_deadline = thread_deadline or now + self._timeout
                    remaining = thread_deadline - now
                    if remaining <= 0:
                        raise QueryTimeout(
                            f"no query thread became free within the {self._timeout:g} s limit"
                        )
                else:
                    thread_deadline = None
                    load_deadline = load_deadline or now + self._limits.load_wait
                    remaining = load_deadline - now
                    if remaining <= 0:
                        raise self._still_loading()
                self._cond.wait(remaining)

    def _still_loading(self) -> EngineReloading:
        wait = self._limits.load_wait
        return EngineReloading(
            "le moteur de requêtes chargeait encore les données au bout de "
            f"{wait:g} s d'attente (réglage ESSKG_LOAD_WAIT) : renvoyez la requête plus tard",
            f"the query engine was still loading the data after {wait:g} s of waiting "
            "(setting ESSKG_LOAD_WAIT): send the request again later",
        )

    def _release(self, engine: _Engine, conn: Connection) -> None:
        with self._cond:
            engine.busy -= 1
            if engine is self._engine and not engine.retired:
                self._idle.append(conn)
                self._cond.notify()
            else:
                conn.close()

    def run(self, job: Job[T]) -> T:
        key = job.memo_key
        self._suspects.refuse_known(key, self._timeout)
        self._cooldowns.check(job.client)
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        with self._slots.hold(job.client, time.monotonic() + self._timeout):
            self._cooldowns.check(job.client)  # it may have stopped the engine meanwhile
            suspect = False
            while True:
                retry_wait = self._limits.load_wait + self._timeout
                quarantine = self._suspects.quarantine(retry_wait) if suspect else None
                with quarantine or contextlib.nullcontext():
                    answer = self._attempt(job.client, key, payload, suspect)
                if isinstance(answer, _Again):
                    suspect = suspect or answer.suspect
                    continue
                if suspect:
                    self._suspects.cleared(key)  # answered: it was a bystander
                status, value = answer
                if status == "ok":
                    return value  # type: ignore[return-value]
                if status == "error":
                    assert isinstance(value, EsskgError)
                    raise value
                raise RuntimeError(f"the query engine failed:\n{value}")

    def _attempt(
        self, client: str, key: Hashable, payload: bytes, suspect: bool
    ) -> tuple[str, object] | _Again:
        """Send the job once; :class:`_Again` when it must be sent again (its engine was
        replaced under it). ``suspect``: it was in flight at an earlier death."""
        engine, conn = self._acquire()
        deadline = time.monotonic() + self._timeout  # running time, not queueing
        try:
            try:
                conn.send_bytes(payload)
            except OSError:  # it was dead before it could read the job: not the cause
                self._replace(engine, died=True)
                return _Again(suspect=False)
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(engine)  # the work stops for real
                self._stopped_by(client, key)
                raise QueryTimeout(
                    f"the query was stopped after the {self._timeout:g} s limit "
                    "(setting ESSKG_QUERY_TIMEOUT)"
                )
            return _receive(conn)
        except (EOFError, OSError) as exc:
            if engine.retired and not engine.died:
                return _Again(suspect=False)  # stopped for another query or new data
            self._replace(engine, died=True)
            if suspect or engine.busy_at_death <= 1:  # it died again under it, or alone
                self._stopped_by(client, key)
                raise QueryCrashed(
                    "the query engine stopped while running this request (past its memory "
                    "ceiling, setting ESSKG_QUERY_MEMORY_MB, or a crash); it is refused for "
                    f"ten minutes: {exc or type(exc).__name__}"
                ) from exc
            self._suspects.suspect(key)
            return _Again(suspect=True)  # perhaps a bystander: once more, on a fresh engine
        finally:
            self._release(engine, conn)

    def _stopped_by(self, client: str, key: Hashable) -> None:
        """``key``, sent by ``client``, stopped the engine: refused when sent again, and its
        client cools down (``service.sparql.cooldown``)."""
        self._suspects.runaway(key)
        self._cooldowns.punish(client)

    def _replace(self, engine: _Engine, *, died: bool = False) -> None:
        """Kill ``engine`` and start loading its successor now, not at the next query."""
        with self._cond:
            if engine.retired:
                return
            engine.died = died
            engine.busy_at_death = engine.busy
            self._retire(engine)
            if not self._closed and self._engine is None:
                self._launch()

    def apply(self, delta: Delta) -> None:
        """A committed delta: the engine applies it to its copy before this returns (or,
        while it loads, once it has loaded). An engine that cannot is replaced by one that
        loads the committed store."""
        with self._delta_lock:
            with self._cond:
                if self._closed:
                    return
                self._suspects.forget()  # on other data the same query may well finish
                engine = self._engine
                if engine is None:
                    return  # the next engine loads the store, which holds the commit
                if not engine.ready:
                    engine.pending.append(delta)
                    return
            failure = self._send_delta(engine, delta)
            if failure is not None:
                self._replace(engine)  # the queries it was running did nothing wrong

    def _send_delta(self, engine: _Engine, delta: Delta) -> str | None:
        """Have ``engine`` apply ``delta``; None once it has, else why it could not."""
        try:
            engine.control.send_bytes(pickle.dumps(delta, protocol=pickle.HIGHEST_PROTOCOL))
            if not engine.control.poll(max(DELTA_TIMEOUT_S, self._timeout)):
                return "the query engine did not apply a committed write in time"
            status, value = _receive(engine.control)
        except (EOFError, OSError, ValueError) as exc:  # ValueError: closed by _retire
            return f"the query engine stopped while applying a committed write: {exc}"
        return None if status == "ok" else f"the query engine failed to apply a write:\n{value}"

    def refresh(self) -> None:
        """The data changed behind the gate's back: replace the engine, so every later query
        sees the change."""
        with self._cond:
            if self._closed:
                return
            self._suspects.forget()  # on other data the same query may well finish
            if self._engine is not None:
                self._retire(self._engine)
            self._failure = None
            self._launch()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            if self._engine is not None:
                self._retire(self._engine)

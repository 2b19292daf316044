"""Running user SPARQL with a time limit that really stops the work, and a row cap.

The engine cannot cancel a running query and a thread cannot be killed, so user queries run
in a small pool of worker processes forked from the process that holds the in-memory store.
Fork gives each worker a copy-on-write snapshot of the store for free (no reload); a worker
answers one query at a time over a socket pair, sending back the engine's serialised bytes.
When a query passes the limit its worker is killed (SIGKILL) and a fresh one is forked, so
the work stops for real and the other workers go on serving. After a committed write the
pool is recycled: idle workers are replaced at once, busy ones when they finish, so every
query started after a commit sees it.

Forking a multi-threaded process keeps only the forking thread in the child. The child
therefore touches nothing but the in-memory engine store and its own socket: it closes every
other file descriptor (the listening socket, the on-disk store, the event loop's), restores
default signal handling and leaves with ``os._exit`` so no finaliser of the parent's objects
ever runs there. Forks and store writes exclude each other (``write_lock``) so that no child
starts while a write holds the engine's locks; a child that still misbehaves is stopped by
the same timeout as a slow query.
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
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from service.errors import (
    EsskgError,
    EvaluationError,
    NotAcceptable,
    QuerySyntaxError,
    QueryTimeout,
    RemoteFetchFailed,
    StoreUnavailable,
)
from service.formats import Format
from service.store.base import QueryKind, Store


@dataclass(frozen=True)
class QueryJob:
    """Everything a worker needs to answer one query, small enough to pickle cheaply."""

    text: str
    formats: Mapping[QueryKind, Format | None]  # None: the client accepts nothing for it
    accept: str
    row_cap: int
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    calls_service: bool = False
    #: The client's own text when ``text`` carries an added row cap: syntax errors are
    #: reported against what the client sent.
    original_text: str | None = None


@dataclass
class Answer:
    kind: QueryKind
    fmt: Format
    body: bytes
    truncated: bool = False


def evaluate(store: Store, job: QueryJob) -> Answer:
    """Run one job on ``store`` and serialise the answer with the engine."""
    try:
        result = store.query(
            job.text,
            default_graphs=job.default_graphs,
            named_graphs=job.named_graphs,
            base_iri=job.base_iri,
        )
        fmt = job.formats.get(result.kind)
        if fmt is None:
            raise NotAcceptable(job.accept, [])
        body, truncated = result.serialize_capped(fmt, job.row_cap)
    except QuerySyntaxError:
        if job.original_text is not None:
            # parsing is eager and evaluation lazy: this raises the client's own error
            store.query(job.original_text, base_iri=job.base_iri)
        raise
    except OSError as exc:
        if job.calls_service:
            raise RemoteFetchFailed(str(exc)) from exc
        raise StoreUnavailable(str(exc)) from exc
    except (RuntimeError, ValueError) as exc:  # the engine's evaluation errors
        raise EvaluationError(str(exc)) from exc
    return Answer(result.kind, fmt, body, truncated)


class Executor(ABC):
    """Where queries run; the HTTP layer calls :meth:`run` from a thread, never the loop."""

    #: Held around store writes, so that no worker is forked in the middle of one.
    write_lock: threading.Lock

    @abstractmethod
    def run(self, job: QueryJob) -> Answer:
        """Answer ``job`` or raise a typed error (QueryTimeout past the limit)."""

    def refresh(self) -> None:  # noqa: B027 - nothing to do for in-process execution
        """The data changed: make sure later queries see it."""

    def close(self) -> None:  # noqa: B027
        """Stop whatever the executor started."""


class InProcessExecutor(Executor):
    """Runs queries in the calling thread: no hard stop, for stores that need none.

    Used with a remote store (whose own HTTP timeout bounds a query) or when workers are
    disabled (``query_workers=0``); a slow query then only ends when the engine finishes.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.write_lock = threading.Lock()

    def run(self, job: QueryJob) -> Answer:
        return evaluate(self._store, job)


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: Connection
    generation: int
    started: float = field(default_factory=time.monotonic)


def _child_main(conn: Connection, store: Store) -> None:
    """The worker's whole life: answer jobs until the parent goes away. Never returns."""
    code = 0
    try:
        keep = conn.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 1 << 16)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                break  # the parent closed its end or died
            job: QueryJob = pickle.loads(data)
            reply: tuple[str, object]
            try:
                reply = ("ok", evaluate(store, job))
            except EsskgError as exc:
                reply = ("error", exc)
            except Exception:  # a bug: report it as such to the parent, which answers 500
                reply = ("bug", traceback.format_exc())
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # the process boundary: nothing may unwind into uvicorn's frames
        code = 1
    finally:
        os._exit(code)


class WorkerPool(Executor):
    """A fixed number of forked workers; see the module docstring for the design."""

    def __init__(self, store: Store, size: int, timeout: float) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self._store = store
        self._size = size
        self._timeout = timeout
        self.write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._generation = 0
        self._closed = False
        with self._cond, self.write_lock:  # the order _replace uses: condition, then lock
            for _ in range(size):
                self._idle.append(self._fork())

    # -- process management (callers hold self._cond) --------------------------------------

    def _fork(self) -> _Worker:
        parent_sock, child_sock = socket.socketpair()
        parent, child = Connection(parent_sock.detach()), Connection(child_sock.detach())
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _child_main(child, self._store)
        child.close()
        return _Worker(pid, parent, self._generation)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and fork its successor (taking the write lock: no fork mid-write)."""
        self._kill(worker)
        if not self._closed:
            with self.write_lock:
                self._idle.append(self._fork())
        self._cond.notify()

    # -- the public side -------------------------------------------------------------------

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise StoreUnavailable("the query workers are shut down")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(
                        f"no query worker became free within the {self._timeout:g} s limit"
                    )
                self._cond.wait(remaining)
            worker = self._idle.pop()
            self._busy.add(worker)
            return worker

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        with self._cond:
            self._busy.discard(worker)
            if self._closed:
                self._kill(worker)
            elif healthy and worker.generation == self._generation:
                self._idle.append(worker)
                self._cond.notify()
            else:
                self._replace(worker)

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + self._timeout
        worker = self._acquire(deadline)
        healthy = False
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(
                    f"the query was stopped after the {self._timeout:g} s limit "
                    "(setting ESSKG_QUERY_TIMEOUT)"
                )
            status, value = pickle.loads(worker.conn.recv_bytes())
            healthy = True
        except (EOFError, OSError) as exc:
            raise StoreUnavailable(f"a query worker failed: {exc}") from exc
        finally:
            self._release(worker, healthy=healthy)
        if status == "ok":
            assert isinstance(value, Answer)
            return value
        if status == "error":
            assert isinstance(value, EsskgError)
            raise value
        raise RuntimeError(f"a query worker failed:\n{value}")

    def refresh(self) -> None:
        """Replace idle workers now and busy ones when they finish (call after a commit)."""
        with self._cond:
            self._generation += 1
            stale, self._idle = self._idle, []
            for worker in stale:
                self._replace(worker)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for worker in [*self._idle, *self._busy]:
                self._kill(worker)
            self._idle.clear()
            self._cond.notify_all()

    @property
    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in (*self._idle, *self._busy)]


def make_executor(store: Store, workers: int, timeout: float) -> Executor:
    """A worker pool when the store lives in this process and fork exists, else in-process."""
    from service.store.oxigraph import OxigraphStore

    if workers > 0 and hasattr(os, "fork") and isinstance(store, OxigraphStore):
        return WorkerPool(store, workers, timeout)
    return InProcessExecutor(store)

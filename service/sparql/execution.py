"""Running user SPARQL: the job, its evaluation, and where it runs.

A job carries everything needed to answer one query (text, formats, row cap, dataset) and is
small enough to pickle, because in the default set-up it runs in another process: the query
engine (``service.sparql.engine``), which holds the in-memory copy of the data and can be
killed when a query passes the time limit. ``InProcessExecutor`` runs jobs in the server's
own threads, for stores that need no hard stop (a remote engine bounds its own queries).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from service.errors import (
    EvaluationError,
    NotAcceptable,
    QueryRefused,
    RemoteFetchFailed,
    StoreUnavailable,
)
from service.formats import Format
from service.sparql.answers import write_answer
from service.sparql.fairness import ClientSlots
from service.store.base import QueryKind, Store
from service.store.delta import Delta

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: What an executor makes ready on the data it answers from before its first query.
Preparation = Callable[[Store], None]


class Job(Protocol[T_co]):
    """Work the query engine does on its copy of the data: a query, or a dry-run write.

    Jobs are pickled to the engine process, so they carry data only; ``answer`` runs there.
    """

    @property
    def client(self) -> str:
        """The client's address, for its share of the engine (``service.sparql.fairness``)."""

    @property
    def memo_key(self) -> Hashable:
        """What identifies the same work sent again (a query refused once it ran away)."""

    def answer(self, store: Store) -> T_co:
        """Do the work on ``store`` and return what the server sends back."""


@dataclass(frozen=True)
class QueryJob:
    """Everything the query engine needs to answer one query, small enough to pickle cheaply."""

    text: str
    formats: Mapping[QueryKind, Format | None]  # None: the client accepts nothing for it
    accept: str
    row_cap: int
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    calls_service: bool = False
    client: str = ""
    context: str | None = None  # the JSON-LD context URL a JSON-LD answer refers to

    @property
    def memo_key(self) -> Hashable:
        return (self.text, self.default_graphs, self.named_graphs, self.base_iri)

    def answer(self, store: Store) -> Answer:
        return evaluate(store, self)


@dataclass(frozen=True)
class StoreCall(Generic[T]):
    """A read of the store that is not a client's query text (a resource's description, a
    graph, VoID, a parameter check), run where queries run: under the same time limit, row
    cap and client share. ``function`` is a module-level function (so the job pickles by
    reference) called as ``function(store, *args)``; ``args`` are small and hashable."""

    function: Callable[..., T]
    args: tuple[Hashable, ...] = ()
    client: str = ""

    @property
    def memo_key(self) -> Hashable:
        return (self.function.__module__, self.function.__qualname__, self.args)

    def answer(self, store: Store) -> T:
        return self.function(store, *self.args)


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
        body, truncated = write_answer(result, fmt, job.row_cap, context=job.context)
    except OSError as exc:
        if refused_by_guard(exc):
            raise QueryRefused(
                "the query asked the engine to connect to a host that is not on this "
                "endpoint's allow-list (setting ESSKG_ALLOWED_SERVICE_HOSTS); the connection "
                "was refused"
            ) from exc
        if job.calls_service:
            raise RemoteFetchFailed(str(exc)) from exc
        raise StoreUnavailable(str(exc)) from exc
    except (RuntimeError, ValueError) as exc:  # the engine's evaluation errors
        raise EvaluationError(str(exc)) from exc
    return Answer(result.kind, fmt, body, truncated)


def refused_by_guard(exc: OSError) -> bool:
    """Whether the engine's I/O error is the network guard refusing a connection (EACCES).

    The engine reports its I/O errors as OSError with the system's message in the text.
    """
    return exc.errno == errno.EACCES or "(os error 13)" in str(exc)


class Executor(ABC):
    """Where queries run; the HTTP layer calls :meth:`run` from a thread, never the loop."""

    #: Held around store writes: one write at a time.
    write_lock: threading.Lock

    @abstractmethod
    def run(self, job: Job[T]) -> T:
        """Answer ``job`` or raise a typed error (QueryTimeout past the limit)."""

    def apply(self, delta: Delta) -> None:  # noqa: B027 - in-process: the store itself
        """A committed write's delta: make sure later queries see it (a query engine with its
        own copy applies it there; in-process execution reads the store that committed it)."""

    def refresh(self) -> None:  # noqa: B027 - nothing to do for in-process execution
        """The data changed behind the gate's back: make sure later queries see it."""

    def close(self) -> None:  # noqa: B027
        """Stop whatever the executor started."""

    def wait_ready(self) -> None:  # noqa: B027 - in-process execution is always ready
        """Block until queries can be answered (server start-up waits for the data)."""

    @property
    def state(self) -> str:
        """``ready``, or ``loading`` while the data is being loaded (``/health`` shows it)."""
        return "ready"

    @property
    def pids(self) -> list[int]:
        """Processes the executor started (the query engine), for monitoring and tests."""
        return []


class InProcessExecutor(Executor):
    """Runs queries in the calling thread: no hard stop, for stores that need none.

    Used with a remote store (whose own HTTP timeout bounds a query) or when workers are
    disabled (``query_workers=0``); a slow query then only ends when the engine finishes.
    """

    def __init__(
        self, store: Store, limits: Limits | None = None, prepare: Preparation | None = None
    ) -> None:
        self._store = store
        self._limits = limits or Limits()
        self._slots = ClientSlots(self._limits.client_queries)
        self._prepare = prepare
        self.write_lock = threading.Lock()

    def wait_ready(self) -> None:
        """Run the preparation once (start-up waits for it, as for a query engine's)."""
        prepare, self._prepare = self._prepare, None
        if prepare is not None:
            prepare(self._store)

    def run(self, job: Job[T]) -> T:
        with self._slots.hold(job.client, time.monotonic() + self._limits.timeout):
            return job.answer(self._store)


@dataclass(frozen=True)
class Limits:
    """What bounds the work of queries: settings ``QUERY_TIMEOUT``, ``CLIENT_QUERIES``,
    ``QUERY_MEMORY_MB``, ``LOAD_WAIT`` and ``RUNAWAY_COOLDOWN``.

    ``load_wait`` is apart from ``timeout`` because waiting for the engine to load the data
    is queueing, not running: a query that another one's kill caught in flight, or that
    arrived during the reload, waits for the next engine (about 17 s at a million triples)
    and then gets its whole time limit.
    """

    timeout: float = 30.0
    client_queries: int = 2
    memory_bytes: int = 1536 << 20
    load_wait: float = 60.0
    runaway_cooldown: float = 30.0


def make_executor(
    store: Store,
    workers: int,
    limits: Limits,
    snapshot: Path | None = None,
    prepare: Preparation | None = None,
) -> Executor:
    """The query engine when the store is local and fork exists, else in-process."""
    from service.sparql.engine import QueryEngine

    if workers > 0 and hasattr(os, "fork") and store.local:
        return QueryEngine(store, workers, limits, snapshot, prepare)
    return InProcessExecutor(store, limits, prepare)

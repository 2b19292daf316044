"""Work that stopped the query engine, refused when it is sent again.

A query past the time limit is known to be the cause of the engine's kill: it is remembered
as a *runaway*. When the engine dies on its own (its memory ceiling, a crash), every job it
was running is a *suspect*: any of them may be the cause, the others are bystanders. A
suspect is refused at once if it is sent again while it is one, and the jobs that were in
flight are sent once more to the next engine, one suspect at a time (the *quarantine*), so
that a second death names its cause: the job under which the engine dies again becomes a
runaway, one whose retry is answered was a bystander and is cleared. (When only one job was
in flight, it is the cause: the engine does not retry it.)

Both are forgotten after ``forget_after`` seconds or when the data changes (on other data
the same query may well finish).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from service.errors import EngineReloading, QueryTimeout

#: A runaway is refused at once for this long (or until the data changes): a client retrying
#: it would otherwise kill the engine, and make everyone wait for a reload, on every attempt.
RUNAWAY_MEMORY_S = 600.0


class Suspects:
    """Runaways and suspects of the engine's deaths, with the quarantine of their retries."""

    def __init__(self, forget_after: float = RUNAWAY_MEMORY_S) -> None:
        self._forget_after = forget_after
        self._lock = threading.Lock()
        #: jobs stopped at the limit, or known to have crashed the engine → when
        self._runaways: dict[Hashable, float] = {}
        #: jobs in flight at a death of the engine, not yet cleared by their retry → when
        self._suspects: dict[Hashable, float] = {}
        #: held by a suspect while it runs again: suspects run one at a time
        self._quarantine = threading.Lock()

    def refuse_known(self, key: Hashable, limit: float) -> None:
        """Raise at once for a runaway or a suspect (``limit``: the time limit, named in
        the message)."""
        now = time.monotonic()
        with self._lock:
            stopped = self._runaways.get(key)
            if stopped is not None and now - stopped > self._forget_after:
                del self._runaways[key]
                stopped = None
            suspected = self._suspects.get(key)
        if stopped is not None:
            raise QueryTimeout(
                f"the same query was stopped {now - stopped:.0f} s ago (past the {limit:g} s "
                "limit, or it stopped the query engine); it is not run again until the data "
                "changes or ten minutes have passed"
            )
        if suspected is not None:
            raise QueryTimeout(
                f"the query engine stopped {now - suspected:.0f} s ago while this query ran; "
                "it is not run again until the engine has told whether it was the cause"
            )

    def runaway(self, key: Hashable) -> None:
        """``key`` stopped the engine: refuse it from now on."""
        with self._lock:
            self._suspects.pop(key, None)
            self._note(self._runaways, key)

    def suspect(self, key: Hashable) -> None:
        """``key`` was in flight when the engine died."""
        with self._lock:
            self._note(self._suspects, key)

    def cleared(self, key: Hashable) -> None:
        """``key`` was answered by the next engine: it was a bystander."""
        with self._lock:
            self._suspects.pop(key, None)

    def forget(self) -> None:
        """The data changed: every query gets its chance again."""
        with self._lock:
            self._runaways.clear()
            self._suspects.clear()

    @contextmanager
    def quarantine(self, wait: float) -> Iterator[None]:
        """Run one suspect at a time; waiting for the others is bounded by ``wait`` seconds
        (each of them may wait for a reload and then run to the time limit)."""
        if not self._quarantine.acquire(timeout=wait):
            raise EngineReloading(
                "le moteur de requêtes s'est arrêté pendant cette requête, et elle n'a pas pu "
                f"être relancée dans les {wait:g} s : renvoyez-la plus tard",
                "the query engine stopped while this query ran, and it could not be sent "
                f"again within {wait:g} s: send it again later",
            )
        try:
            yield
        finally:
            self._quarantine.release()

    def _note(self, table: dict[Hashable, float], key: Hashable) -> None:
        """Note ``key`` in ``table`` (caller holds the lock), forgetting old entries."""
        now = time.monotonic()
        for old in [k for k, t in table.items() if now - t >= self._forget_after]:
            del table[old]
        table[key] = now

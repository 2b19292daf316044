"""A share of a bounded resource per client, so that one or two clients cannot hold it all.

Each client (its address, as the HTTP server reports it: behind a trusted proxy, the
forwarded one) may have at most ``limit`` units running at once; further ones wait for one
of its own to end, up to their time limit, and are then refused with 429. Used for the query
engine's threads (``ESSKG_CLIENT_QUERIES``: the engine has more threads than one client may
use, so a client sending runaway queries slows only itself until the time limit stops them)
and for the RDF parser processes (``ESSKG_CLIENT_PARSES``, ``service.parsing.isolated``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from service.errors import EsskgError, TooManyQueries


def _too_many_queries(limit: int) -> EsskgError:
    return TooManyQueries(
        f"this client already has {limit} queries running; send the next "
        "one when one has ended (setting ESSKG_CLIENT_QUERIES)"
    )


class ClientSlots:
    """Counts the running units of each client under one lock."""

    def __init__(
        self, limit: int, refusal: Callable[[int], EsskgError] = _too_many_queries
    ) -> None:
        """``refusal``: the error for a client that waited in vain, given ``limit``."""
        if limit < 1:
            raise ValueError("a client needs at least one slot")
        self.limit = limit
        self._refusal = refusal
        self._running: dict[str, int] = {}
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, client: str, deadline: float) -> Iterator[None]:
        """One slot of ``client`` for the duration of the block; waits until ``deadline``."""
        with self._cond:
            while self._running.get(client, 0) >= self.limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._refusal(self.limit)
                self._cond.wait(remaining)
            self._running[client] = self._running.get(client, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                left = self._running[client] - 1
                if left:
                    self._running[client] = left
                else:
                    del self._running[client]
                self._cond.notify_all()

    def running(self, client: str) -> int:
        with self._cond:
            return self._running.get(client, 0)

"""A pause for the client whose query stopped the query engine, so it cannot keep it reloading.

A query past the time limit or the memory ceiling, or one that crashes the engine, costs
everyone a reload of the data (about 17 s at a million triples with the territory). The
same text sent again is refused at once (``service.sparql.suspects``), but a fresh text costs
nothing to make: a comment, another variable name. So the client (its address, as
``service.sparql.fairness`` counts clients) that sent it gets 429 with ``Retry-After`` for
its next queries during a cooldown (``ESSKG_RUNAWAY_COOLDOWN`` seconds), doubled at each new
offence up to ``cap``; a client that has caused nothing for ``cap`` seconds after its last
cooldown starts again from the first step.

The server's own work (the write gate's checks, the preparation of an engine) has no address
and is never paused: an administrator's write is never refused for a reader's runaway.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.errors import RunawayCooldown

#: The client of the write gate's checks (``WriteCheck``): the server's own work.
GATE = "write-gate"
#: Clients that are the server itself: never paused (the gate's checks, start-up).
SERVER_CLIENTS = frozenset({"", GATE})
#: The longest cooldown, however often a client offends (and how long it is remembered).
COOLDOWN_CAP_S = 600.0


@dataclass
class _Record:
    offences: int
    until: float


class Cooldowns:
    """When each client that stopped the engine may send queries again."""

    def __init__(
        self,
        first: float,
        cap: float = COOLDOWN_CAP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``first``: the first cooldown in seconds (0: none at all)."""
        self._first = first
        self._cap = max(cap, first)
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def punish(self, client: str) -> float:
        """``client``'s request stopped the engine: its cooldown starts now. Returns it."""
        if self._first <= 0 or client in SERVER_CLIENTS:
            return 0.0
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            record = self._records.get(client)
            offences = 1 if record is None else record.offences + 1
            length: float = min(self._cap, self._first * 2.0 ** (offences - 1))
            self._records[client] = _Record(offences, now + length)
        return length

    def check(self, client: str) -> None:
        """Raise :class:`RunawayCooldown` while ``client`` is cooling down."""
        if self._first <= 0 or client in SERVER_CLIENTS:
            return
        now = self._clock()
        with self._lock:
            record = self._records.get(client)
            if record is None or record.until <= now:
                return
            wait = max(1, math.ceil(record.until - now))
        raise RunawayCooldown(
            f"une requête de ce client a arrêté le moteur de requêtes (limite de temps, de "
            f"mémoire, ou plantage) : ses requêtes sont refusées encore {wait} s "
            "(réglage ESSKG_RUNAWAY_COOLDOWN, doublé à chaque récidive)",
            f"a query from this client stopped the query engine (time limit, memory ceiling "
            f"or crash): its queries are refused for {wait} s more (setting "
            "ESSKG_RUNAWAY_COOLDOWN, doubled at each repeat)",
            retry_after=wait,
        )

    def _forget_old(self, now: float) -> None:
        """Drop clients whose last cooldown ended more than ``cap`` seconds ago (caller
        holds the lock): the table stays as small as the recent offenders."""
        for client in [c for c, r in self._records.items() if now - r.until > self._cap]:
            del self._records[client]

"""Readers, committed changes and tentative writes on one in-memory engine store.

The checks of a write (``service.graph.consequences``) read the data *after* the write before
it is committed: the write's quads are applied to the engine's memory copy, the compiled
shapes run on the nodes it reaches, and the quads are taken out again, whatever the verdict.
No reader may start during that window, or it could see a write that is then refused.

The engine reads from a snapshot taken when a read starts (a query, a pattern scan), and
commits a delta in one transaction, so:

- a reader needs the store only while it *starts* (``reading``); commits do not stop it;
- the checks that read the state before a write in many scans need it unchanged meanwhile
  (``stable``): commits wait for them, readers do not;
- a commit (``committing``) waits for those checks and for a tentative write, not for readers;
- a tentative write (``tentative``) has the store to itself: no read starts, no commit.

Whoever waits for a change goes before new arrivals that would keep it waiting, so a stream
of readers cannot starve a tentative write, nor a stream of checks a commit. A tentative
write holds readers back only while its checks run (milliseconds for a few triples, about
half a second for a thousand at a million triples).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Isolation:
    """Who may use the store at once: see the module docstring."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._starting = 0  # reads starting
        self._stable = 0  # checks reading the state before a write
        self._committing = False
        self._tentative = False
        self._commits_waiting = 0
        self._tentatives_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Start a read: waits while a tentative write is applied or waits to be."""
        with self._condition:
            while self._tentative or self._tentatives_waiting:
                self._condition.wait()
            self._starting += 1
        try:
            yield
        finally:
            with self._condition:
                self._starting -= 1
                self._condition.notify_all()

    @contextmanager
    def stable(self) -> Iterator[None]:
        """Read the state before a write in many scans: no change meanwhile."""
        with self._condition:
            while (
                self._tentative
                or self._tentatives_waiting
                or self._committing
                or self._commits_waiting
            ):
                self._condition.wait()
            self._stable += 1
        try:
            yield
        finally:
            with self._condition:
                self._stable -= 1
                self._condition.notify_all()

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Commit a delta (one engine transaction): readers go on."""
        with self._condition:
            self._commits_waiting += 1
            try:
                while self._tentative or self._committing or self._stable:
                    self._condition.wait()
            finally:
                self._commits_waiting -= 1
            self._committing = True
        try:
            yield
        finally:
            with self._condition:
                self._committing = False
                self._condition.notify_all()

    @contextmanager
    def tentative(self) -> Iterator[None]:
        """Apply a write that may be refused, then take it out: the store to itself."""
        with self._condition:
            self._tentatives_waiting += 1
            try:
                while self._tentative or self._committing or self._stable or self._starting:
                    self._condition.wait()
            finally:
                self._tentatives_waiting -= 1
            self._tentative = True
        try:
            yield
        finally:
            with self._condition:
                self._tentative = False
                self._condition.notify_all()

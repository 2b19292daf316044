"""Children of the test process: a parse or a bounded decoder must leave none behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def _children() -> set[int]:
    """Processes whose parent is this one (read from /proc: no other portable way)."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def no_child_left() -> Iterator[None]:
    before = _children()
    yield
    assert _children() <= before

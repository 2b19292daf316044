"""Resource limits a forked worker puts on itself (the query engine, the parser process).

``RLIMIT_DATA`` counts the data segment and every private mapping (since Linux 4.7), so an
allocation past it fails where it is made: the worker stops, the server does not.
"""

from __future__ import annotations

import resource


def data_size() -> int | None:
    """Bytes of this process's data segment and private mappings (what ``RLIMIT_DATA``
    counts); None where ``/proc`` does not say (not Linux)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def lower_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to ``soft`` (and ``hard``, default the same), never raise one."""
    _, current = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def cap_data_growth(extra: int) -> None:
    """Let this process grow by ``extra`` bytes beyond what it holds now, no more."""
    size = data_size()
    if extra > 0 and size is not None:
        lower_limit(resource.RLIMIT_DATA, size + extra)

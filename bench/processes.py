"""The bench stops what it starts, however it ends.

Every process the harness starts (a build, a load, a server and whatever it forks, such as
esskg's query engine) runs in a process group of its own, registered here until it ends.
When the harness exits (normally, on an exception, Ctrl-C, or a ``SIGTERM`` from a time
limit), each group still running is sent ``SIGTERM``, then ``SIGKILL`` after a grace
period: an interrupted run never leaves an Oxigraph server holding its store's lock for the
next run to trip over.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path
from types import FrameType
from typing import Any

_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()
_GRACE_S = 10.0


def spawn(argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` in a new process group, stopped with the harness."""
    process: subprocess.Popen[bytes] = subprocess.Popen(argv, start_new_session=True, **options)
    with _LOCK:
        _RUNNING.add(process)
    return process


def run(argv: list[str], cwd: Path | None = None) -> None:
    """Run ``argv`` to its end (a spawned, registered child); raise if it failed."""
    process = spawn(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = process.communicate()
    forget(process)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({process.returncode}):\n{output.decode()[-2000:]}")


def forget(process: subprocess.Popen[bytes]) -> None:
    with _LOCK:
        _RUNNING.discard(process)


def stop(process: subprocess.Popen[bytes], grace: float = _GRACE_S) -> None:
    """``SIGTERM`` to the process's whole group, then ``SIGKILL`` if it lingers."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        group = None
    if group is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    if group is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # what the server forked, too
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    forget(process)


def stop_all() -> None:
    with _LOCK:
        running = list(_RUNNING)
    for process in running:
        stop(process, grace=2.0)


def _on_signal(number: int, _: FrameType | None) -> None:
    stop_all()
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)  # end as that signal would have


def install() -> None:
    """Stop every registered process at exit and on SIGINT, SIGTERM and SIGHUP."""
    atexit.register(stop_all)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _on_signal)

"""The bench stops what it starts: an interrupted harness leaves no server behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import processes

REPO = Path(__file__).resolve().parents[2]

# A harness that starts a "server" (which forks a child of its own, as esskg forks its
# query engine), prints both pids, then waits to be interrupted.
HARNESS = """
import sys, time
from bench import processes
processes.install()
server = processes.spawn(
    [sys.executable, "-c", "import os, time; os.fork(); time.sleep(600)"],
)
time.sleep(0.5)
print(server.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _group(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pid and _alive(int(entry.name)):
                    found.append(int(entry.name))
            except ProcessLookupError:
                continue
    return found


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_harness_stops_every_group_it_started(sent: signal.Signals) -> None:
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert harness.stdout is not None
    server = int(harness.stdout.readline())
    members = _group(server)
    assert len(members) == 2  # the server and what it forked
    harness.send_signal(sent)
    harness.wait(30)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in members) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in members)


def test_stop_ends_the_whole_group() -> None:
    server = processes.spawn([sys.executable, "-c", "import os, time; os.fork(); time.sleep(600)"])
    time.sleep(0.5)
    members = _group(server.pid)
    processes.stop(server, grace=2)
    # SIGKILL is delivered asynchronously: the server's own child ends a moment later (a
    # clean-clone run once saw it still alive right after stop returned)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in members) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in members)

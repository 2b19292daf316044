"""Real servers on 127.0.0.1 for tests over true HTTP: the app in a uvicorn thread around
a given store, or a whole ``esskg serve`` process, as a user starts it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from service.api.app import create_app
from service.api.server import server_config
from service.settings import Settings
from service.store.base import Store
from tests.service.engines import free_port, wait_until


def _answers(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            httpx.get(url, timeout=2)
        except httpx.TransportError:
            return False
        return True

    return probe


@contextmanager
def live_server(settings: Settings, store: Store | None = None) -> Iterator[str]:
    """Serve ``create_app(settings, store)`` in a thread; yields the base URL."""
    port = free_port()
    config = server_config(create_app(settings, store), "127.0.0.1", port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(_answers(base + "/health"), thread.is_alive, 20, "the app")
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_process(root: Path, *, ready_within: float = 30, **env: str) -> Iterator[str]:
    """Run ``esskg serve`` on the project built under ``root``; yields the base URL once it
    answers (within ``ready_within`` seconds: a project with the territory loads longer)."""
    with server_process(root, ready_within=ready_within, log=None, **env) as (base, _):
        yield base


@contextmanager
def server_process(
    root: Path, *, ready_within: float = 30, log: Path | None = None, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``esskg serve`` as :func:`serve_process`, with its process (a test may kill it);
    ``log``: a file for its output (else it is dropped)."""
    port = free_port()
    environment = dict(
        os.environ,
        ESSKG_ROOT=str(root),
        ESSKG_STORE_PATH=str(root / "var" / "store"),
        **env,
    )
    output = log.open("ab") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        alive = lambda: process.poll() is None  # noqa: E731
        wait_until(_answers(base + "/health"), alive, ready_within, "esskg serve")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if log is not None:
            output.close()  # type: ignore[union-attr]

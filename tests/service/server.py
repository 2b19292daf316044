"""A real ``esskg serve`` process on 127.0.0.1, for tests that need a live server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.service.engines import free_port


@contextmanager
def live_server(root: Path, **env: str) -> Iterator[str]:
    """Serve the project built under ``root``; yields the base URL."""
    port = free_port()
    environment = dict(
        os.environ,
        ESSKG_ROOT=str(root),
        ESSKG_STORE_PATH=str(root / "var" / "store"),
        **env,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"esskg serve did not start: {err}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)

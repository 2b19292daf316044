"""Real external SPARQL engines started on 127.0.0.1 for the tests that need one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    ready: Callable[[], bool], alive: Callable[[], bool], seconds: float, what: str
) -> None:
    """Poll ``ready`` until it holds; fail early if the process died, late if it never came."""
    deadline = time.monotonic() + seconds
    while not ready():
        if not alive():
            raise RuntimeError(f"{what} stopped while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {seconds} s")
        time.sleep(0.05)


def oxigraph_binary() -> str | None:
    """The server that the ``oxigraph`` package installs beside the test interpreter."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def _sparql_answers(endpoint: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2).is_success
        except httpx.TransportError:
            return False

    return probe


@contextmanager
def oxigraph_server() -> Iterator[str]:
    """An in-memory Oxigraph server, run as esskg asks: its real default graph holds the union."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed: make install-test")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(_sparql_answers(f"{base}/query"), lambda: process.poll() is None, 20, "oxigraph")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {root}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {root}/vsp
EnabledGzipContent = 0
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""

# Anonymous SPARQL writes are fine for a throw-away instance bound to 127.0.0.1.
_VIRTUOSO_GRANTS = (
    "GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
)


@contextmanager
def virtuoso_server(root: Path) -> Iterator[str]:
    """A fresh Virtuoso database on 127.0.0.1 whose anonymous endpoint may write."""
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed (Debian virtuoso-opensource-7-bin)")
    http, sql = free_port(), free_port()
    db = root / "db"
    for folder in (db, root / "vsp"):
        folder.mkdir(parents=True, exist_ok=True)
    ini = root / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(db=db, root=root, sql=sql, http=http), "utf-8")
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("virtuoso did not start: see " + str(db / "virtuoso.log"))
            time.sleep(0.25)
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", f"exec={_VIRTUOSO_GRANTS}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield base
    finally:
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", "-K"], capture_output=True, timeout=30
        )
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Parsing a client's update where a crash costs nothing: a forked child, offline, timed.

Updates are carried out by the server's write gate, in the server process. The engine's
parser recurses once per nesting level, and a text nested deep enough overflows the stack of
whatever process parses it, so the text is first parsed in a child forked for that purpose:
the child runs the update on an empty store (the engine has no parse-only call) with the
network guard refusing every connection (a ``LOAD`` there fetches nothing), within the time
limit and the query engine's memory ceiling (running it evaluates it: on an empty store a
``WHERE`` matches nothing, but a chain of ``BIND``s doubling a string needs no data), and
reports a syntax error with its position or nothing. Only then does the server parse it. A
child that crashes, runs out of time or out of memory is a refusal, and the server never
saw the text.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import resource
import select
import signal
import time

import pyoxigraph as ox

from service.errors import EvaluationError, QueryCrashed, QuerySyntaxError, QueryTimeout
from service.netguard import GuardUnavailable, protect
from service.process_limits import cap_data_growth, lower_limit


def _child(
    text: str, base_iri: str | None, out: int, memory_bytes: int
) -> None:  # pragma: no cover - child
    report: tuple[str, str, int | None, int | None] | None = None
    faulthandler.disable()  # a crash here is expected and answered; no dump on stderr
    try:
        lower_limit(resource.RLIMIT_CORE, 0)
        cap_data_growth(memory_bytes)
        with contextlib.suppress(GuardUnavailable):
            protect([])
        ox.Store().update(text, base_iri=base_iri)
    except SyntaxError as exc:
        report = ("syntax", str(exc.msg or exc), exc.lineno, exc.offset)
    except BaseException:
        report = None
    with contextlib.suppress(OSError):
        os.write(out, pickle.dumps(report))


def check_update_parses(
    text: str, base_iri: str | None, timeout: float, memory_bytes: int = 1536 << 20
) -> None:
    """Raise the engine's syntax error for ``text``, or a refusal if parsing it is unsafe
    (``memory_bytes``: what the child may take beyond the server's)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read_end)
            _child(text, base_iri, write_end, memory_bytes)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([read_end], [], [], max(0.0, remaining))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise QueryTimeout(f"the update could not be parsed within {timeout:g} s")
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if not chunks and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT:
        raise QueryCrashed(  # the engine aborts when an allocation fails
            "the update needed more memory than the query engine's ceiling (setting "
            "ESSKG_QUERY_MEMORY_MB) while it was checked on an empty store"
        )
    if not chunks:
        raise EvaluationError(
            "the update stopped the parser (signal "
            f"{-os.waitstatus_to_exitcode(status)}): it is too deeply nested or too large"
        )
    report = pickle.loads(b"".join(chunks))
    if report is not None:
        _, message, line, column = report
        if line is not None:
            raise QuerySyntaxError(message, line, column)
        raise QuerySyntaxError.from_engine(message)

"""Parsing a client's update where a crash costs nothing: a forked child, offline, timed.

Updates are carried out by the server's write gate, in the server process. The engine's
parser recurses once per nesting level, and a text nested deep enough overflows the stack of
whatever process parses it, so the text is first parsed in a child forked for that purpose:
the child runs the update on an empty store (the engine has no parse-only call) with the
network guard refusing every connection (a ``LOAD`` there fetches nothing), within the time
limit, and reports a syntax error with its position or nothing. Only then does the server
parse it. A child that crashes or runs out of time is a refusal, and the server never saw
the text.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import select
import signal
import time

import pyoxigraph as ox

from service.errors import EvaluationError, QuerySyntaxError, QueryTimeout
from service.netguard import GuardUnavailable, protect


def _child(text: str, base_iri: str | None, out: int) -> None:  # pragma: no cover - child
    report: tuple[str, str, int | None, int | None] | None = None
    faulthandler.disable()  # a crash here is expected and answered; no dump on stderr
    try:
        with contextlib.suppress(GuardUnavailable):
            protect([])
        ox.Store().update(text, base_iri=base_iri)
    except SyntaxError as exc:
        report = ("syntax", str(exc.msg or exc), exc.lineno, exc.offset)
    except BaseException:
        report = None
    with contextlib.suppress(OSError):
        os.write(out, pickle.dumps(report))


def check_update_parses(text: str, base_iri: str | None, timeout: float) -> None:
    """Raise the engine's syntax error for ``text``, or a refusal if parsing it is unsafe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read_end)
            _child(text, base_iri, write_end)
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

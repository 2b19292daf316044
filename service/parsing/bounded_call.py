"""A decoder of a client's file run in a forked child with the RDF parser's limits.

The RDF parser's child (``service.parsing.isolated``) is specialised: it streams N-Quads
back. Other files a client sends are decoded by libraries with no bounds of their own
(openpyxl reading a partner's XLSX: a zip of XML, which a few kilobytes can make expand to
gigabytes). :func:`call_bounded` runs such a decoder, a module-level function, in a child
forked for it, confined as the parser is (``worker.confine``: memory beyond the server's,
CPU, no core dump, only its pipe open), killed at the time limit, within the same slots
(one per CPU, ``ESSKG_CLIENT_PARSES`` per client). The child sends back its result or the
exception it raised, pickled; a death is the parser's typed error (out of time, out of
memory, crashed). The server never runs the decoder itself.
"""

from __future__ import annotations

import math
import os
import pickle
import select
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from service.errors import ParseMemoryExceeded, ParserCrashed, ParseTimeout
from service.parsing.isolated import Child, death_of, parser_slot
from service.parsing.limits import ParseLimits
from service.parsing.worker import confine

T = TypeVar("T")
_READ = 1 << 16


def call_bounded(
    function: Callable[..., T], args: tuple[Any, ...], limits: ParseLimits, client: str = ""
) -> T:
    """``function(*args)`` in a bounded child: its result, or the exception it raised."""
    with parser_slot(limits, client):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, which never returns
            _child(write_fd, function, args, limits)
        os.close(write_fd)
        child = Child(pid)
        try:
            reply = _collect(read_fd, child, limits, time.monotonic() + limits.timeout)
        finally:
            os.close(read_fd)
            child.stop()
    status, value = pickle.loads(reply)
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "memory":
        raise ParseMemoryExceeded(limits.memory_bytes)
    assert isinstance(value, BaseException)
    raise value


def _collect(fd: int, child: Child, limits: ParseLimits, deadline: float) -> bytes:
    """The child's whole reply, or the typed error for its death or its time running out."""
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
            raise ParseTimeout(
                f"decoding the file was stopped at the {limits.timeout:g} s limit "
                "(setting ESSKG_PARSE_TIMEOUT)"
            )
        chunk = os.read(fd, _READ)
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        raise death_of(child, limits)
    return b"".join(chunks)


def _child(
    out_fd: int, function: Callable[..., Any], args: tuple[Any, ...], limits: ParseLimits
) -> NoReturn:  # pragma: no cover - runs in the child
    code = 0
    try:
        confine(out_fd, limits)
        reply: tuple[str, object]
        try:
            reply = ("ok", function(*args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:  # the decoder's own refusal, sent back as it is
            reply = ("error", exc)
        try:
            body = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that does not pickle: its words do
            failed = reply[1] if reply[0] == "error" else exc
            body = pickle.dumps(("error", ParserCrashed(f"{type(failed).__name__}: {failed}")))
        with os.fdopen(out_fd, "wb") as out:
            out.write(body)
    except BaseException:  # the process boundary: nothing may unwind into the server's frames
        code = 1
    finally:
        os._exit(code)

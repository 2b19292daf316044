"""A client's RDF, parsed by the engine in a child process that has limits the server lacks.

The engine's parsers cannot be interrupted or bounded from Python, and a few hundred
hostile bytes can make one ask for gigabytes, recurse until the stack overflows, or run for
minutes. A process can be bounded: each request's documents are parsed in a child forked
for them, with its memory capped (``RLIMIT_AS``: what it inherited plus
``ESSKG_PARSE_MEMORY_BYTES``), its CPU time capped (``RLIMIT_CPU``), no core dump, and
killed at the time limit (``ESSKG_QUERY_TIMEOUT``). The checks of ``service.parsing.guard``
run there first, so their own cost is bounded too.

The child hands back N-Quads without RDF 1.2 triple terms (refused: the service cannot
store them), that is flat lines, which the server reads with the engine's N-Quads parser:
linear, no nesting, no entities. The server keeps at most ``max_output_bytes`` of them.

How a child can end, and what the client gets (the statuses are in ``api/problems``):

- the documents parsed: their quads;
- a syntax error, or a refused form (DOCTYPE, nesting, triple terms): 400, with the line;
- past the time limit, or its CPU limit: :class:`ParseTimeout` (503);
- out of memory (the engine aborts when an allocation fails), or its output past the
  bound: :class:`ParseMemoryExceeded`, :class:`PayloadTooLarge` (413);
- any other death (a signal): :class:`ParserCrashed` (422). The server never goes down.

At most one child per CPU runs at once; a request waits for a free one within the time
limit, so the memory all parsers may take is bounded as well.

The child is forked from the server, which is multi-threaded: it touches nothing of the
parent's but the documents, the engine's parser and one pipe, closes every other
descriptor, and leaves with ``os._exit`` so no finaliser of the parent's objects runs there.
"""

from __future__ import annotations

import json
import math
import os
import resource
import select
import signal
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, NoReturn

import pyoxigraph as ox

from service.errors import (
    EsskgError,
    ParseMemoryExceeded,
    ParserCrashed,
    ParseTimeout,
    PayloadTooLarge,
    RdfRefused,
    RdfSyntaxError,
)
from service.formats import NQUADS, Format
from service.parsing.guard import check_document
from service.settings import Settings

#: The parsed triples, as N-Quads, may take this many times the largest body (real data
#: grows 2 to 3.5 times from Turtle to N-Quads).
OUTPUT_FACTOR = 8

#: Parsers running at once, process-wide.
_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 2)

#: Frames on the pipe: one kind byte and a length, then the payload.
_HEADER = struct.Struct("!cI")
_QUADS, _ERROR, _DONE = b"Q", b"E", b"K"
_BATCH = 4096
_READ = 1 << 16


@dataclass(frozen=True)
class ParseLimits:
    """The bounds one request's documents are parsed within."""

    max_nesting: int
    timeout: float
    memory_bytes: int
    max_output_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(
            max_nesting=settings.max_nesting,
            timeout=settings.query_timeout,
            memory_bytes=settings.parse_memory_bytes,
            max_output_bytes=OUTPUT_FACTOR * settings.max_body_bytes,
        )


def parse_documents(
    documents: Sequence[tuple[Format, bytes]], base_iri: str | None, limits: ParseLimits
) -> list[ox.Quad]:
    """The quads of ``documents`` (one request's), parsed in a bounded child process."""
    if not _SLOTS.acquire(timeout=limits.timeout):
        raise ParseTimeout(
            f"no RDF parser became free within the {limits.timeout:g} s limit; try again"
        )
    try:
        nquads = _run_child(documents, base_iri, limits)
    finally:
        _SLOTS.release()
    return list(ox.parse(nquads, format=NQUADS.oxigraph_rdf))


# -- the server's side ----------------------------------------------------------------------


class _Child:
    """A forked parser, reaped exactly once (a reaped pid may name another process)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._ended: tuple[int, resource.struct_rusage] | None = None

    def wait(self) -> tuple[int, resource.struct_rusage]:
        """Its exit status and resource usage, once it has ended."""
        if self._ended is None:
            _, status, usage = os.wait4(self.pid, 0)
            self._ended = (status, usage)
        return self._ended

    def stop(self) -> None:
        if self._ended is None:
            os.kill(self.pid, signal.SIGKILL)  # done, or given up on: nothing more to hear
            self.wait()


def _run_child(
    documents: Sequence[tuple[Format, bytes]], base_iri: str | None, limits: ParseLimits
) -> bytes:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        _child_main(write_fd, documents, base_iri, limits)
    os.close(write_fd)
    child = _Child(pid)
    deadline = time.monotonic() + limits.timeout
    try:
        return _collect(read_fd, child, len(documents), limits, deadline)
    finally:
        os.close(read_fd)
        child.stop()


def _collect(fd: int, child: _Child, count: int, limits: ParseLimits, deadline: float) -> bytes:
    """Read the child's frames until it is done, fails, dies or runs out of time."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    pending = bytearray()
    quads: list[bytes] = []
    size = 0
    while True:
        frame = _next_frame(pending)
        if frame is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(math.ceil(remaining * 1000)):
                raise ParseTimeout(
                    f"parsing the RDF payload was stopped at the {limits.timeout:g} s limit "
                    "(setting ESSKG_QUERY_TIMEOUT)"
                )
            chunk = os.read(fd, _READ)
            if not chunk:
                raise _death(child, limits)
            pending += chunk
            continue
        kind, payload = frame
        if kind == _QUADS:
            size += len(payload)
            if size > limits.max_output_bytes:
                raise PayloadTooLarge("body, once parsed (as N-Quads),", limits.max_output_bytes)
            quads.append(payload)
        elif kind == _ERROR:
            raise _error(json.loads(payload), count, limits)
        else:
            return b"".join(quads)


def _next_frame(pending: bytearray) -> tuple[bytes, bytes] | None:
    if len(pending) < _HEADER.size:
        return None
    kind, length = _HEADER.unpack_from(pending)
    end = _HEADER.size + length
    if len(pending) < end:
        return None
    payload = bytes(pending[_HEADER.size : end])
    del pending[:end]
    return kind, payload


def _error(report: dict[str, Any], count: int, limits: ParseLimits) -> EsskgError:
    """The typed error for what the child reported."""
    kind, message, line = report["kind"], report["message"], report.get("line")
    if kind == "refused":
        return RdfRefused(message, line)
    if kind == "memory":
        return ParseMemoryExceeded(limits.memory_bytes)
    source = "<request body>" if count == 1 else f"<part {report['document'] + 1}>"
    return RdfSyntaxError(message, source, line, report.get("column"))


def _death(child: _Child, limits: ParseLimits) -> EsskgError:
    """The typed error for a child that ended without a report."""
    status, usage = child.wait()
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        cpu = usage.ru_utime + usage.ru_stime
        if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= _cpu_seconds(limits)):
            return ParseTimeout(
                f"parsing the RDF payload used up its {_cpu_seconds(limits)} s of CPU "
                "(setting ESSKG_QUERY_TIMEOUT)"
            )
        if number in (signal.SIGABRT, signal.SIGKILL):  # a failed allocation; the OOM killer
            return ParseMemoryExceeded(limits.memory_bytes)
        return ParserCrashed(
            f"the RDF parser stopped on this payload ({signal.Signals(number).name})"
        )
    return ParserCrashed(
        f"the RDF parser stopped on this payload (exit status {os.WEXITSTATUS(status)})"
    )


def _cpu_seconds(limits: ParseLimits) -> int:
    return math.ceil(limits.timeout) + 1


# -- the child ------------------------------------------------------------------------------


def _child_main(
    out_fd: int,
    documents: Sequence[tuple[Format, bytes]],
    base_iri: str | None,
    limits: ParseLimits,
) -> NoReturn:
    """The child's whole life: confine itself, parse, report. Never returns."""
    code = 0
    try:
        _confine(out_fd, limits)
        with os.fdopen(out_fd, "wb") as out:
            _parse_into(out, documents, base_iri, limits.max_nesting)
    except BaseException:  # the process boundary: nothing may unwind into the parent's frames
        code = 1
    finally:
        os._exit(code)


def _confine(keep: int, limits: ParseLimits) -> None:
    """Only the pipe open, default signal handling, and the memory, CPU and core limits."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the engine writes to stderr when it aborts
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGXCPU):
        signal.signal(number, signal.SIG_DFL)
    _lower(resource.RLIMIT_CORE, 0)
    # SIGXCPU at the soft limit, SIGKILL a second later if it is ignored
    _lower(resource.RLIMIT_CPU, _cpu_seconds(limits), _cpu_seconds(limits) + 1)
    mapped = _address_space()
    if mapped is not None:
        _lower(resource.RLIMIT_AS, mapped + limits.memory_bytes)


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to ``soft`` (and ``hard``, default the same), never raise one."""
    _, current = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int | None:
    """The bytes this process has mapped (it inherited the server's); Linux only."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _nquads(quads: list[ox.Quad]) -> bytes:
    out = ox.serialize(quads, format=NQUADS.oxigraph_rdf)
    assert out is not None
    return out


def _parse_into(
    out: IO[bytes],
    documents: Sequence[tuple[Format, bytes]],
    base_iri: str | None,
    max_nesting: int,
) -> None:
    def send(kind: bytes, payload: bytes) -> None:
        out.write(_HEADER.pack(kind, len(payload)))
        out.write(payload)

    def report(kind: str, message: str, index: int, line: Any = None, column: Any = None) -> None:
        body = {"kind": kind, "message": message, "document": index, "line": line, "column": column}
        send(_ERROR, json.dumps(body).encode())

    for index, (fmt, body) in enumerate(documents):
        try:
            check_document(body, fmt, max_nesting)
            batch: list[ox.Quad] = []
            for quad in ox.parse(body, format=fmt.oxigraph_rdf, base_iri=base_iri):
                if isinstance(quad.object, ox.Triple):
                    raise RdfRefused("RDF 1.2 triple terms (<<( … )>>, reifiers) are not taken")
                batch.append(quad)
                if len(batch) == _BATCH:
                    send(_QUADS, _nquads(batch))
                    batch.clear()
            if batch:
                send(_QUADS, _nquads(batch))
        except RdfRefused as exc:
            report("refused", exc.message, index, exc.line)
        except SyntaxError as exc:
            report("syntax", str(exc.msg or exc), index, exc.lineno, exc.offset)
        except ValueError as exc:  # the engine's word for a base IRI it cannot use
            report("syntax", str(exc), index)
        except MemoryError:
            report("memory", "", index)
        else:
            continue
        return
    send(_DONE, b"")

"""A client's RDF, parsed by the engine in a child process that has limits the server lacks.

The engine's parsers cannot be interrupted or bounded from Python, and a few hundred
hostile bytes can make one ask for gigabytes, recurse until the stack overflows, or run for
minutes. A process can be bounded: each request's documents are parsed in a child forked
for them (``worker``), with its memory capped (``RLIMIT_DATA``: what it inherited plus
``ESSKG_PARSE_MEMORY_BYTES``), its CPU time capped (``RLIMIT_CPU``), no core dump, and
killed at the time limit (``ESSKG_PARSE_TIMEOUT``). The checks of ``guard`` run there
first, so their own cost is bounded too.

The child hands back N-Quads without triple terms, flat lines, which the server reads with
the engine's N-Quads parser: linear, no nesting, no entities. The server keeps at most
``max_output_bytes`` of them. A document that is already such lines (N-Triples or N-Quads
with no ``<<``, so no triple term, within that bound) is read here the same way, with no
child: a child costs the server a fork, whose page-table copy and copy-on-write faults grow
with the server's memory and hold its interpreter lock, so every one-triple write slowed
every reader (half the lookups of a steady stream of writes at 100k triples).

How a child can end, and what the client gets (the statuses are in ``api/problems``):

- the documents parsed: their quads;
- a syntax error, or a refused form (DOCTYPE, nesting, triple terms): 400, with the line;
- past the time limit, or its CPU limit: :class:`ParseTimeout` (503);
- out of memory (the engine aborts when an allocation fails; the OOM killer), or its
  output past the bound: :class:`ParseMemoryExceeded`, :class:`PayloadTooLarge` (413);
- any other death (a signal; SIGSEGV when deep recursion overflows its stack):
  :class:`ParserCrashed` (422). The server never goes down.

At most one child per CPU (four at most) runs at once; a request waits for a free one within
the time limit, so the memory all parsers may take together is bounded as well. One client
(its address) may have at most ``client_parses`` of them (``ESSKG_CLIENT_PARSES``, default
1), counted as the query engine counts a client's queries (``service.sparql.fairness``): a
client's second payload waits for its first, then gets 429, and never takes the slot an
innocent ``/validate`` needs (two 200 KB JSON-LD bombs from one address held both slots of a
two-CPU server for 30 s).
"""

from __future__ import annotations

import json
import math
import os
import resource
import select
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox

from service.errors import (
    EsskgError,
    ParseMemoryExceeded,
    ParserCrashed,
    ParseTimeout,
    PayloadTooLarge,
    RdfRefused,
    RdfSyntaxError,
    TooManyParses,
)
from service.formats import NQUADS, NTRIPLES, Format
from service.parsing import worker
from service.parsing.limits import ParseLimits
from service.sparql.fairness import ClientSlots

#: Parsers running at once, process-wide: one per CPU (parsing is CPU-bound), four at most
#: (together they may take that many times ``ESSKG_PARSE_MEMORY_BYTES``).
_SLOTS = threading.BoundedSemaphore(min(4, os.cpu_count() or 1))
#: Each client's share of them, by the share's size (one per setting in practice).
_CLIENT_SLOTS: dict[int, ClientSlots] = {}
_CLIENT_SLOTS_LOCK = threading.Lock()
_READ = 1 << 16


def _too_many_parses(limit: int) -> TooManyParses:
    return TooManyParses(
        f"this client already has {limit} RDF payload(s) being parsed; send the next one "
        "when one is done (setting ESSKG_CLIENT_PARSES)"
    )


def _client_slots(limit: int) -> ClientSlots:
    with _CLIENT_SLOTS_LOCK:
        found = _CLIENT_SLOTS.get(limit)
        if found is None:
            found = _CLIENT_SLOTS[limit] = ClientSlots(limit, _too_many_parses)
        return found


def parse_documents(
    documents: Sequence[tuple[Format, bytes]],
    base_iri: str | None,
    limits: ParseLimits,
    client: str = "",
) -> list[ox.Quad]:
    """The quads of ``documents`` (one request's), parsed in a bounded child process, or
    here when they are flat lines already; ``client``: the sender's address, for its share
    of the parsers."""
    if _flat(documents, limits):
        return _parse_flat(documents, base_iri)
    with parser_slot(limits, client):
        nquads = _run_child(documents, base_iri, limits)
    return list(ox.parse(nquads, format=NQUADS.oxigraph_rdf))


def _flat(documents: Sequence[tuple[Format, bytes]], limits: ParseLimits) -> bool:
    """Whether the documents are what a child would send back: N-Triples or N-Quads lines
    with no triple term (RDF 1.2 writes every one of them, and its reifiers, with ``<<``;
    an IRI cannot hold ``<``, so the test also catches ``<<`` in literals, which then go to
    a child as before), no larger than a child's output may be."""
    return all(fmt in (NTRIPLES, NQUADS) for fmt, _ in documents) and (
        sum(len(body) for _, body in documents) <= limits.max_output_bytes
        and not any(b"<<" in body for _, body in documents)
    )


def _parse_flat(documents: Sequence[tuple[Format, bytes]], base_iri: str | None) -> list[ox.Quad]:
    """Flat documents read with the engine's line parsers, errors reported as a child's."""
    quads: list[ox.Quad] = []
    for index, (fmt, body) in enumerate(documents):
        try:
            quads.extend(ox.parse(body, format=fmt.oxigraph_rdf, base_iri=base_iri))
        except (SyntaxError, ValueError) as exc:
            message, line, column = worker.engine_error(exc)
            raise _syntax_error(message, index, len(documents), line, column) from exc
    return quads


@contextmanager
def parser_slot(limits: ParseLimits, client: str) -> Iterator[None]:
    """One of the parser slots, within ``client``'s share, for the block (every child
    that decodes a client's file takes one: ``service.parsing.bounded_call`` too)."""
    deadline = time.monotonic() + limits.timeout
    with _client_slots(limits.client_parses).hold(client, deadline):
        if not _SLOTS.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ParseTimeout(
                f"no parser became free within the {limits.timeout:g} s limit; try again"
            )
        try:
            yield
        finally:
            _SLOTS.release()


class Child:
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
        worker.run(write_fd, documents, base_iri, limits)
    os.close(write_fd)
    child = Child(pid)
    deadline = time.monotonic() + limits.timeout
    try:
        return _collect(read_fd, child, len(documents), limits, deadline)
    finally:
        os.close(read_fd)
        child.stop()


def _collect(fd: int, child: Child, count: int, limits: ParseLimits, deadline: float) -> bytes:
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
                    "(setting ESSKG_PARSE_TIMEOUT)"
                )
            chunk = os.read(fd, _READ)
            if not chunk:
                raise death_of(child, limits)
            pending += chunk
            continue
        kind, payload = frame
        if kind == worker.QUADS:
            size += len(payload)
            if size > limits.max_output_bytes:
                raise PayloadTooLarge("body, once parsed (as N-Quads),", limits.max_output_bytes)
            quads.append(payload)
        elif kind == worker.ERROR:
            raise _error(json.loads(payload), count, limits)
        else:
            return b"".join(quads)


def _next_frame(pending: bytearray) -> tuple[bytes, bytes] | None:
    if len(pending) < worker.HEADER.size:
        return None
    kind, length = worker.HEADER.unpack_from(pending)
    end = worker.HEADER.size + length
    if len(pending) < end:
        return None
    payload = bytes(pending[worker.HEADER.size : end])
    del pending[:end]
    return kind, payload


def _error(report: dict[str, Any], count: int, limits: ParseLimits) -> EsskgError:
    """The typed error for what the child reported."""
    kind, message, line = report["kind"], report["message"], report.get("line")
    if kind == "refused":
        return RdfRefused(message, line)
    if kind == "memory":
        return ParseMemoryExceeded(limits.memory_bytes)
    return _syntax_error(message, report["document"], count, line, report.get("column"))


def _syntax_error(
    message: str, document: int, count: int, line: int | None = None, column: int | None = None
) -> RdfSyntaxError:
    """A syntax error in the ``document``-th of ``count`` documents, at its position."""
    source = "<request body>" if count == 1 else f"<part {document + 1}>"
    return RdfSyntaxError(message, source, line, column)


def death_of(child: Child, limits: ParseLimits) -> EsskgError:
    """The typed error for a child that ended without a report."""
    status, usage = child.wait()
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        cpu = usage.ru_utime + usage.ru_stime
        if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= limits.cpu_seconds):
            return ParseTimeout(
                f"parsing the RDF payload used up its {limits.cpu_seconds} s of CPU "
                "(setting ESSKG_PARSE_TIMEOUT)"
            )
        if number in (signal.SIGABRT, signal.SIGKILL):  # a failed allocation; the OOM killer
            return ParseMemoryExceeded(limits.memory_bytes)
        return ParserCrashed(
            f"the RDF parser stopped on this payload ({signal.Signals(number).name})"
        )
    return ParserCrashed(
        f"the RDF parser stopped on this payload (exit status {os.WEXITSTATUS(status)})"
    )

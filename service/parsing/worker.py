"""The parser process's whole life: confine itself, check and parse the documents, and
write what it found to its pipe as frames. Runs in a child forked by ``isolated``.

A frame is one kind byte and a length, then the payload: ``Q`` N-Quads (a batch of quads,
never an RDF 1.2 triple term: the service cannot store them, and so what goes back is
flat), ``E`` a JSON report of why it stopped (the last frame), ``K`` done (the last frame).
The engine writes to stderr when it aborts, so stdin, stdout and stderr are ``/dev/null``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
from collections.abc import Sequence
from typing import IO, Any, NoReturn

import pyoxigraph as ox

from service.errors import RdfRefused
from service.formats import NQUADS, Format
from service.parsing.guard import check_document
from service.parsing.limits import ParseLimits
from service.process_limits import cap_data_growth, lower_limit

HEADER = struct.Struct("!cI")
QUADS, ERROR, DONE = b"Q", b"E", b"K"
_BATCH = 4096


def engine_error(exc: SyntaxError | ValueError) -> tuple[str, int | None, int | None]:
    """The engine's parse error as (message, line, column): a ``SyntaxError`` at its
    position, a ``ValueError`` (its word for a base IRI it cannot use) at none. One reading,
    here in a child and in the server for the flat documents it parses itself."""
    if isinstance(exc, SyntaxError):
        return str(exc.msg or exc), exc.lineno, exc.offset
    return str(exc), None, None


def run(
    out_fd: int,
    documents: Sequence[tuple[Format, bytes]],
    base_iri: str | None,
    limits: ParseLimits,
) -> NoReturn:
    """Never returns: the process leaves with ``os._exit``, so no finaliser of the server's
    objects (whose copies it holds) ever runs here."""
    code = 0
    try:
        confine(out_fd, limits)
        with os.fdopen(out_fd, "wb") as out:
            _parse_into(out, documents, base_iri, limits.max_nesting)
    except BaseException:  # the process boundary: nothing may unwind into the server's frames
        code = 1
    finally:
        os._exit(code)


def confine(keep: int, limits: ParseLimits) -> None:
    """Only the pipe ``keep`` open, default signal handling, and the memory, CPU and core
    limits (``service.parsing.bounded_call`` confines its children the same way)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, _highest_descriptor())
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGXCPU):
        signal.signal(number, signal.SIG_DFL)
    lower_limit(resource.RLIMIT_CORE, 0)
    # SIGXCPU at the soft limit, SIGKILL a second later if it is ignored
    lower_limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1)
    cap_data_growth(limits.memory_bytes)


def _highest_descriptor() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < 1 << 24 else 1 << 20


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
        out.write(HEADER.pack(kind, len(payload)))
        out.write(payload)

    def report(kind: str, message: str, index: int, line: Any = None, column: Any = None) -> None:
        body = {"kind": kind, "message": message, "document": index, "line": line, "column": column}
        send(ERROR, json.dumps(body).encode())

    for index, (fmt, body) in enumerate(documents):
        try:
            check_document(body, fmt, max_nesting)
            batch: list[ox.Quad] = []
            for quad in ox.parse(body, format=fmt.oxigraph_rdf, base_iri=base_iri):
                if isinstance(quad.object, ox.Triple):
                    raise RdfRefused("RDF 1.2 triple terms (<<( … )>>, reifiers) are not taken")
                batch.append(quad)
                if len(batch) == _BATCH:
                    send(QUADS, _nquads(batch))
                    batch.clear()
            if batch:
                send(QUADS, _nquads(batch))
        except RdfRefused as exc:
            report("refused", exc.message, index, exc.line)
        except (SyntaxError, ValueError) as exc:
            message, line, column = engine_error(exc)
            report("syntax", message, index, line, column)
        except MemoryError:
            report("memory", "", index)
        else:
            continue
        return
    send(DONE, b"")

"""An answer written for the client that reads it, within the row cap.

The engine's own serialisations are kept where clients read them as they are (SPARQL JSON,
XML, N-Triples, N-Quads). Two are written here instead:

* an ASK answer in CSV or TSV, which the CSV/TSV results specification leaves undefined: the
  engine writes a bare ``true``, which table readers (rdflib, pandas) take for a header with
  no rows. Fuseki's convention, which Jena's readers parse back as a boolean, has a header:
  ``_askResult`` (CSV) or ``?_askResult`` (TSV), then ``true`` or ``false``;
* RDF meant to be read (Turtle, TriG, RDF/XML, JSON-LD): each subject once, with prefixes,
  compact JSON-LD (``service.formats.write_triples``), from the engine's N-Triples.
"""

from __future__ import annotations

from service.formats import (
    NTRIPLES,
    RESULTS_CSV,
    RESULTS_TSV,
    Format,
    rewrite_ntriples,
)
from service.store.base import QueryKind, QueryResult

#: RDF formats whose answers are rewritten to be read (see the module docstring).
READABLE = frozenset({"turtle", "trig", "rdfxml", "jsonld"})


def ask_table(answer: bool, fmt: Format) -> bytes:
    """An ASK answer as a one-column table (CSV or TSV), the way Fuseki writes it."""
    value = "true" if answer else "false"
    if fmt == RESULTS_TSV:  # equal, not the same object: jobs cross processes
        return f"?_askResult\n{value}\n".encode()
    return f"_askResult\r\n{value}\r\n".encode()


def write_answer(
    result: QueryResult, fmt: Format, cap: int | None, *, context: str | None = None
) -> tuple[bytes, bool]:
    """The answer in ``fmt``, at most ``cap`` rows or triples (None: all), and whether it
    was cut. ``context``: the URL of the JSON-LD context a JSON-LD answer refers to."""
    if result.kind is QueryKind.ASK and fmt in (RESULTS_CSV, RESULTS_TSV):
        return ask_table(result.boolean, fmt), False
    readable = result.kind is QueryKind.GRAPH and fmt.name in READABLE
    written = NTRIPLES if readable else fmt
    body, truncated = (
        (result.serialize(written), False) if cap is None else result.serialize_capped(written, cap)
    )
    if readable:
        body = rewrite_ntriples(body, fmt, context=context)
    return body, truncated

"""At most N rows of a SELECT answer, in any results format: the row cap on the stream itself.

The cap used to be a ``LIMIT`` spliced into the query text, which holds only if the text is
read exactly as the engine reads it (a ``#`` hidden in what looked like an IRI was enough
to make the splice believe a ``LIMIT 1`` was there). Here the answer is cut where it is
produced: at most ``cap + 1`` solutions are ever taken from the engine's lazy iterator, so
the engine also stops evaluating there, whatever the text said.

The engine serialises only whole answers, so the kept rows are written once as SPARQL JSON
results (the one format simple to write exactly) and, for any other format, read back by the
engine and serialised by it: XML, CSV and TSV keep the engine's own spelling.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

import pyoxigraph as ox

from service.formats import Format

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIRLANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

EngineTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def json_term(term: EngineTerm) -> dict[str, Any]:
    """One term as the SPARQL 1.1 (and 1.2) JSON results format writes it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANGSTRING, _RDF_DIRLANGSTRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": json_term(term.subject),
                "predicate": json_term(term.predicate),
                "object": json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def capped_solutions(
    variables: Sequence[str],
    solutions: Iterable[Sequence[EngineTerm | None]],
    fmt: Format,
    cap: int,
) -> tuple[bytes, bool]:
    """The first ``cap`` solutions in ``fmt``, and whether there were more.

    ``solutions`` yields one value (or None) per variable, in ``variables`` order; only
    ``cap + 1`` of them are ever taken.
    """
    bindings = []
    more = False
    for count, values in enumerate(islice(solutions, cap + 1)):
        if count == cap:
            more = True
            break
        bindings.append(
            {
                name: json_term(value)
                for name, value in zip(variables, values, strict=True)
                if value is not None
            }
        )
    document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt.name == "json":
        return body, more
    reread = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    out = reread.serialize(format=fmt.oxigraph_results)
    assert out is not None  # no output stream given: the engine returns bytes
    return out, more

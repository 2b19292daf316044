"""A bound on the work a JSON-LD document's scoped contexts ask of the parser.

A term or a type may carry a context of its own (a *scoped* context), which the JSON-LD
algorithms process again at every node object it applies to. So the work grows as the size
of the scoped contexts times the number of nodes: 200 KB defining 4,000 terms in one
type-scoped context and 2,000 nodes of that type took 31 s of CPU (about 3 µs per term per
node), while the same bytes without scoping parse in milliseconds. The parser process's
time limit stops such a document, but only after it has held a parser for the whole limit.

So before the engine sees a JSON-LD document its scoped contexts' term definitions are
counted, and so are its objects (an upper bound on the nodes they can apply to); a document
whose product passes :data:`SCOPED_WORK` (about three seconds) is refused with 400. Real
documents rarely scope contexts, and scope small ones. The document is read with Python's
JSON parser, in the parser process, after its nesting has been bounded.
"""

from __future__ import annotations

import json
from typing import Any

from service.errors import RdfRefused

#: Scoped term definitions times objects: about 3 s of the engine's JSON-LD processing.
SCOPED_WORK = 1_000_000


def check_scoped_work(body: bytes, limit: int = SCOPED_WORK) -> None:
    """Raise :class:`RdfRefused` when ``body``'s scoped contexts would be applied past
    ``limit`` term definitions in all; a document that is not JSON is left to the engine,
    which reports the syntax error."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return
    scoped, objects = _count(document)
    if scoped and scoped * objects > limit:
        raise RdfRefused(
            f"the JSON-LD document's scoped contexts define {scoped} terms, applied to as many "
            f"as {objects} objects: more work than this service takes ({limit:,} term "
            "applications); define the terms in the top-level context instead"
        )


def _count(document: Any) -> tuple[int, int]:
    """(term definitions in scoped contexts, objects) of a JSON value."""
    scoped = objects = 0
    # (value, inside a context?) — iterative: the depth is bounded, the width is not
    pending: list[tuple[Any, bool]] = [(document, False)]
    while pending:
        value, in_context = pending.pop()
        if isinstance(value, list):
            pending.extend((item, in_context) for item in value)
        elif isinstance(value, dict):
            objects += 1
            for key, item in value.items():
                if key == "@context":
                    if in_context:  # a term's (or a type's) own context
                        scoped += _terms(item)
                    pending.append((item, True))
                else:
                    pending.append((item, in_context))
    return scoped, objects


def _terms(context: Any) -> int:
    """Term definitions of one context value (an object, or an array of them)."""
    if isinstance(context, dict):
        return len(context)
    if isinstance(context, list):
        return sum(len(c) for c in context if isinstance(c, dict))
    return 0

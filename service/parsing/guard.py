"""The checks a client document passes before the engine's parser sees it, by syntax.

N-Triples and N-Quads are scanned like Turtle: RDF 1.2 lets them nest triple terms.
"""

from __future__ import annotations

from service.errors import RdfRefused
from service.formats import JSONLD, RDFXML, Format
from service.parsing.brackets import Depth, json_depth, line_of, turtle_depth
from service.parsing.jsonld import check_scoped_work
from service.parsing.rdfxml import check_declarations, check_encoding, element_depth


def check_document(body: bytes, fmt: Format, max_nesting: int) -> None:
    """Raise :class:`RdfRefused` unless ``body`` is safe to hand to the engine's parser."""
    found: Depth
    if fmt == RDFXML:
        check_encoding(body)
        check_declarations(body)
        found, what = element_depth(body, max_nesting), "elements"
    elif fmt == JSONLD:
        found, what = json_depth(body, max_nesting), "objects and arrays"
    else:
        found, what = turtle_depth(body, max_nesting), "brackets"
    if found.offset is not None:
        raise RdfRefused(
            f"the document nests {what} more than {max_nesting} deep (setting ESSKG_MAX_NESTING)",
            line_of(body, found.offset),
        )
    if fmt == JSONLD:  # its nesting bounded, it can be read to count its scoped contexts
        check_scoped_work(body)

"""Conversions between rdflib terms and engine terms, at the edges that still need rdflib.

Inside the service data stays in engine terms; rdflib terms appear where a user or an
adapter hands them over (query rows for the pages, pyshacl and owlrl), and the check of a
client's IRI lives here too, since it asks the engine.
"""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from service.errors import InvalidIri
from service.store.base import Term

_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = str(RDF.langString)

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_oxigraph(term: Term) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


#: Characters refused in a client's IRI even where the engine would take them: controls
#: (Cc), format characters (Cf: zero-width and bidirectional marks, which RFC 3987 §4.1
#: forbids in IRIs), surrogates (Cs) and every kind of space (Zs, Zl, Zp). RFC 3987's
#: ``ucschar`` lets U+00A0 or U+2028 through, but nobody means them in a name, and readers
#: of SPARQL text that stop an IRI at whitespace would then read something else.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
_UNNAMED = {"Cc": "a control character", "Cs": "a lone surrogate"}


def checked_iri(value: str, parameter: str) -> str:
    """``value`` if it is an absolute IRI that the engine takes, else :class:`InvalidIri`.

    The one check for every string a client sends to name a resource (query parameters,
    graph names, resource paths, dataset parameters): it asks the engine itself, so that
    nothing the service lets through can fail later, deep in a query, as a 500.
    """
    # printable ASCII but the space has none of those characters: most names, on every
    # lookup, skip asking each character's category
    if not (value.isascii() and value.isprintable() and " " not in value):
        for char in value:
            category = unicodedata.category(char)
            if category in _REFUSED_CATEGORIES:
                name = unicodedata.name(char, _UNNAMED.get(category, "unnamed"))
                raise InvalidIri(parameter, value, f"U+{ord(char):04X} ({name}) is not allowed")
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise InvalidIri(parameter, value, _printable(str(exc))) from exc
    return value


def _printable(message: str) -> str:
    """The engine's message with any character it quotes spelled as an escape."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in message)


def to_rdflib(term: object) -> Term:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        # Keep the lexical form exactly as stored: rdflib would otherwise normalise it.
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise TypeError(f"not an RDF term: {term!r}")


def triple_to_rdflib(triple: ox.Triple) -> tuple[Term, Term, Term]:
    return (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))


def ntriples_term(term: Term) -> str:
    """The N-Triples spelling of a term, safe to embed in SPARQL ``INSERT DATA``."""
    return str(to_oxigraph(term))

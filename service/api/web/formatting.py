"""RDF terms as a person reads them: short names, local links, French dates and numbers.

Formatting is done here by hand, not by the process locale, so that a page reads the same on
every server: ``15 janvier 2020``, ``1 234 567,5`` (narrow no-break spaces) in French.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from service.namespaces import BASE, GRAPH, ID
from service.namespaces import PREFIXES as NAMESPACES
from service.store.base import Term

#: Prefixes shown instead of full IRIs, and pre-declared in the editor: the project's, and
#: two for its own resources and graphs.
PREFIXES = {**NAMESPACES, "id": ID, "graph": GRAPH}

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
_NARROW_NBSP = "\u202f"
_NUMERIC = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.negativeInteger,
    XSD.nonPositiveInteger,
}


def compact(iri: str) -> str:
    """``ess:SPASER`` for a full IRI in a known namespace, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def local_href(iri: str, public_base: str = BASE) -> str:
    """Where a link to ``iri`` goes: our own IRIs (resources, graphs, the vocabulary) are
    served by this server, so browsing works on any host; other IRIs are left as they are."""
    if not iri.startswith(public_base):
        return iri
    rest = iri[len(public_base) :]
    if rest.startswith(("id/", "graph/")):
        return "/" + rest
    if rest.startswith("def#") or rest == "def":
        return "/" + rest
    return iri


def format_number(lexical: str, lang: str) -> str:
    """``1234567.5`` → ``1 234 567,5`` (fr) or ``1,234,567.5`` (en); unparsable text stays."""
    try:
        number = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not number.is_finite():
        return lexical
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    separator, point = (_NARROW_NBSP, ",") if lang == "fr" else (",", ".")
    text = separator.join(groups)
    return sign + text + (point + fraction if fraction else "")


def format_date(lexical: str, datatype: URIRef | None, lang: str) -> str:
    """``2020-01-15`` → ``15 janvier 2020``; ``2020-01`` → ``janvier 2020``; years stay."""
    months = MONTHS["fr" if lang == "fr" else "en"].split()
    date = lexical[:10]
    parts = date.split("-")
    try:
        if datatype == XSD.gYearMonth and len(parts) >= 2:
            return f"{months[int(parts[1]) - 1]} {parts[0]}"
        if datatype in (XSD.date, XSD.dateTime) and len(parts) == 3:
            day = int(parts[2])
            shown = "1er" if day == 1 and lang == "fr" else str(day)
            return f"{shown} {months[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return lexical
    return lexical


def literal_text(term: Literal, lang: str) -> str:
    """A literal's value for reading: numbers, dates and booleans in the page's language."""
    datatype = term.datatype
    lexical = str(term)
    if datatype in _NUMERIC:
        return format_number(lexical, lang)
    if datatype in (XSD.date, XSD.dateTime, XSD.gYearMonth, XSD.gYear):
        return format_date(lexical, datatype, lang)
    if datatype == XSD.boolean:
        yes = lexical in ("true", "1")
        return ("oui" if yes else "non") if lang == "fr" else ("yes" if yes else "no")
    return lexical


def is_iri(term: Term) -> bool:
    return isinstance(term, URIRef)


def is_blank(term: Term) -> bool:
    return isinstance(term, BNode)

"""The terms an upload is written with, as engine (pyoxigraph) terms.

An upload travels as engine terms from the mapping to the gate's commit: the gate speaks
``ox.Triple``, and converting to and from rdflib on the way would cost time and invite two
spellings of one term.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyoxigraph as ox

from service.namespaces import DEF, PREFIXES

XSD = PREFIXES["xsd"]


class Vocabulary:
    """``Vocabulary(base).Term`` is the named node ``base + "Term"``."""

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(self._base + name)

    def __getitem__(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(self._base + name)


ESS = Vocabulary(DEF)
RDF = Vocabulary(PREFIXES["rdf"])
RDFS = Vocabulary(PREFIXES["rdfs"])
SKOS = Vocabulary(PREFIXES["skos"])
ORG = Vocabulary(PREFIXES["org"])
PROV = Vocabulary(PREFIXES["prov"])
DCTERMS = Vocabulary(PREFIXES["dcterms"])
SCHEMA = Vocabulary(PREFIXES["schema"])
FOAF = Vocabulary(PREFIXES["foaf"])
TIME = Vocabulary("http://www.w3.org/2006/time#")

TYPE = RDF.type
XSD_STRING = ox.NamedNode(XSD + "string")
XSD_DATE = ox.NamedNode(XSD + "date")
XSD_YEAR = ox.NamedNode(XSD + "gYear")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")


def french(text: str) -> ox.Literal:
    return ox.Literal(text, language="fr")


def english(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def plain(text: str) -> ox.Literal:
    return ox.Literal(text)


def a_date(value: date | int) -> ox.Literal:
    """A day as ``xsd:date``, a bare year as ``xsd:gYear`` (« adopté en 2019 »)."""
    if isinstance(value, int):
        return ox.Literal(f"{value:04d}", datatype=XSD_YEAR)
    return ox.Literal(value.isoformat(), datatype=XSD_DATE)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def decimal(value: Decimal) -> ox.Literal:
    """A target's value as ``xsd:decimal``, written as the cell gave it (``12.5``, ``40``)."""
    return ox.Literal(format(value, "f"), datatype=XSD_DECIMAL)


def shown(triple: ox.Triple) -> list[str]:
    """A triple as three N-Triples terms, for previews and the terminal."""
    return [str(triple.subject), str(triple.predicate), str(triple.object)]


def ordered(triples: set[ox.Triple]) -> list[ox.Triple]:
    """A stable order (engine triples are not comparable among themselves)."""
    return sorted(triples, key=str)

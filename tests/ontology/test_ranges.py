"""Ontology, shapes and data agree on the datatype of every literal-valued ess property.

The ontology's ``rdfs:range`` is the datatype the data uses (bounds such as "non-negative"
or "strictly positive" are checked by the shapes, where a violation can be reported);
every shape on that property accepts that datatype; every literal in the data has it
(an ``xsd:integer`` is also an ``xsd:decimal``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef

REPO = Path(__file__).resolve().parents[2]
ESS = "https://w3id.org/esskg/def#"
SH = Namespace("http://www.w3.org/ns/shacl#")
OWL_DATATYPE_PROPERTY = URIRef("http://www.w3.org/2002/07/owl#DatatypeProperty")
#: A literal of the key datatype is also a value of these (XSD derivation).
ALSO = {XSD.integer: {XSD.decimal}}


def parse(pattern: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(REPO.glob(pattern)):
        graph.parse(path)
    return graph


ONTOLOGY = parse("ontology/**/*.ttl")
SHAPES = parse("shapes/**/*.ttl")
DATA = parse("data/**/*.ttl")

RANGES = {
    prop: rng
    for prop in ONTOLOGY.subjects(RDF.type, OWL_DATATYPE_PROPERTY)
    for rng in ONTOLOGY.objects(prop, RDFS.range)
    if str(prop).startswith(ESS) and str(rng).startswith(str(XSD))
}


def shape_datatypes(prop: URIRef) -> list[set[URIRef]]:
    """For each property shape on ``prop``: the datatypes it accepts (``sh:or`` included)."""
    found = []
    for shape in SHAPES.subjects(SH.path, prop):
        accepted = set(SHAPES.objects(shape, SH.datatype))
        for alternatives in SHAPES.objects(shape, SH["or"]):
            for member in rdflib.collection.Collection(SHAPES, alternatives):
                accepted |= set(SHAPES.objects(member, SH.datatype))
        if accepted:
            found.append(accepted)
    return found


def accepts(rng: URIRef, datatype: URIRef | None) -> bool:
    """Whether a value of ``datatype`` is in ``rng`` (a simple literal is an xsd:string)."""
    datatype = XSD.string if datatype is None else datatype
    return datatype == rng or rng in ALSO.get(datatype, set())


def test_integer_valued_properties_are_declared_xsd_integer() -> None:
    """No xsd:positiveInteger / nonNegativeInteger range the data never uses."""
    narrow = {
        XSD.positiveInteger,
        XSD.nonNegativeInteger,
        XSD.negativeInteger,
        XSD.nonPositiveInteger,
    }
    assert {p for p, r in RANGES.items() if r in narrow} == set()


@pytest.mark.parametrize("prop", sorted(RANGES), ids=lambda p: p.removeprefix(ESS))
def test_shapes_accept_the_declared_range(prop: URIRef) -> None:
    for accepted in shape_datatypes(prop):
        assert any(accepts(RANGES[prop], d) or accepts(d, RANGES[prop]) for d in accepted), (
            f"{prop}: shapes accept {accepted}, the ontology declares {RANGES[prop]}"
        )


@pytest.mark.parametrize("prop", sorted(RANGES), ids=lambda p: p.removeprefix(ESS))
def test_data_literals_have_the_declared_range(prop: URIRef) -> None:
    wrong = [
        (s, o)
        for s, o in DATA.subject_objects(prop)
        if not isinstance(o, Literal)
        or (o.language is None and not accepts(RANGES[prop], o.datatype))
        or (o.language is not None and RANGES[prop] != RDF.langString)
    ]
    assert wrong == [], f"{prop} (range {RANGES[prop]}): {wrong[:5]}"


def test_every_integer_property_has_a_bounding_shape() -> None:
    """An integer range says nothing of the sign: a shape bounds each one."""
    for prop, rng in RANGES.items():
        if rng != XSD.integer:
            continue
        shapes = list(SHAPES.subjects(SH.path, prop))
        bounded = [
            s
            for s in shapes
            if (s, SH.minInclusive, None) in SHAPES or (s, SH.minExclusive, None) in SHAPES
        ]
        assert bounded, f"{prop}: no shape bounds it"

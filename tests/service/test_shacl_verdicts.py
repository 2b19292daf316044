"""Verdicts the compiled validator once got wrong, each checked against the standard.

Each case is a small shapes graph and data graph, read with the engine's parser as the
build reads its sources, validated through :func:`service.graph.validate.validate` as
every build and write is, and compared with the exact results SHACL (and RDF's notion of
a term) prescribes: focus node, path, value, constraint component and severity.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from service.graph.validate import ValidationOutcome, Validator, validate
from service.store.terms import triple_to_rdflib

PREFIXES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
EX = "http://example.org/"
Result = tuple[Node, Node | None, Node | None, str, str]


def _quads(turtle: str) -> list[ox.Quad]:
    return [
        ox.Quad(t.subject, t.predicate, t.object)
        for t in ox.parse((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE)
    ]


def _graph(turtle: str) -> Graph:
    graph = Graph()
    for quad in _quads(turtle):
        graph.add(triple_to_rdflib(quad.triple))  # type: ignore[arg-type]
    return graph


def _check(shapes: str, data: str, validator: Validator = "sparql") -> ValidationOutcome:
    return validate(_quads(data), _graph(shapes), Graph(), validator=validator)


def _results(outcome: ValidationOutcome) -> set[Result]:
    report = outcome.report
    return {
        (
            report.value(r, SH.focusNode),  # type: ignore[misc]
            report.value(r, SH.resultPath),
            report.value(r, SH.value),
            str(report.value(r, SH.sourceConstraintComponent)).removeprefix(str(SH)),
            str(report.value(r, SH.resultSeverity)).removeprefix(str(SH)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


def _lit(lexical: str, datatype: URIRef) -> Literal:
    return Literal(lexical, datatype=datatype, normalize=False)


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def test_ill_formed_and_out_of_range_literals_violate_sh_datatype() -> None:
    """ "c" is no byte and 300 is out of xsd:byte's range; the engine kept the first as
    given and filed the second under xsd:integer, and only the second was reported."""
    shapes = "ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ; sh:datatype xsd:byte ."
    data = 'ex:i ex:p "300"^^xsd:byte, "c"^^xsd:byte, "-129"^^xsd:byte, "55"^^xsd:integer, '
    data += '"12"^^xsd:byte, "-128"^^xsd:byte, "+007"^^xsd:byte .'
    violation = "DatatypeConstraintComponent", "Violation"
    assert _results(_check(shapes, data)) == {
        (ex("i"), ex("p"), _lit("300", XSD.byte), *violation),
        (ex("i"), ex("p"), _lit("c", XSD.byte), *violation),
        (ex("i"), ex("p"), _lit("-129", XSD.byte), *violation),
        (ex("i"), ex("p"), _lit("55", XSD.integer), *violation),
    }


@pytest.mark.parametrize(
    ("datatype", "conforms"), [("xsd:byte", True), ("xsd:integer", False), ("xsd:int", False)]
)
def test_a_subtype_literal_has_its_own_datatype_only(datatype: str, conforms: bool) -> None:
    """ "12"^^xsd:byte is a byte, not an xsd:integer literal (sh:datatype compares IRIs);
    the engine stores it as "12"^^xsd:integer, which inverted both verdicts."""
    shapes = f"ex:s a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:datatype {datatype} ."
    outcome = _check(shapes, 'ex:i ex:p "12"^^xsd:byte .')
    byte = _lit("12", XSD.byte)
    expected = {(byte, None, byte, "DatatypeConstraintComponent", "Violation")}
    assert _results(outcome) == (set() if conforms else expected)


def test_an_or_of_datatypes_reports_an_ill_typed_boolean() -> None:
    """ "none" is no xsd:boolean, so it matches none of the alternatives (W3C
    or-datatypes-001; rdflib's parser reads it as false, the engine keeps it as given)."""
    shapes = """ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ;
        sh:or ( [ sh:datatype xsd:string ] [ sh:datatype xsd:boolean ] ) ."""
    data = 'ex:i ex:p "none"^^xsd:boolean, "text", "true"^^xsd:boolean, "0"^^xsd:boolean .'
    assert _results(_check(shapes, data)) == {
        (ex("i"), ex("p"), _lit("none", XSD.boolean), "OrConstraintComponent", "Violation")
    }


@pytest.mark.parametrize(
    ("flag", "active"), [('"true"^^xsd:boolean', True), ("true", True), ('"1"^^xsd:boolean', False)]
)
def test_unique_lang_is_on_for_the_literal_true_only(flag: str, active: bool) -> None:
    """W3C uniqueLang-002: "1"^^xsd:boolean leaves the constraint off (pyshacl, which read
    it as true, reported a violation); on, one result per shared language, no value."""
    shapes = f"ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:m ; sh:uniqueLang {flag} ."
    data = 'ex:i ex:m "Hi"@en, "HI"@en, "Salut"@fr, "Hallo"@de, "Tach"@de, "plain", "other" .'
    expected = {(ex("i"), ex("m"), None, "UniqueLangConstraintComponent", "Violation")}
    outcome = _check(shapes, data)
    assert _results(outcome) == (expected if active else set())
    assert len(list(outcome.report.subjects(RDF.type, SH.ValidationResult))) == (2 if active else 0)


@pytest.mark.parametrize(
    "constraint",
    ["sh:datatype xsd:integer", "sh:disjoint ex:q"],  # compiled; left to pyshacl
)
def test_a_report_with_warnings_only_does_not_conform(constraint: str) -> None:
    """SHACL 3.6.1.1: sh:conforms is true iff there is no validation result at all, of any
    severity (W3C misc/severity-001); a write is still refused on violations only."""
    shapes = f"""ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ;
        sh:severity sh:Warning ; {constraint} ."""
    outcome = _check(shapes, 'ex:i ex:p "x" ; ex:q "x" .')
    assert outcome.conforms is False
    assert outcome.violations == [] and len(outcome.warnings) == 1
    assert set(outcome.report.objects(None, SH.conforms)) == {Literal(False)}


def test_a_report_without_results_conforms() -> None:
    outcome = _check("ex:s a sh:NodeShape ; sh:targetNode ex:i ; sh:class ex:C .", "ex:i a ex:C .")
    assert outcome.conforms is True
    assert set(outcome.report.objects(None, SH.conforms)) == {Literal(True)}


def test_values_are_reported_as_written() -> None:
    """W3C maxExclusive-001: the value is the term "4.0"^^xsd:decimal; the engine gave back
    "4"^^xsd:decimal, a term absent from the data."""
    shapes = (
        'ex:s a sh:NodeShape ; sh:targetNode 4.0, 3.90, "1.0E6"^^xsd:double ; sh:maxExclusive 4 .'
    )
    four, million = _lit("4.0", XSD.decimal), _lit("1.0E6", XSD.double)
    assert _results(_check(shapes, "")) == {
        (four, None, four, "MaxExclusiveConstraintComponent", "Violation"),
        (million, None, million, "MaxExclusiveConstraintComponent", "Violation"),
    }


def test_two_spellings_of_one_number_are_two_values() -> None:
    """ "1" and "01" are two RDF terms (the engine would store one)."""
    shapes = (
        "ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ; sh:maxCount 1 ; sh:in (1) ."
    )
    data = 'ex:i ex:p "1"^^xsd:integer, "01"^^xsd:integer .'
    assert _results(_check(shapes, data)) == {
        (ex("i"), ex("p"), None, "MaxCountConstraintComponent", "Violation"),
        (ex("i"), ex("p"), _lit("01", XSD.integer), "InConstraintComponent", "Violation"),
    }


def test_lexical_constraints_read_the_lexical_form() -> None:
    shapes = r"""ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ;
        sh:pattern "^[0-9]+\\.[0-9]{2}$" ; sh:maxLength 5 ."""
    data = 'ex:i ex:p "12.50"^^xsd:decimal, "12.5"^^xsd:decimal, "123.40"^^xsd:decimal .'
    assert _results(_check(shapes, data)) == {
        (ex("i"), ex("p"), _lit("12.5", XSD.decimal), "PatternConstraintComponent", "Violation"),
        (
            ex("i"),
            ex("p"),
            _lit("123.40", XSD.decimal),
            "MaxLengthConstraintComponent",
            "Violation",
        ),
    }


def test_sh_in_and_sh_has_value_compare_terms() -> None:
    shapes = """ex:s a sh:PropertyShape ; sh:targetNode ex:i, ex:j ; sh:path ex:p ;
        sh:in ( 4.0 ) ; sh:hasValue 4.0 ."""
    data = 'ex:i ex:p 4.0 . ex:j ex:p "4"^^xsd:decimal .'
    assert _results(_check(shapes, data)) == {
        (ex("j"), ex("p"), _lit("4", XSD.decimal), "InConstraintComponent", "Violation"),
        (ex("j"), ex("p"), None, "HasValueConstraintComponent", "Violation"),
    }


def test_range_constraints_compare_values_as_written() -> None:
    shapes = """ex:s a sh:PropertyShape ; sh:targetNode ex:i ; sh:path ex:p ;
        sh:minInclusive 10 ; sh:maxInclusive 100 ."""
    data = (
        'ex:i ex:p "010"^^xsd:integer, "100.0"^^xsd:decimal, "100.50"^^xsd:decimal, "9"^^xsd:byte .'
    )
    assert _results(_check(shapes, data)) == {
        (
            ex("i"),
            ex("p"),
            _lit("100.50", XSD.decimal),
            "MaxInclusiveConstraintComponent",
            "Violation",
        ),
        (ex("i"), ex("p"), _lit("9", XSD.byte), "MinInclusiveConstraintComponent", "Violation"),
    }


def test_sparql_constraints_see_the_values_the_engine_holds() -> None:
    """A user's SPARQL compares values; a value is reported as it was written."""
    query = "SELECT $this ?value WHERE { $this ex:p ?value . FILTER (?value > 100) }"
    shapes = f"""ex:s a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
        sh:sparql [ sh:prefixes ex:ns ; sh:select "{query}" ] .
        ex:ns sh:declare [ sh:prefix "ex" ; sh:namespace "{EX}"^^xsd:anyURI ] ."""
    data = 'ex:i ex:p "150.50"^^xsd:decimal . ex:j ex:p "99.90"^^xsd:decimal .'
    assert _results(_check(shapes, data)) == {
        (ex("i"), None, _lit("150.50", XSD.decimal), "SPARQLConstraintComponent", "Violation")
    }


@pytest.mark.parametrize(
    "where",
    [
        "FILTER ($this > 4)",  # reads $this only in an expression: pre-bound by pyshacl
        "$this ^<http://example.org/p> ?s . FILTER ($this > 4)",  # binds it: compiled
    ],
)
def test_sparql_constraints_see_focus_nodes_as_values(where: str) -> None:
    """$this is pre-bound (SHACL 5.3.1): a query that never binds it still sees it; a
    literal focus node is compared by its value, and reported as written, as the value
    node of a node shape whose query binds no ?value (5.3.2)."""
    shapes = f"""ex:s a sh:NodeShape ; sh:targetNode 4.50, 3.90 ;
        sh:sparql [ sh:select "SELECT $this WHERE {{ {where} }}" ] ."""
    data = "ex:a ex:p 4.50, 3.90 ."
    four = _lit("4.50", XSD.decimal)
    assert _results(_check(shapes, data)) == {
        (four, None, four, "SPARQLConstraintComponent", "Violation")
    }


def test_a_list_path_is_a_sequence_whatever_else_it_carries() -> None:
    """W3C path-strange-001: the path node is a list and has sh:inversePath; it is read as
    the sequence, and the report's path is that sequence."""
    shapes = """ex:s a sh:PropertyShape ; sh:targetNode ex:i, ex:j ; sh:class ex:C ;
        sh:path [ rdf:first ex:p ; rdf:rest ( ex:q ) ; sh:inversePath ex:p ] ."""
    shapes = "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + shapes
    data = "ex:i ex:p ex:ip . ex:ip ex:q ex:ipq . ex:ipq a ex:C ."
    data += "ex:j ex:p ex:jp . ex:jp ex:q ex:jpq ."
    outcome = _check(shapes, data)
    (result,) = outcome.report.subjects(RDF.type, SH.ValidationResult)
    report = outcome.report
    assert report.value(result, SH.focusNode) == ex("j")
    assert report.value(result, SH.value) == ex("jpq")
    path = report.value(result, SH.resultPath)
    assert list(report.items(path)) == [ex("p"), ex("q")]
    assert report.value(path, SH.inversePath) is None

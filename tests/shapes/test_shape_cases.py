"""Shapes are valid SHACL, the shipped data conforms exactly as the build validates it,
and each shape file has self-describing cases (W3C test-suite style): a header says
whether the case conforms, or which focus node fails which constraint component at
which severity.

Case header lines:
    # expect: conforms | violation | warning
    # focus: <IRI of the expected focus node>
    # component: sh:<ConstraintComponent>
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPE_FILES = sorted(REPO.glob("shapes/**/*.ttl"))
#: Shapes of a whole referential, which the build loads only with the referential itself.
REFERENTIAL_SHAPES = sorted(REPO.glob("shapes/referential/*.ttl"))
CASE_FILES = sorted(CASES.glob("*/*.ttl"))


def union(paths: list[Path]) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in paths:
        g.parse(path)
    return g


@pytest.fixture(scope="module")
def full_ontology() -> rdflib.Graph:
    return union(sorted(REPO.glob("ontology/**/*.ttl")))


@pytest.fixture(scope="module")
def ontology(full_ontology: rdflib.Graph) -> rdflib.Graph:
    """The class hierarchy is all the (inference-free) validation reads from the
    ontology; keeping only it makes each small case fast."""
    g = rdflib.Graph()
    for triple in full_ontology.triples((None, RDFS.subClassOf, None)):
        g.add(triple)
    return g


_SHAPES = union(SHAPE_FILES)


def shapes() -> rdflib.Graph:
    """A fresh copy per run: pyshacl may mutate the shapes graph it is given."""
    g = rdflib.Graph()
    g += _SHAPES
    return g


def validate(data: rdflib.Graph, ontology: rdflib.Graph) -> rdflib.Graph:
    _, report, _ = pyshacl.validate(
        data_graph=data,
        shacl_graph=shapes(),
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return report


def results(report: rdflib.Graph) -> set[tuple[str, str, str]]:
    return {
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.sourceConstraintComponent)).replace(str(SH), "sh:"),
            str(report.value(r, SH.resultSeverity)).replace(str(SH), "sh:"),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


def expectation(path: Path) -> dict[str, str]:
    return dict(
        re.findall(r"^# (expect|focus|component): (\S+)", path.read_text(encoding="utf-8"), re.M)
    )


def test_shapes_pass_shacl_shacl() -> None:
    conforms, _, text = pyshacl.validate(shapes(), meta_shacl=True, advanced=True)
    assert conforms, text


def test_shipped_data_has_no_violation(full_ontology: rdflib.Graph) -> None:
    """Exactly the build's call without a referential: union of data, union of the shapes
    the build loads, ontology as ont_graph (the referential's data and shapes are checked
    together by tests/data/test_referential.py)."""
    _, report, _ = pyshacl.validate(
        data_graph=union(sorted(REPO.glob("data/**/*.ttl"))),
        shacl_graph=union([p for p in SHAPE_FILES if p not in REFERENTIAL_SHAPES]),
        ont_graph=full_ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    assert isinstance(report, rdflib.Graph)
    violations = {r for r in results(report) if r[2] == "sh:Violation"}
    assert violations == set()


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.stem for p in SHAPE_FILES])
def test_every_shape_file_has_passing_or_failing_cases(path: Path) -> None:
    cases = list((CASES / path.stem).glob("*.ttl"))
    kinds = {expectation(c)["expect"] for c in cases}
    assert cases, f"no cases for {path.name}"
    assert kinds & {"violation", "warning"}, f"no failing case for {path.name}"


def test_every_shape_file_has_its_node_shapes_named_and_messaged() -> None:
    for path in SHAPE_FILES:
        g = rdflib.Graph().parse(path)
        for shape in g.subjects(RDF.type, SH.PropertyShape):
            langs = {o.language for o in g.objects(shape, SH.message)}
            assert {"fr", "en"} <= langs, (path.name, shape)
            assert {"fr", "en"} <= {o.language for o in g.objects(shape, SH.name)}, (
                path.name,
                shape,
            )


@pytest.mark.parametrize("path", CASE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES])
def test_shape_case(path: Path, ontology: rdflib.Graph) -> None:
    expected = expectation(path)
    found = results(validate(rdflib.Graph().parse(path), ontology))
    if expected["expect"] == "conforms":
        assert {r for r in found if r[2] == "sh:Violation"} == set()
        return
    severity = {"violation": "sh:Violation", "warning": "sh:Warning"}[expected["expect"]]
    assert (expected["focus"], expected["component"], severity) in found, found
    if severity == "sh:Warning":
        assert {r for r in found if r[2] == "sh:Violation"} == set()
    assert URIRef(expected["focus"])  # the header names an IRI

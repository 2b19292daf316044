"""The shapes compiled to SPARQL give exactly pyshacl's results (pyshacl is the oracle).

Compared per result: focus node, constraint component, source shape, severity, path and value,
as sets, on the shipped data, on every case of ``tests/shapes/cases``, on a generated 10k
sample, and on deliberately broken variants of both, so that violations are compared and
not only empty reports.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from owlrl.DatatypeHandling import use_Alt_lexical_conversions
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from bench.generate import write_project
from service.graph import shacl_sparql
from service.graph.parse import parse_all
from service.graph.sources import Role, discover
from service.graph.validate import ValidationOutcome, validate

# The oracle's reading of ill-typed literals must not depend on which test ran before:
# rdflib checks xsd:gYear / xsd:gYearMonth lexical forms only after owlrl installed its
# conversions, which every owlrl closure does (so the service always runs with them).
use_Alt_lexical_conversions()

REPO = Path(__file__).resolve().parents[2]
CASES = sorted((REPO / "tests" / "shapes" / "cases").glob("*/*.ttl"))

NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}
Key = set[tuple[str, str, str, str, str | None, str | None]]


def _union(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return _union(sorted(REPO.glob("shapes/*.ttl")))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _union(sorted(REPO.glob("ontology/**/*.ttl")))


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


def _keys(outcome: ValidationOutcome) -> Key:
    return {(p.focus, p.constraint, p.shape, p.severity, p.path, p.value) for p in outcome.problems}


def _numeric(value: Literal) -> bool:
    return value.datatype in NUMERIC and not value.ill_typed


def _ill_typed_sparql_results(outcome: ValidationOutcome) -> Key:
    """The one known divergence, in rdflib's SPARQL rather than in SHACL.

    rdflib compares a non-numeric literal (``"x"``, ``"101"@en``, ``"x"^^xsd:integer``) with
    a number instead of raising the type error SPARQL prescribes, so a user-written
    ``FILTER (?value < 0 || ?value > 100)`` matches it; the engine, per the SPARQL spec,
    does not. Such a value violates its ``sh:datatype`` / ``sh:or`` anyway, which both
    paths report (checked in :func:`_both`).
    """
    report = outcome.report
    found: Key = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        value = report.value(result, SH.value)
        component = report.value(result, SH.sourceConstraintComponent)
        sparql = component == SH.SPARQLConstraintComponent
        if sparql and isinstance(value, Literal) and not _numeric(value):
            found.add(
                (
                    f"<{report.value(result, SH.focusNode)}>",
                    "SPARQLConstraintComponent",
                    f"<{report.value(result, SH.sourceShape)}>",
                    str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                    None,
                    value.n3(),
                )
            )
    return found


def _both(data: Graph, shapes: Graph, ontology: Graph) -> tuple[Key, Key]:
    compiled = validate(data, shapes, ontology, validator="sparql")
    oracle = validate(_copy(data), _copy(shapes), _copy(ontology), validator="pyshacl")
    mine, expected = _keys(compiled), _keys(oracle)
    divergent = _ill_typed_sparql_results(oracle) - mine
    if divergent:
        flagged = {(k[0], k[1]) for k in mine}
        for focus, *_ in divergent:
            assert {(focus, "OrConstraintComponent"), (focus, "DatatypeConstraintComponent")} & (
                flagged
            ), focus
    return mine, expected - divergent


def _break(data: Graph, seed: int) -> Graph:
    """Drop, retype, swap and duplicate values: most constraint components then fire.

    Each triple's fate depends on its own content only (blank nodes read as one label), so
    the same data is broken the same way whatever labels the parser gave its blank nodes.
    """

    def key(term: Node) -> str:
        return "_" if isinstance(term, BNode) else str(term)

    iris = sorted({o for _, _, o in data if isinstance(o, URIRef)}, key=str)
    broken = Graph()
    for s, p, o in data:
        rng = random.Random(f"{seed} {key(s)} {p} {key(o)}")
        roll = rng.random()
        if roll < 0.03:
            continue  # a required value goes missing
        if roll < 0.06 and isinstance(o, Literal):
            o = Literal(rng.choice(["x", "-5", "101"]), lang=rng.choice([None, "en"]))
        elif roll < 0.08 and isinstance(o, Literal) and o.datatype and o.datatype != XSD.boolean:
            # (rdflib would rewrite an ill-typed boolean into "false", flagged but valid RDF)
            o = Literal("not-a-number", datatype=o.datatype)
        elif roll < 0.10 and isinstance(o, URIRef) and p != RDF.type:
            o = rng.choice(iris)  # a value of the wrong class
        elif roll < 0.12:
            broken.add((s, p, Literal("extra") if isinstance(o, Literal) else BNode()))
        elif roll < 0.13:
            broken.add((rng.choice(iris), p, o))  # shared values (SIREN duplicates, ...)
        broken.add((s, p, o))
    return broken


def test_every_shape_of_the_project_is_compiled(shapes: Graph) -> None:
    compiled = shacl_sparql.compile_shapes(shapes)
    assert compiled.everything_to_pyshacl is None
    assert compiled.fallback_reasons == {}
    assert compiled.checks


def test_shipped_data(shapes: Graph, ontology: Graph) -> None:
    data = _union(sorted(REPO.glob("data/**/*.ttl")))
    mine, oracle = _both(data, shapes, ontology)
    assert mine == oracle


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_broken_shipped_data(shapes: Graph, ontology: Graph, seed: int) -> None:
    data = _break(_union(sorted(REPO.glob("data/**/*.ttl"))), seed)
    mine, oracle = _both(data, shapes, ontology)
    assert len(oracle) > 20  # violations are compared, not only empty reports
    assert mine == oracle


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_shape_case(path: Path, shapes: Graph, ontology: Graph) -> None:
    mine, oracle = _both(Graph().parse(path), shapes, ontology)
    assert mine == oracle


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, Graph]:
    """A generated 10k project, parsed by the build (data, ontology)."""
    folder = tmp_path_factory.mktemp("sample")
    write_project(10_000, folder, repo=REPO)
    parsed = parse_all(discover(folder))
    return parsed.graphs[Role.DATA], parsed.graphs[Role.ONTOLOGY]


def test_generated_sample(sample: tuple[Graph, Graph], shapes: Graph) -> None:
    data, ontology = sample
    mine, oracle = _both(data, shapes, ontology)
    assert mine == oracle


def test_broken_generated_sample(sample: tuple[Graph, Graph], shapes: Graph) -> None:
    data, ontology = sample
    mine, oracle = _both(_break(data, 4), shapes, ontology)
    assert len(oracle) > 200
    assert mine == oracle


def test_engine_quads_give_the_same_outcome_as_a_graph(shapes: Graph, ontology: Graph) -> None:
    data = _break(_union(sorted(REPO.glob("data/**/*.ttl"))), 5)
    from service.store.terms import to_oxigraph

    quads = [
        shacl_sparql.ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in data
    ]
    assert _keys(validate(quads, shapes, ontology)) == _keys(validate(data, shapes, ontology))


def _extended(shapes: Graph, kind: Node, path: URIRef, *constraint: tuple[URIRef, Node]) -> Graph:
    """The project's shapes and one more property shape on the instances of ``kind``."""
    extended = _copy(shapes)
    shape = URIRef("https://example.org/shapes#Extra")
    extended.add((shape, RDF.type, SH.PropertyShape))
    extended.add((shape, SH.targetClass, kind))
    extended.add((shape, SH.path, path))
    for predicate, value in constraint:
        extended.add((shape, predicate, value))
    return extended


def test_unsupported_shapes_fall_back_to_pyshacl(shapes: Graph, ontology: Graph) -> None:
    """A construct the compiler does not translate is validated by pyshacl, never skipped."""
    data = _union(sorted(REPO.glob("data/**/*.ttl")))
    _, kind = sorted(data.subject_objects(RDF.type))[0]
    nested = BNode()
    extended = _extended(shapes, kind, RDF.type, (SH.property, nested))
    extended.add((nested, SH.path, URIRef("https://example.org/shapes#nothing")))
    extended.add((nested, SH.minCount, Literal(1)))
    compiled = shacl_sparql.compile_shapes(extended)
    assert compiled.fallback == [URIRef("https://example.org/shapes#Extra")]
    mine, oracle = _both(data, extended, ontology)
    assert any(k[1] == "MinCountConstraintComponent" and k[0] == f"<{kind}>" for k in mine)
    assert mine == oracle


@pytest.mark.parametrize(
    ("constraint", "component"),
    [
        ((SH.uniqueLang, Literal(True)), "UniqueLangConstraintComponent"),
        ((SH.disjoint, SKOS.altLabel), "DisjointConstraintComponent"),
        ((SH.equals, SKOS.altLabel), "EqualsConstraintComponent"),
    ],
)
def test_set_components_are_compiled_as_pyshacl_reads_them(
    shapes: Graph, ontology: Graph, constraint: tuple[URIRef, Node], component: str
) -> None:
    data = _union(sorted(REPO.glob("data/**/*.ttl")))
    subject, kind = sorted(data.subject_objects(RDF.type))[0]
    data.add((subject, RDFS.label, Literal("a", lang="fr")))
    data.add((subject, RDFS.label, Literal("b", lang="fr")))
    data.add((subject, SKOS.altLabel, Literal("a", lang="fr")))
    extended = _extended(shapes, kind, RDFS.label, constraint)
    assert shacl_sparql.compile_shapes(extended).fallback == []
    mine, oracle = _both(data, extended, ontology)
    assert any(k[1] == component for k in mine)
    assert mine == oracle

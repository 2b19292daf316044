"""The W3C SHACL Core test suite, run through the service's own validator.

Every ``sht:Validate`` test of ``data-shapes-test-suite/tests/core`` goes through
:func:`service.graph.validate.validate`: once with ``validator="sparql"`` (the shapes
compiled to engine queries, with their pyshacl fallback: what every build and every write
runs) and once with ``validator="pyshacl"`` (the reference), and each report is compared
with the suite's expected one (:mod:`tests.w3c.shacl_manifest`). The score of each line is
printed at the end of the run; each known failure is a strict xfail with its reason.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from service.graph import shacl_sparql
from service.graph.validate import Validator, validate
from tests.w3c.shacl_manifest import CORE, MISSING, SCORES, ShaclTest, core_tests, difference

pytestmark = pytest.mark.skipif(not CORE.is_dir(), reason=MISSING)

VALIDATORS: tuple[Validator, ...] = ("sparql", "pyshacl")

#: Known failures per validator, each with its reason.
XFAIL: dict[tuple[Validator, str], str] = {
    ("pyshacl", "property/uniqueLang-002"): (
        'pyshacl reads sh:uniqueLang "1"^^xsd:boolean as true (its Python value); the suite '
        "activates the constraint only for the literal true, as the compiled validator does"
    ),
}

#: The tests with a shape the compiler leaves to pyshacl, and why.
FALLBACK: dict[str, str] = {
    "complex/shacl-shacl": "recursive shapes (the shapes graph of SHACL itself)",
    "property/property-001": "sh:property under a property shape: a result per focus node "
    "reaching a value, which per-value queries would merge",
    "validation-reports/shared": "sh:property under a property shape",
    "property/qualifiedMinCountDisjoint-001": "sh:qualifiedValueShapesDisjoint",
    "property/qualifiedValueShapesDisjoint-001": "sh:qualifiedValueShapesDisjoint",
}

TESTS = list(core_tests()) if CORE.is_dir() else []


def _params() -> list[object]:
    return [
        pytest.param(
            test,
            validator,
            id=f"{validator}:{test.id}",
            marks=[pytest.mark.xfail(reason=XFAIL[validator, test.id], strict=True)]
            if (validator, test.id) in XFAIL
            else [],
        )
        for validator in VALIDATORS
        for test in TESTS
    ]


@pytest.mark.parametrize(("test", "validator"), _params())
def test_core(test: ShaclTest, validator: Validator) -> None:
    data, shapes = test.graphs()
    compiled = shacl_sparql.compile_shapes(shapes)
    outcome = validate(data, shapes, Graph(), validator=validator)
    problem = difference(outcome.report, test)
    SCORES[validator][test.id] = (problem is None, not compiled.fallback)
    assert problem is None, problem


def test_the_suite_is_all_there() -> None:
    assert len(TESTS) == 98
    assert len({t.id for t in TESTS}) == len(TESTS)


def test_the_compiler_leaves_only_these_to_pyshacl() -> None:
    leaves = {t.id for t in TESTS if shacl_sparql.compile_shapes(t.graphs()[1]).fallback}
    assert leaves == set(FALLBACK)


def test_the_service_validator_scores_at_least_the_reference() -> None:
    """Every xfail is strict, so the table is the score: the compiled line may not fail a
    test the reference passes."""
    failing = {v: {t for (w, t) in XFAIL if w == v} for v in VALIDATORS}
    assert failing["sparql"] <= failing["pyshacl"]

"""Disjoint kinds of policy node turn a modelling slip into a build failure, not a silent type."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace

from service.graph.reason import infer

REPO = Path(__file__).resolve().parents[2]
ESS = Namespace("https://w3id.org/esskg/def#")
RES = Namespace("https://w3id.org/esskg/id/")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted(REPO.glob("ontology/**/*.ttl")):
        graph.parse(path)
    return graph


@pytest.mark.parametrize("other", [ESS.SPASER, ESS.Action])
def test_an_objective_cannot_also_be(ontology: Graph, other: object) -> None:
    data = Graph()
    data.add((RES["spaser/x"], RDF.type, other))
    data.add((RES["spaser/x"], RDF.type, ESS.Objective))
    problems = infer(ontology, data).inconsistencies
    assert any("Disjoint classes" in p and "spaser/x" in p for p in problems), problems


def test_a_plan_with_actions_stays_a_plan(ontology: Graph) -> None:
    """``ess:hasAction`` on a plan (as the Gironde page states it) types nothing as objective."""
    data = Graph()
    data.add((RES["spaser/x"], RDF.type, ESS.SPASER))
    data.add((RES["spaser/x"], ESS.hasAction, RES["action/y"]))
    outcome = infer(ontology, data)
    assert outcome.inconsistencies == []
    assert (RES["spaser/x"], RDF.type, ESS.Objective) not in outcome.inferred
    assert (RES["action/y"], RDF.type, ESS.Action) in outcome.inferred

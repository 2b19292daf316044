"""The scalable reasoner infers exactly what owlrl infers, triple for triple.

owlrl is the oracle: the build's default reasoner (``service.graph.materialise``) must
produce the same inferred graph (closure minus asserted minus tautologies) on the shipped
data, on a generated 10k-triple sample, and on a small ontology that exercises the OWL RL
constructs the shipped ontology does not use yet.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bench.generate import write_project
from service.graph.materialise import materialise
from service.graph.parse import parse_all
from service.graph.reason import infer
from service.graph.sources import Role, discover
from service.store.terms import to_oxigraph

ROOT = Path(__file__).resolve().parents[2]


def _engine_triples(graph: Graph) -> list[ox.Triple]:
    return [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in graph]  # type: ignore[misc]


def _assert_same_inferences(ontology: Graph, data: Graph) -> int:
    expected = infer(ontology, data)
    found = materialise(ontology, _engine_triples(data))
    got = found.to_rdflib()
    missing = set(expected.inferred) - set(got)
    extra = set(got) - set(expected.inferred)
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])
    assert bool(found.inconsistencies) == bool(expected.inconsistencies)
    return len(got)


def _parsed(root: Path) -> tuple[Graph, Graph]:
    parsed = parse_all(discover(root))
    assert not parsed.errors
    return parsed.graphs[Role.ONTOLOGY], parsed.graphs[Role.DATA]


def test_rules_equal_owlrl_on_the_shipped_data() -> None:
    ontology, data = _parsed(ROOT)
    assert _assert_same_inferences(ontology, data) > 0


@pytest.mark.slow
def test_rules_equal_owlrl_on_a_generated_10k_sample(tmp_path: Path) -> None:
    write_project(10_000, tmp_path / "bench", repo=ROOT)
    ontology, data = _parsed(tmp_path / "bench")
    assert len(data) > 10_000
    assert _assert_same_inferences(ontology, data) > 1_000


CONSTRUCTS = """
@prefix : <https://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:partOf a owl:TransitiveProperty ; rdfs:subPropertyOf :related ; owl:inverseOf :hasPart .
:knows a owl:SymmetricProperty .
:grandParent owl:propertyChainAxiom ( :parent :parent ) .
:parent rdfs:domain :Person ; rdfs:range :Person .
:sameTown owl:equivalentProperty :coLocated .
:Member owl:equivalentClass [ a owl:Restriction ; owl:onProperty :memberOf ;
                               owl:someValuesFrom :Club ] .
:Breton owl:equivalentClass [ a owl:Restriction ; owl:onProperty :region ;
                               owl:hasValue :bretagne ] .
:Vegan rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :eats ;
                          owl:allValuesFrom :Plant ] .
:BretonMember owl:intersectionOf ( :Breton :Member ) .
:Anyone owl:unionOf ( :Person :Club ) .
"""
FACTS = """
@prefix : <https://example.org/> .
:a :partOf :b . :b :partOf :c . :c :partOf :d .
:x :knows :y . :p1 :parent :p2 . :p2 :parent :p3 .
:t1 :sameTown :t2 .
:m :memberOf :club . :club a :Club . :m :region :bretagne .
:v a :Vegan ; :eats :carrot .
:lit :label "text" .
"""


def test_rules_equal_owlrl_on_every_compiled_construct() -> None:
    ontology = Graph().parse(data=CONSTRUCTS, format="turtle")
    data = Graph().parse(data=FACTS, format="turtle")
    assert _assert_same_inferences(ontology, data) > 20

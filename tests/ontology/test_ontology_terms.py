"""The ontology declares every term of the ess namespace that anything uses, with
French and English labels and comments, in modules that carry a full header; and the
OWL-RL closure of ontology + data merges nothing and derives no contradiction."""

from __future__ import annotations

import re
from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Literal, Namespace, URIRef

REPO = Path(__file__).resolve().parents[2]
ESS = "https://w3id.org/esskg/def#"
VANN = Namespace("http://purl.org/vocab/vann/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
TERM_KINDS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
MODULES = sorted(REPO.glob("ontology/**/*.ttl"))


def parse_all(pattern: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(REPO.glob(pattern)):
        g.parse(path)
    return g


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return parse_all("ontology/**/*.ttl")


def ess_iris_in_graph(g: rdflib.Graph) -> set[str]:
    return {
        str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(ESS)
    }


def ess_iris_in_text(text: str) -> set[str]:
    found = {ESS + m for m in re.findall(r"(?<![\w/#])ess:([A-Za-z_][\w-]*)", text)}
    found |= set(re.findall(r"<(https://w3id\.org/esskg/def#[^>]+)>", text))
    return found


def used_terms() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for folder in ("ontology", "shapes", "data"):
        for path in REPO.glob(f"{folder}/**/*.ttl"):
            for iri in ess_iris_in_graph(rdflib.Graph().parse(path)):
                used.setdefault(iri, set()).add(str(path.relative_to(REPO)))
            if folder == "shapes":  # SPARQL text inside sh:select
                for iri in ess_iris_in_text(path.read_text(encoding="utf-8")):
                    used.setdefault(iri, set()).add(str(path.relative_to(REPO)))
    for path in REPO.glob("queries/**/*.rq"):
        for iri in ess_iris_in_text(path.read_text(encoding="utf-8")):
            used.setdefault(iri, set()).add(str(path.relative_to(REPO)))
    used.pop(ESS, None)
    return used


def langs(g: rdflib.Graph, s: URIRef, p: URIRef) -> set[str | None]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal)}


def test_every_used_ess_term_is_declared(ontology: rdflib.Graph) -> None:
    undeclared = {
        iri: sorted(where)
        for iri, where in used_terms().items()
        if not set(ontology.objects(URIRef(iri), RDF.type)) & TERM_KINDS
    }
    assert undeclared == {}


def test_every_declared_term_has_bilingual_label_comment_and_module(ontology: rdflib.Graph) -> None:
    modules = set(ontology.subjects(RDF.type, OWL.Ontology))
    problems = []
    for term in sorted(ess_iris_in_graph(ontology)):
        s = URIRef(term)
        if not set(ontology.objects(s, RDF.type)) & TERM_KINDS:
            continue
        if not {"fr", "en"} <= langs(ontology, s, RDFS.label):
            problems.append((term, "label fr+en"))
        if not {"fr", "en"} <= langs(ontology, s, RDFS.comment):
            problems.append((term, "comment fr+en"))
        if not set(ontology.objects(s, RDFS.isDefinedBy)) & modules:
            problems.append((term, "isDefinedBy a module"))
    assert problems == []


def test_terms_are_defined_by_the_module_that_declares_them() -> None:
    for path in REPO.glob("ontology/*.ttl"):
        g = rdflib.Graph().parse(path)
        (module,) = g.subjects(RDF.type, OWL.Ontology)
        for term in g.subjects(RDFS.isDefinedBy, None):
            assert g.value(term, RDFS.isDefinedBy) == module, (path.name, term)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(REPO)) for p in MODULES])
def test_module_has_ontology_header(path: Path) -> None:
    g = rdflib.Graph().parse(path)
    headers = list(g.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1, "exactly one owl:Ontology per file"
    (m,) = headers
    assert str(m).startswith("https://w3id.org/esskg/def/")
    version = g.value(m, OWL.versionIRI)
    assert version is not None and str(version).startswith(str(m) + "/")
    assert str(g.value(m, VANN.preferredNamespacePrefix)) == "ess"
    assert str(g.value(m, VANN.preferredNamespaceUri)) == ESS
    assert {"fr", "en"} <= langs(g, m, DCTERMS.title)
    assert {"fr", "en"} <= langs(g, m, DCTERMS.description)


def test_ontology_avoids_axioms_that_merge_entities(ontology: rdflib.Graph) -> None:
    assert list(ontology.subject_objects(OWL.hasKey)) == []
    assert list(ontology.subjects(RDF.type, OWL.FunctionalProperty)) == []
    assert list(ontology.subjects(RDF.type, OWL.InverseFunctionalProperty)) == []
    assert list(ontology.subject_objects(OWL.maxCardinality)) == []
    assert list(ontology.subject_objects(OWL.sameAs)) == []


@pytest.fixture(scope="module")
def closure(ontology: rdflib.Graph) -> rdflib.Graph:
    g = rdflib.Graph()
    g += ontology
    g += parse_all("data/**/*.ttl")
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(g)
    return g


def test_closure_has_no_same_as_between_distinct_resources(closure: rdflib.Graph) -> None:
    merged = [(s, o) for s, o in closure.subject_objects(OWL.sameAs) if s != o]
    assert merged == []


def test_closure_has_no_unsatisfiable_individual(closure: rdflib.Graph) -> None:
    assert list(closure.subjects(RDF.type, OWL.Nothing)) == []


def test_closure_derives_the_intended_shortcuts(closure: rdflib.Graph) -> None:
    ess = Namespace(ESS)
    rid = Namespace("https://w3id.org/esskg/id/")
    assert (rid["texte/loi-2014-856-art13"], ess.amendedByAct, rid["texte/loi-2015-992"]) in closure
    assert (rid["texte/loi-2014-856-art13-i"], ess.codifiedAs, rid["texte/ccp-l2111-3"]) in closure
    assert (rid["collectivite/cu-dunkerque"], ess.adopted, rid["spaser/cud-dunkerque"]) in closure
    org = Namespace("http://www.w3.org/ns/org#")
    assert (
        rid["unite/ems-atelier-conseil-ess"],
        org.transitiveSubOrganizationOf,
        rid["collectivite/eurometropole-strasbourg"],
    ) in closure

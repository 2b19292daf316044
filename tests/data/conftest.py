"""Session fixture for the fact tests: ontology + data (+ OWL-RL inferences) in an
in-memory Oxigraph store, one named graph per file as the build maps them, queried
with the default graph as the union of all graphs.

The lead will swap this for the pipeline's own store; tests only use ASK/SELECT."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib

REPO = Path(__file__).resolve().parents[2]
BASE = "https://w3id.org/esskg/graph/"
FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".trig": "trig"}


def graph_name_for(path: Path) -> str:
    """The named graph the build assigns to a file of ontology/ or data/."""
    rel = path.relative_to(REPO)
    if rel.parts[0] == "ontology":
        return BASE + "ontology"
    if rel.parts[:2] == ("data", "sources"):
        return BASE + "source/" + path.stem
    return BASE + path.stem


def source_files() -> list[Path]:
    files = [*REPO.glob("ontology/**/*"), *REPO.glob("data/**/*")]
    return sorted(p for p in files if p.suffix in FORMATS)


def _to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


@pytest.fixture(scope="session")
def facts_store() -> ox.Store:
    store = ox.Store()
    union = rdflib.Graph()
    for path in source_files():
        g = rdflib.Graph().parse(path, format=FORMATS[path.suffix])
        name = ox.NamedNode(graph_name_for(path))
        store.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), name) for s, p, o in g)
        union += g
    asserted = set(union)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(union)
    # owlrl works on generalised RDF (literal subjects); those triples are dropped.
    inferred = ox.NamedNode(BASE + "inferred")
    store.extend(
        ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), inferred)
        for s, p, o in union
        if (s, p, o) not in asserted
        and not isinstance(s, rdflib.Literal)
        and isinstance(p, rdflib.URIRef)
    )
    return store

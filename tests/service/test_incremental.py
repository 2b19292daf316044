"""Writes as deltas: incremental reasoning and validation equal a rebuild after every write.

Random sequences of writes (removals, restorations, retargeted values, single triples,
conforming and violating) run on the shipped data and on a generated 10k sample; after
each write the inferred graph kept by :mod:`service.graph.incremental_reasoning`, its
inconsistencies and the report kept by :mod:`service.graph.incremental_validation` must
equal a from-scratch :func:`materialise` and :func:`validate` of the same asserted data.
Three kinds of write are built on purpose, each also a test of its own: a delete that
removes the last support of inferred triples, one that leaves another support, and writes
that create then resolve a violation on a *neighbour* (the subject pointing at a resource
whose type the write removes, through an ``sh:class`` path).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SH

from bench.generate import write_project
from service.settings import Settings
from tests.service.incremental_model import LAYOUT, Model, Project

REPO = Path(__file__).resolve().parents[2]
TYPE = ox.NamedNode(str(RDF.type))
Write = tuple[list[ox.Quad], list[ox.Quad]]
#: An operation: what to write next (one or more writes), from the model's current state.
Op = Callable[[Model, random.Random], list[Write]]


@pytest.fixture(scope="module")
def shipped(shipped_build: Settings) -> Project:
    return Project.load(shipped_build.root)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("incremental-10k")
    write_project(10_000, folder, repo=REPO)
    return Project.load(folder)


@pytest.fixture(params=["shipped", "sample"])
def project(request: pytest.FixtureRequest) -> Project:
    """Each of the two projects in turn."""
    found: Project = request.getfixturevalue(request.param)
    return found


# -- writes built on purpose -------------------------------------------------------------------


def last_support(model: Model, rng: random.Random) -> list[Write]:
    """Remove everything said about the subject of an inferred triple: every rule deriving
    a fact about a resource reads a triple that mentions it, so the inferred triples about
    it lose their last support (the ontology uses no ``owl:hasValue``)."""
    inferred = sorted(model.inferred(), key=str)
    described = {q.subject for q in model.data()}
    subjects = sorted({t.subject for t in inferred if t.subject in described}, key=str)
    return [(_mentioning(model, rng.choice(subjects)), [])]


def _mentioning(model: Model, s: ox.NamedNode | ox.BlankNode | ox.Triple) -> list[ox.Quad]:
    return [q for q in model.data() if s in (q.subject, q.object)]


def other_support(model: Model, rng: random.Random) -> list[Write]:
    """Give an inferred type a second support (a subclass), then remove the first (the
    resource's other asserted types): the inferred type must stay."""
    found = _second_supports(model)
    s, sub, graph = rng.choice(found)[:3]
    first = [(ox.Quad(s, TYPE, sub, graph))]
    others = [q for q in model.data() if q.subject == s and q.predicate == TYPE]
    return [([], first), (others, [])]


def _second_supports(
    model: Model,
) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode, ox.NamedNode]]:
    """(resource, a subclass it lacks, its graph, the inferred class) for resources with
    an inferred type that has a proper subclass."""
    ontology = model.project.ontology
    asserted = {(q.subject, q.object) for q in model.data() if q.predicate == TYPE}
    graphs = {q.subject: q.graph_name for q in model.data() if q.predicate == TYPE}
    found = []
    for t in sorted(model.inferred(), key=str):
        if t.predicate != TYPE or t.subject not in graphs or not isinstance(t.object, ox.NamedNode):
            continue
        subs = sorted(
            str(c)
            for c in ontology.transitive_subjects(RDFS.subClassOf, URIRef(t.object.value))
            if isinstance(c, URIRef) and str(c) != t.object.value
        )
        for sub in subs:
            if (t.subject, ox.NamedNode(sub)) not in asserted:
                found.append((t.subject, ox.NamedNode(sub), graphs[t.subject], t.object))  # type: ignore[arg-type]
                break
    assert found, "no inferred type with a subclass to support it otherwise"
    return found


def neighbour(model: Model, rng: random.Random) -> list[Write]:
    """Remove the types of a resource another one points at through an ``sh:class`` path
    (a violation on that other one, the neighbour), then restore them (resolved)."""
    _, y = rng.choice(_neighbours(model))
    types = [q for q in model.data() if q.subject == y and q.predicate == TYPE]
    return [(types, []), ([], types)]


def _neighbours(model: Model) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    """(x, y): x is a focus node of a shape whose path leads to y with ``sh:class``."""
    shapes = model.project.shapes
    found: set[tuple[ox.NamedNode, ox.NamedNode]] = set()
    view = [g for g in model.store.named_graphs() if g not in (LAYOUT.shapes, LAYOUT.inferred)]
    for root, prop in shapes.subject_objects(SH.property):
        path, cls = shapes.value(prop, SH.path), shapes.value(prop, SH["class"])
        targets = list(shapes.objects(root, SH.targetClass))
        if not isinstance(path, URIRef) or cls is None or not targets:
            continue
        query = (
            f"SELECT DISTINCT ?x ?y WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* <{targets[0]}> . "
            f"?x <{path}> ?y . ?y <{RDF.type}>/<{RDFS.subClassOf}>* <{cls}> . "
            f"FILTER (isIRI(?y)) }} LIMIT 5"
        )
        for row in model.store.query(query, default_graph=view):  # type: ignore[union-attr]
            found.add((row["x"], row["y"]))  # type: ignore[index]
    assert found, "no resource reached through an sh:class path"
    return sorted(found, key=str)


# -- random writes -----------------------------------------------------------------------------


def drop_some(model: Model, rng: random.Random) -> list[Write]:
    data = model.data()
    return [(rng.sample(data, rng.randint(1, 15)), [])]


def restore_some(model: Model, rng: random.Random) -> list[Write]:
    if not model.removed:
        return drop_some(model, rng)
    return [([], rng.sample(model.removed, min(len(model.removed), rng.randint(1, 10))))]


def retarget(model: Model, rng: random.Random) -> list[Write]:
    """Point a few values at other resources (wrong classes, extra values), some moved."""
    data = model.data()
    iris = sorted({q.object for q in data if isinstance(q.object, ox.NamedNode)}, key=str)
    removed, added = [], []
    for quad in rng.sample(data, 6):
        if isinstance(quad.object, ox.NamedNode):
            added.append(ox.Quad(quad.subject, quad.predicate, rng.choice(iris), quad.graph_name))
            if rng.random() < 0.5:
                removed.append(quad)
    return [(removed, added)]


def one_triple(model: Model, rng: random.Random) -> list[Write]:
    """A one-triple PUT-like change: a new value, a new type, or one triple less."""
    data = model.data()
    quad = rng.choice(data)
    roll = rng.random()
    if roll < 0.3:
        return [([quad], [])]
    if roll < 0.6:
        other = rng.choice(data)
        return [([], [ox.Quad(quad.subject, TYPE, other.object, quad.graph_name)])]
    if roll < 0.8:
        value = ox.Literal(rng.choice(["x", "12", "2020"]), language=rng.choice([None, "fr"]))
        return [([], [ox.Quad(quad.subject, quad.predicate, value, quad.graph_name)])]
    graph = ox.NamedNode("https://w3id.org/esskg/graph/partner/test")
    return [([], [ox.Quad(quad.subject, quad.predicate, quad.object, graph)])]


OPS: list[Op] = [
    drop_some, restore_some, retarget, one_triple, last_support, other_support, neighbour,
]  # fmt: skip


def _run(project: Project, ops: list[Op], rng: random.Random) -> None:
    model = Model(project)
    for op in ops:
        for removed, added in op(model, rng):
            model.write(removed, added)
            model.assert_rebuilt()


PROPERTY = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=3), rng=st.randoms())
def test_writes_on_the_shipped_data_equal_a_rebuild(
    shipped: Project, ops: list[Op], rng: random.Random
) -> None:
    _run(shipped, ops, rng)


@pytest.mark.slow
@settings(PROPERTY, max_examples=4)
@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=3), rng=st.randoms())
def test_writes_on_a_generated_sample_equal_a_rebuild(
    sample: Project, ops: list[Op], rng: random.Random
) -> None:
    _run(sample, ops, rng)


# -- the built writes, checked for what they were built to do ----------------------------------


def test_a_delete_removing_the_last_support_removes_the_inferences(project: Project) -> None:
    model = Model(project)
    inferred = model.inferred()
    subject = sorted({q.subject for q in model.data()} & {t.subject for t in inferred}, key=str)[0]
    about = {t for t in inferred if t.subject == subject}
    inference, _ = model.write(_mentioning(model, subject), [])
    assert inference.full is None
    assert about and about <= inference.removed
    model.assert_rebuilt()


def test_a_delete_leaving_another_support_keeps_the_inference(project: Project) -> None:
    model = Model(project)
    s, sub, graph, inferred_class = _second_supports(model)[0]
    others = [q for q in model.data() if q.subject == s and q.predicate == TYPE]
    model.write([], [ox.Quad(s, TYPE, sub, graph)])
    model.assert_rebuilt()
    inference, _ = model.write(others, [])
    assert inference.full is None
    assert ox.Triple(s, TYPE, inferred_class) in model.inferred()
    assert ox.Triple(s, TYPE, inferred_class) not in inference.removed
    model.assert_rebuilt()


def test_removing_a_type_creates_then_restoring_it_resolves_a_violation_on_a_neighbour(
    project: Project,
) -> None:
    model = Model(project)
    x, y = _neighbours(model)[0]
    types = [q for q in model.data() if q.subject == y and q.predicate == TYPE]

    def class_violations() -> set[str]:
        return {
            p.path or ""
            for p in model.outcome().violations
            if p.focus == str(x) and p.constraint == "ClassConstraintComponent"
        }

    before = class_violations()
    _, validation = model.write(types, [])
    model.assert_rebuilt()
    assert any(r.focus == x and r.check.component == "ClassConstraintComponent"
               for r in validation.rows)  # fmt: skip
    assert class_violations() > before
    model.write([], types)
    model.assert_rebuilt()
    assert class_violations() == before

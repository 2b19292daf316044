"""The VoID statistics of a build, counted once while it is built and kept beside it.

Why: the VoID description gives, for the dataset and for each named graph, its triples,
entities, distinct subjects and objects, and its class and property partitions. Asked of
the on-disk store with the whole territory, those counts took 27 to 52 s for the first
reader. The build holds every quad in memory already, so it counts them in a few seconds
and writes ``void.json``; the service reads it back while it serves that build unchanged
(:meth:`service.api.runtime.AppState.built`), and counts from the store after a write.

The counts are the engine's, not an approximation: they follow the SPARQL the service
would run (:mod:`service.api.routers.meta`) on the store the build wrote. Two guards keep
them so: each graph's triple count must equal the engine's, and every literal the engine
stores by value (numbers, booleans, dates) must already be written canonically (the
engine would merge ``"01"`` and ``"1"``); and every class must be an IRI. Otherwise
nothing is written and the service counts from the store.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from operator import attrgetter
from pathlib import Path

import pyoxigraph as ox

FILE = "void.json"
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Literals the engine stores as their text, so equal exactly when written alike.
_TEXT_TYPES = frozenset(
    {
        _XSD + "string",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
        _XSD + "token",
        _XSD + "anyURI",
    }
)


@dataclass
class Partition:
    """What VoID says of one graph, or of all named graphs together."""

    triples: int
    entities: int  # distinct IRI subjects
    subjects: int
    objects: int
    classes: dict[str, int]  # class IRI → distinct subjects typed with it
    properties: dict[str, int]  # predicate IRI → triples


@dataclass
class VoidStats:
    dataset: Partition
    graphs: dict[str, Partition]


def _partition(
    triples: int,
    subjects: set[object],
    objects: set[object],
    classes: Mapping[str, set[object]],
    properties: Mapping[str, int],
) -> Partition:
    return Partition(
        triples,
        sum(1 for s in subjects if isinstance(s, ox.NamedNode)),
        len(subjects),
        len(objects),
        {c: len(members) for c, members in sorted(classes.items())},
        dict(sorted(properties.items())),
    )


@dataclass
class _Graph:
    triples: int
    subjects: set[object]
    objects: set[object]
    classes: dict[str, set[object]]
    properties: Counter[str]


@dataclass
class Counted:
    """The counts of a build's quads, before they are checked against the engine's."""

    graphs: dict[str, _Graph]
    exact: bool  # every literal canonical, every class an IRI

    def stats(self, total: int, graph_counts: Mapping[str, int]) -> VoidStats | None:
        """The statistics, or None when the engine would count differently.

        ``total`` and ``graph_counts``: the engine's own counts of the store (the build's
        manifest): the dataset's triples, and the guard on each graph's.
        """
        counted = {name: g.triples for name, g in self.graphs.items()}
        if not self.exact or counted != dict(graph_counts):
            return None
        subjects: set[object] = set()
        objects: set[object] = set()
        classes: defaultdict[str, set[object]] = defaultdict(set)
        properties: Counter[str] = Counter()
        for g in self.graphs.values():
            subjects |= g.subjects
            objects |= g.objects
            for c, members in g.classes.items():
                classes[c] |= members
            properties.update(g.properties)  # the dataset's partition counts per graph (a bag)
        return VoidStats(
            _partition(total, subjects, objects, classes, properties),
            {
                name: _partition(g.triples, g.subjects, g.objects, g.classes, g.properties)
                for name, g in sorted(self.graphs.items())
            },
        )


_SUBJECT = attrgetter("subject")
_PREDICATE = attrgetter("predicate")
_OBJECT = attrgetter("object")


def count(quads: Iterable[ox.Quad]) -> Counted:
    """Count every quad written (repeats allowed), as the service's SPARQL would; the work
    is done graph by graph with the interpreter's set and counter builders, a few seconds
    for the territory's million quads."""
    default = ox.DefaultGraph()
    by_graph: defaultdict[str, list[ox.Quad]] = defaultdict(list)
    for quad in set(quads):
        graph = quad.graph_name
        if graph != default:
            by_graph[graph.value].append(quad)  # type: ignore[union-attr]
    graphs: dict[str, _Graph] = {}
    exact = True
    literals: set[ox.Literal] = set()
    for name, held in by_graph.items():
        classes: defaultdict[str, set[object]] = defaultdict(set)
        for q in held:
            if q.predicate == _TYPE:
                c = q.object
                if not isinstance(c, ox.NamedNode):
                    exact = False  # a class without an IRI (a restriction): not kept here
                    continue
                classes[c.value].add(q.subject)
        objects = set(map(_OBJECT, held))
        literals.update(
            o
            for o in objects
            if isinstance(o, ox.Literal)
            and o.language is None
            and o.datatype.value not in _TEXT_TYPES
        )
        properties = Counter(p.value for p in map(_PREDICATE, held))
        graphs[name] = _Graph(
            len(held), set(map(_SUBJECT, held)), objects, dict(classes), properties
        )
    return Counted(graphs, exact and _canonical(literals))


def _canonical(literals: set[ox.Literal]) -> bool:
    """Whether the engine stores each literal exactly as written (it keeps numbers, booleans
    and dates by value, so ``"01"^^xsd:integer`` would come back as ``"1"``)."""
    if not literals:
        return True
    given = list(literals)
    probe = ox.Store()
    value = ox.NamedNode("urn:esskg:value")
    probe.extend(
        ox.Quad(ox.NamedNode(f"urn:esskg:{i}"), value, literal) for i, literal in enumerate(given)
    )
    for quad in probe.quads_for_pattern(None, value, None, None):
        subject = quad.subject
        assert isinstance(subject, ox.NamedNode)
        if quad.object != given[int(subject.value[len("urn:esskg:") :])]:
            return False
    return True


def write(folder: Path, stats: VoidStats) -> None:
    (folder / FILE).write_text(json.dumps(asdict(stats)), "utf-8")


def read(folder: Path) -> VoidStats | None:
    """The statistics kept with a build, or None (none written, or unreadable)."""
    try:
        data = json.loads((folder / FILE).read_text("utf-8"))
        return VoidStats(
            Partition(**data["dataset"]),
            {name: Partition(**p) for name, p in data["graphs"].items()},
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None

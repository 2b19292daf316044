"""Parsing every source file with the engine's parser, which reports exact positions.

The quads stay engine-native for the load (the fast path), for SHACL (compiled to engine
queries) and for the reasoning rules. Only the ontology and the shapes (small) are turned
into rdflib graphs up front; the data's rdflib graph, which costs seconds and gigabytes at
a million triples, is built on first use, for pyshacl or owlrl when they are asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from rdflib import Graph

from service.errors import RdfSyntaxError
from service.formats import rdf_format_for_path
from service.graph.sources import Role, SourceFile
from service.store.delta import engine_graph
from service.store.terms import triple_to_rdflib


class _Graphs(dict[Role, Graph]):
    """rdflib graphs per role; the data's is converted from the engine quads on demand."""

    def __init__(self, parsed: ParsedSources) -> None:
        super().__init__({Role.ONTOLOGY: Graph(), Role.SHAPES: Graph()})
        self._parsed = parsed

    def __missing__(self, role: Role) -> Graph:
        graph = Graph()
        if role is Role.DATA:
            for quad in self._parsed.data_quads:
                graph.add(triple_to_rdflib(quad.triple))
        self[role] = graph
        return graph


@dataclass
class ParsedSources:
    """All quads of a build, with what validation and reasoning need from them."""

    quads: list[ox.Quad] = field(default_factory=list)
    data_quads: list[ox.Quad] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    errors: list[RdfSyntaxError] = field(default_factory=list)
    graphs: dict[Role, Graph] = field(init=False)

    def __post_init__(self) -> None:
        self.graphs = _Graphs(self)

    @property
    def data_triples(self) -> list[ox.Triple]:
        """The data as engine triples, for the reasoning rules."""
        return [q.triple for q in self.data_quads]

    @cached_property
    def subject_files(self) -> dict[str, set[str]]:
        """Which files describe each subject: only a failing build's report needs it."""
        found: dict[str, set[str]] = defaultdict(set)
        label = {s.graph or "": s.label for s in self.files if s.role is Role.DATA}
        for quad in self.data_quads:
            graph = quad.graph_name
            name = graph.value if isinstance(graph, ox.NamedNode) else ""
            found[_node_key(quad.subject)].add(label.get(name, name))
        return found

    def add_generated(self, source: SourceFile, quads: list[ox.Quad]) -> None:
        """Quads a converter produced (an official referential), checked like a data file."""
        self.files.append(source)
        self.quads.extend(quads)
        self.data_quads.extend(quads)

    def graph_names(self) -> set[str]:
        return {q.graph_name.value for q in self.quads if isinstance(q.graph_name, ox.NamedNode)}


def _node_key(node: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """How a report names a focus node: the IRI or blank-node label without brackets."""
    return node.value if isinstance(node, ox.NamedNode | ox.BlankNode) else str(node)


def parse_file(source: SourceFile) -> list[ox.Quad]:
    """Quads of one file; triples outside a named graph go to the file's own graph."""
    fmt = rdf_format_for_path(source.path)
    own_graph = engine_graph(source.graph)
    try:
        parsed = list(ox.parse(path=str(source.path), format=fmt.oxigraph_rdf, base_iri=None))
    except SyntaxError as exc:
        raise RdfSyntaxError(str(exc.msg or exc), source.label, exc.lineno, exc.offset) from exc
    return [
        ox.Quad(q.subject, q.predicate, q.object, own_graph)
        if isinstance(q.graph_name, ox.DefaultGraph)
        else q
        for q in parsed
    ]


def parse_all(sources: Iterable[SourceFile]) -> ParsedSources:
    """Parse every file; syntax errors are collected so one run reports them all."""
    result = ParsedSources()
    for source in sources:
        try:
            quads = parse_file(source)
        except RdfSyntaxError as exc:
            result.errors.append(exc)
            continue
        result.files.append(source)
        result.quads.extend(quads)
        if source.role is Role.DATA:
            result.data_quads.extend(quads)
            continue
        graph = result.graphs[source.role]
        for quad in quads:
            graph.add(triple_to_rdflib(quad.triple))
    return result

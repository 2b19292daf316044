"""Parsing every source file with the engine's parser, which reports exact positions.

The quads stay engine-native for the load (the fast path), and are converted once into
rdflib graphs for pyshacl and owlrl, which need them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from service.errors import RdfSyntaxError
from service.formats import rdf_format_for_path
from service.graph.sources import Role, SourceFile
from service.store.terms import triple_to_rdflib


@dataclass
class ParsedSources:
    """All quads of a build, with what validation and reasoning need from them."""

    quads: list[ox.Quad] = field(default_factory=list)
    graphs: dict[Role, Graph] = field(default_factory=lambda: {r: Graph() for r in Role})
    data_triples: list[ox.Triple] = field(default_factory=list)
    subject_files: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: list[SourceFile] = field(default_factory=list)
    errors: list[RdfSyntaxError] = field(default_factory=list)

    def graph_names(self) -> set[str]:
        return {q.graph_name.value for q in self.quads if isinstance(q.graph_name, ox.NamedNode)}


def _node_key(node: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """How a report names a focus node: the IRI or blank-node label without brackets."""
    return node.value if isinstance(node, ox.NamedNode | ox.BlankNode) else str(node)


def parse_file(source: SourceFile) -> list[ox.Quad]:
    """Quads of one file; triples outside a named graph go to the file's own graph."""
    fmt = rdf_format_for_path(source.path)
    own_graph = ox.NamedNode(source.graph)
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
        graph = result.graphs[source.role]
        for quad in quads:
            triple = quad.triple
            graph.add(triple_to_rdflib(triple))
            if source.role is Role.DATA:
                result.data_triples.append(triple)
                result.subject_files[_node_key(quad.subject)].add(source.label)
    return result

"""The store interface every backend implements: embedded Oxigraph or a remote SPARQL engine.

Terms crossing this interface are rdflib terms, so that no engine-specific type leaks into
the pipeline, the HTTP layer or the tests. Result serialisation stays inside the backend,
because the engine writes its own formats far faster than a Python round trip would.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef

from service.formats import Format

if TYPE_CHECKING:  # the update builder imports this module's term types
    from service.sparql.updates import GraphEdit

Term = URIRef | BNode | Literal
Triple = tuple[URIRef | BNode, URIRef, Term]
Quad = tuple[URIRef | BNode, URIRef, Term, URIRef | None]
Row = dict[str, Term]

#: Marks the store's default graph where a graph name is expected.
DEFAULT_GRAPH: None = None


def digest_lines(lines: Iterable[str]) -> str | None:
    """The digest of a set of N-Triples lines, whatever their order; None for no line."""
    ordered = sorted(lines)
    if not ordered:
        return None
    return hashlib.sha256("\n".join(ordered).encode("utf-8")).hexdigest()


class QueryKind(StrEnum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE


class QueryResult(ABC):
    """The answer to one query, read once: iterate it or serialise it, not both."""

    kind: QueryKind

    @property
    @abstractmethod
    def variables(self) -> list[str]:
        """Projected variable names of a SELECT, in order; empty for other forms."""

    @property
    @abstractmethod
    def boolean(self) -> bool:
        """The answer of an ASK."""

    @abstractmethod
    def rows(self) -> Iterator[Row]:
        """Solutions of a SELECT; unbound variables are absent from a row."""

    @abstractmethod
    def triples(self) -> Iterator[Triple]:
        """Triples of a CONSTRUCT or DESCRIBE."""

    @abstractmethod
    def serialize(self, fmt: Format) -> bytes:
        """The whole answer in ``fmt`` (a results format for SELECT/ASK, RDF otherwise)."""

    def serialize_capped(self, fmt: Format, limit: int) -> tuple[bytes, bool]:
        """At most ``limit`` rows or triples in ``fmt``, and whether the cap was reached.

        "Reached" means the answer went on beyond what was sent, so the HTTP layer can say
        so. Backends cut the answer itself (``service.store.capped``); this default, for an
        ASK or a backend that cannot, sends the whole answer.
        """
        return self.serialize(fmt), False


class Store(ABC):
    """A quad store whose query default graph is the union of all its graphs, as a set
    (each distinct triple once: ``service.store.union``)."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a query; ``bindings`` pre-bind variables as RDF terms (never spliced as text).

        ``default_graphs``/``named_graphs`` override the dataset as the SPARQL protocol's
        ``default-graph-uri``/``named-graph-uri`` do; without them the default graph is the
        union of every graph, as a set. A remote store sends the query when the result is read,
        so its syntax errors surface there.
        """

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update atomically."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """Names of every non-empty named graph, sorted."""

    @abstractmethod
    def count(self, graph: str | None = None, *, all_graphs: bool = True) -> int:
        """Number of quads in the whole store as written (the union's copy not counted), or
        of triples in one graph."""

    @abstractmethod
    def get_graph(self, name: str | None) -> Graph:
        """A copy of one graph (``None``: the default graph's own statements, as written to
        it, not the union queries read)."""

    @abstractmethod
    def replace_graphs(
        self,
        graphs: Mapping[str | None, Iterable[Triple] | None],
        edits: Mapping[str | None, GraphEdit] | None = None,
    ) -> None:
        """Replace several graphs and edit others, in one transaction.

        ``None`` as content drops the graph; an edit removes and adds triples (no blank
        nodes) without rewriting the rest of its graph.
        """

    @abstractmethod
    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Bulk-add quads; used to fill a fresh store during a build."""

    @abstractmethod
    def dump(self, fmt: Format) -> bytes:
        """The whole dataset in a dataset format (N-Quads, TriG)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections; the default holds none."""

    # Conveniences shared by every backend -------------------------------------------------

    def has_graph(self, name: str) -> bool:
        return name in self.graph_names()

    def graph_digest(self, name: str | None) -> str | None:
        """A digest of one graph's content (None when it is empty): equal triples, equal
        digest, so an ETag made from it says whether the graph changed, whoever changed it."""
        from service.store.terms import ntriples  # that module imports this one

        return digest_lines(ntriples(self.get_graph(name)).splitlines())  # type: ignore[arg-type]

    def select(self, sparql: str, **kwargs: object) -> list[Row]:
        return list(self.query(sparql, **kwargs).rows())  # type: ignore[arg-type]

    def ask(self, sparql: str, **kwargs: object) -> bool:
        return self.query(sparql, **kwargs).boolean  # type: ignore[arg-type]

    def construct(self, sparql: str, **kwargs: object) -> Graph:
        graph = Graph()
        for triple in self.query(sparql, **kwargs).triples():  # type: ignore[arg-type]
            graph.add(triple)
        return graph

    def put_graph(self, name: str | None, triples: Iterable[Triple]) -> None:
        self.replace_graphs({name: triples})

    def delete_graph(self, name: str | None) -> None:
        self.replace_graphs({name: None})

    def post_graph(self, name: str | None, triples: Iterable[Triple]) -> None:
        merged = self.get_graph(name)
        for triple in triples:
            merged.add(triple)
        self.replace_graphs({name: merged})  # type: ignore[dict-item]

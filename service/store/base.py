"""The store interface every backend implements: embedded Oxigraph or a remote SPARQL engine.

Data crosses this interface in engine (pyoxigraph) terms: a write is a :class:`Delta` of
engine quads, committed by :meth:`Store.apply` in one transaction, and reads for the write
path (a graph's quads, which quads are present) come back as engine quads, so nothing is
converted on the way from a request to the commit. Query answers keep the rdflib rows the
read helpers use (:meth:`QueryResult.rows`), and also offer engine values
(:meth:`QueryResult.solutions`). Result serialisation stays inside the backend, because the
engine writes its own formats far faster than a Python round trip would.

Every capability a caller needs is a method here, answered natively by each backend (a
remote engine counts with ``COUNT``, never by downloading graphs): nothing outside
``service.store`` asks which backend it holds.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import BinaryIO, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from service.formats import NQUADS, Format
from service.store.delta import Delta, EngineTerm, GraphName

Term = URIRef | BNode | Literal
Row = dict[str, Term]
#: One solution of a SELECT in engine terms, one value (or None) per variable, in order.
Solution = tuple[EngineTerm | None, ...]

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
    def solutions(self) -> Iterator[Solution]:
        """Solutions of a SELECT in engine terms, in :attr:`variables` order."""

    @abstractmethod
    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
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


class LocalEngine(Protocol):
    """An in-memory engine store a write's checks read directly (its indexes, its SPARQL)."""

    #: committed deltas applied so far (a check keeping state between writes sees from it
    #: whether another writer came in between)
    generation: int

    def stable(self) -> AbstractContextManager[ox.Store]:
        """The engine store, with no change applied while the context lasts (reads go on)."""

    def tentatively(self, delta: Delta) -> AbstractContextManager[ox.Store]:
        """The engine store with ``delta``'s named-graph quads applied, no read starting
        meanwhile; undone when the context ends, whatever happened inside."""


class Store(ABC):
    """A quad store whose query default graph is the union of all its graphs, as a set
    (each distinct triple once: ``service.store.union``).

    Everything else it answers is the dataset as written: the named graphs, and the default
    graph's own statements (``None``), never the union's copy of the others.
    """

    #: False when queries see the store's real default graph (the W3C tests need it).
    union_default: bool = True
    #: True when the data lives in this process's engine: a query engine process may then
    #: hold a copy of it (streamed by :meth:`dump_to`) and apply the same deltas to it.
    local: bool = False

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[GraphName] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a query; ``bindings`` pre-bind variables as RDF terms (never spliced as text).

        ``default_graphs``/``named_graphs`` override the dataset as the SPARQL protocol's
        ``default-graph-uri``/``named-graph-uri`` do (``None`` among the default graphs is
        the engine's own default graph: the union, where the store keeps it there); without
        them the default graph is the union of every graph, as a set. A remote store sends
        the query when the result is read, so its syntax errors surface there.
        """

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update as it is, atomically: for tools and tests that own the
        store. The service's writes pass the gate instead, which commits deltas."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """Names of every non-empty named graph, sorted."""

    @abstractmethod
    def size(self) -> tuple[int, int]:
        """Quads in the whole store as written and named graphs holding them, in one engine
        request."""

    @abstractmethod
    def count(self, graph: GraphName = None, *, all_graphs: bool = True) -> int:
        """Number of quads in the whole store as written (the union's copy not counted), or
        of triples in one graph."""

    @abstractmethod
    def quads(self, name: GraphName) -> list[ox.Quad]:
        """Every quad of one graph (``None``: the default graph's own statements, as written
        to it, not the union queries read)."""

    @abstractmethod
    def all_quads(self, excluding: Collection[str] = ()) -> Iterator[ox.Quad]:
        """Every quad as written, except those of the ``excluding`` named graphs."""

    @abstractmethod
    def match(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        obj: EngineTerm | None = None,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads as written matching a pattern (``None``: anything there)."""

    @abstractmethod
    def present(self, quads: Collection[ox.Quad]) -> set[ox.Quad]:
        """Those of ``quads`` the store holds as written."""

    @abstractmethod
    def apply(self, delta: Delta) -> None:
        """Remove ``delta.removed`` and add ``delta.added`` in one transaction, the union
        kept exact in the same transaction.

        A named graph left without quads no longer exists afterwards.
        """

    @abstractmethod
    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Bulk-add quads; used to fill a fresh store during a build or a push."""

    @abstractmethod
    def dump(self, fmt: Format) -> bytes:
        """The whole dataset in a dataset format (N-Quads, TriG)."""

    def changes(self) -> int | None:
        """How many changes this object has committed, when nothing else can change its
        data (an engine this process alone holds open): what was read since the count last
        moved still holds. None where others may write (a remote engine)."""
        return None

    def local_engine(self) -> LocalEngine | None:
        """The engine a write's incremental checks read, or None where they cannot run (a
        remote engine; a store read straight from disk, where a tentative write would be
        durable): each write is then checked over all the data."""
        return None

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        """Stream the whole dataset to ``out`` (how a query engine process gets its copy)."""
        out.write(self.dump(fmt))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections; the default holds none."""

    # Conveniences shared by every backend -------------------------------------------------

    def has_graph(self, name: str) -> bool:
        return name in self.graph_names()

    def graph_digest(self, name: GraphName) -> str | None:
        """A digest of one graph's content (None when it is empty): equal triples, equal
        digest, so an ETag made from it says whether the graph changed, whoever changed it."""
        return digest_lines(str(quad.triple) for quad in self.quads(name))

    def select(self, sparql: str, **kwargs: object) -> list[Row]:
        return list(self.query(sparql, **kwargs).rows())  # type: ignore[arg-type]

    def ask(self, sparql: str, **kwargs: object) -> bool:
        return self.query(sparql, **kwargs).boolean  # type: ignore[arg-type]

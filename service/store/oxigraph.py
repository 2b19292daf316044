"""The embedded store: pyoxigraph, read from memory and persisted on disk.

Reads are served from an in-memory copy (scans run several times faster there), while every
write goes first to the on-disk store, which is transactional, and only then to the memory
copy, so a crash never leaves the durable copy behind what was acknowledged.

In union mode (the service's), the store's real default graph holds the union of all graphs
as a set, kept exact by every write (:mod:`service.store.union`); queries read it. Everything
else this class returns is the dataset as written: named graphs, and the default graph's own
statements (``None``), never the union's copy.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph

from service.errors import QuerySyntaxError, StoreUnavailable
from service.formats import NQUADS, Format
from service.sparql.binding import bind_variables
from service.sparql.updates import GraphEdit, replace_graphs_update
from service.store.base import (
    Quad,
    QueryKind,
    QueryResult,
    Row,
    Store,
    Term,
    Triple,
    digest_lines,
)
from service.store.capped import capped_solutions
from service.store.terms import (
    graph_name_to_oxigraph,
    quad_to_oxigraph,
    to_rdflib,
    triple_to_rdflib,
)
from service.store.union import MATERIALISE, Union, union_copies


class OxigraphResult(QueryResult):
    """Wraps the engine's lazy answer; serialisation is delegated to the engine."""

    def __init__(self, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> None:
        self._raw = raw
        if isinstance(raw, ox.QuerySolutions):
            self.kind = QueryKind.SELECT
        elif isinstance(raw, ox.QueryBoolean):
            self.kind = QueryKind.ASK
        else:
            self.kind = QueryKind.GRAPH

    @property
    def variables(self) -> list[str]:
        if isinstance(self._raw, ox.QuerySolutions):
            return [v.value for v in self._raw.variables]
        return []

    @property
    def boolean(self) -> bool:
        if not isinstance(self._raw, ox.QueryBoolean):
            raise TypeError(f"a {self.kind} query has no boolean answer")
        return bool(self._raw)

    def rows(self) -> Iterator[Row]:
        if not isinstance(self._raw, ox.QuerySolutions):
            raise TypeError(f"a {self.kind} query has no rows")
        names = self.variables
        for solution in self._raw:
            row: Row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            yield row

    def triples(self) -> Iterator[Triple]:
        if not isinstance(self._raw, ox.QueryTriples):
            raise TypeError(f"a {self.kind} query has no triples")
        for triple in self._raw:
            yield triple_to_rdflib(triple)

    def serialize(self, fmt: Format) -> bytes:
        if isinstance(self._raw, ox.QueryTriples):
            out = self._raw.serialize(format=fmt.oxigraph_rdf)
        else:
            out = self._raw.serialize(format=fmt.oxigraph_results)
        assert out is not None  # no output stream given: the engine returns bytes
        return out

    def serialize_capped(self, fmt: Format, limit: int) -> tuple[bytes, bool]:
        if isinstance(self._raw, ox.QueryTriples):
            kept = list(islice(self._raw, limit + 1))
            out = ox.serialize(kept[:limit], format=fmt.oxigraph_rdf)
            assert out is not None
            return out, len(kept) > limit
        if isinstance(self._raw, ox.QuerySolutions):
            rows = (tuple(solution) for solution in self._raw)
            return capped_solutions(self.variables, rows, fmt, limit)
        return self.serialize(fmt), False


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """Keep the engine's message and position, which clients show to their users."""
    message = str(exc.msg or exc)
    if exc.lineno is not None:
        return QuerySyntaxError(message, exc.lineno, exc.offset)
    return QuerySyntaxError.from_engine(message)


def load_nquads(source: BinaryIO) -> ox.Store:
    """A new in-memory engine store holding the N-Quads read from ``source``.

    The transactional loader, not the bulk one: on a memory store it is as fast and its
    peak is a third lower (1.66M quads: 9 s, 589 MB peak against 745 MB).
    """
    memory = ox.Store()
    memory.load(source, format=ox.RdfFormat.N_QUADS)
    return memory


def copy_into_memory(disk: ox.Store) -> ox.Store:
    """An in-memory copy of ``disk``, streamed engine to engine through a pipe.

    The dump is written in one thread and loaded in this one, so no quad becomes a Python
    object and the whole dump is never held in memory.
    """
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def dump() -> None:
        try:
            with os.fdopen(write_end, "wb") as out:
                disk.dump(out, format=ox.RdfFormat.N_QUADS)
        except BaseException as exc:  # reported in the loading thread
            failure.append(exc)

    writer = threading.Thread(target=dump, name="store-copy", daemon=True)
    writer.start()
    with os.fdopen(read_end, "rb") as source:
        memory = load_nquads(source)
    writer.join()
    if failure:
        raise StoreUnavailable(f"cannot copy the store into memory: {failure[0]}")
    return memory


class OxigraphStore(Store):
    """A pyoxigraph store, optionally mirrored in memory for reads."""

    def __init__(
        self,
        memory: ox.Store,
        disk: ox.Store | None = None,
        *,
        union_default: bool = True,
        read_only: bool = False,
    ) -> None:
        self._reader: ox.Store | None = memory
        self._disk = disk
        self._read_only = read_only
        #: False gives queries the store's real default graph (the W3C tests need it).
        self.union_default = union_default
        #: Whether the real default graph holds the union (always, once writable); a store
        #: written before the union was kept, opened read-only, falls back to the engine's bag.
        self._union_kept = union_default and self._keep_union()

    def _keep_union(self) -> bool:
        """Whether the union is kept: yes, built here if a store written before it was kept
        (named graphs, an empty default graph) can be written; else the engine's bag."""
        default = ox.DefaultGraph()
        if next(iter(self._memory.quads_for_pattern(None, None, None, default)), None) is not None:
            return True
        if next(iter(self._memory.quads_for_pattern(None, None, None, None)), None) is None:
            return True  # empty: every write from now on keeps the union
        if self._read_only:
            return False
        for replica in self._replicas():
            replica.update(MATERIALISE)
        return True

    @property
    def _memory(self) -> ox.Store:
        if self._reader is None:
            raise StoreUnavailable("the store is closed")
        return self._reader

    @classmethod
    def in_memory(cls, *, union_default: bool = True) -> OxigraphStore:
        """A store with no durability, for tests and candidate copies."""
        return cls(ox.Store(), union_default=union_default)

    @classmethod
    def copy_of(cls, store: Store) -> OxigraphStore:
        """An in-memory copy of any store: the scratch space where a write is tried first."""
        if isinstance(store, OxigraphStore):
            copy = cls.in_memory(union_default=store.union_default)
            quads = store._memory.quads_for_pattern(None, None, None, None)
            if copy._union_kept and not store._union_kept:
                copy.add_oxigraph_quads(quads)
            else:
                copy._memory.bulk_extend(quads)
            return copy
        copy = cls.in_memory()
        copy.add_oxigraph_quads(ox.parse(store.dump(NQUADS), format=NQUADS.oxigraph_rdf))
        return copy

    def changed_graphs(
        self, other: OxigraphStore, among: Iterable[str | None] | None = None
    ) -> list[str | None]:
        """Graphs whose content differs between two stores (``None``: the default graph).

        ``among`` limits the comparison to graphs known to be the only ones that can differ.
        """
        names: set[str | None] = (
            set(among) if among is not None else {None, *self.graph_names(), *other.graph_names()}
        )
        changed = []
        for name in names:
            if set(self.engine_triples(name)) != set(other.engine_triples(name)):
                changed.append(name)
        return sorted(changed, key=lambda n: "" if n is None else n)

    @classmethod
    def open(cls, path: Path, *, in_memory: bool = True, read_only: bool = False) -> OxigraphStore:
        """Open the store at ``path``; with ``in_memory`` reads come from a memory copy."""
        if not path.exists():
            raise StoreUnavailable(f"no store at {path}: run 'esskg build' first")
        try:
            disk = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the store at {path}: {exc}") from exc
        if not in_memory:
            return cls(disk, None, read_only=read_only)
        return cls(copy_into_memory(disk), None if read_only else disk)

    @classmethod
    def create(cls, path: Path) -> OxigraphStore:
        """A new, empty on-disk store (the build writes into one, then swaps it in)."""
        path.mkdir(parents=True, exist_ok=False)
        return cls(ox.Store(str(path)))

    def _replicas(self) -> list[ox.Store]:
        """Disk first: it is the copy that must never fall behind."""
        return [s for s in (self._disk, self._memory) if s is not None]

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> OxigraphResult:
        if bindings:
            sparql = bind_variables(sparql, bindings)
        # the union is the real default graph when the store keeps it, else the engine's bag
        union = (
            self.union_default
            and not self._union_kept
            and default_graphs is None
            and named_graphs is None
        )
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
        named: list[ox.NamedNode | ox.BlankNode] | None = None
        if default_graphs is not None or named_graphs is not None:
            default = [ox.NamedNode(g) for g in default_graphs or []]
            named = [ox.NamedNode(g) for g in named_graphs or []]
        try:
            raw = self._memory.query(
                sparql,
                base_iri=base_iri,
                use_default_graph_as_union=union,
                default_graph=default,
                named_graphs=named,
            )
        except SyntaxError as exc:
            raise syntax_error(exc) from exc
        return OxigraphResult(raw)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run an update on the dataset as written (its default graph: the own statements).

        When the store keeps the union, the update runs on a copy without it and what it
        changed is written back through :meth:`replace_graphs`, which keeps the union exact.
        """
        if not self._union_kept:
            self._engine_update(sparql, base_iri=base_iri)
            return
        written = OxigraphStore.in_memory(union_default=False)
        written._memory.bulk_extend(self._written_quads())
        written._engine_update(sparql, base_iri=base_iri)
        contents: dict[str | None, Iterable[Triple] | None] = {}
        for name in self.changed_graphs(written):
            triples = [triple_to_rdflib(t) for t in written.engine_triples(name)]
            contents[name] = triples or None
        self.replace_graphs(contents)

    def _engine_update(self, sparql: str, *, base_iri: str | None = None) -> None:
        for replica in self._replicas():
            try:
                replica.update(sparql, base_iri=base_iri)
            except SyntaxError as exc:
                raise syntax_error(exc) from exc

    def _own_default(self) -> list[ox.Triple]:
        """The default graph's own statements: the whole real default graph, or, when it
        holds the union, its triples that no named graph holds."""
        default = ox.DefaultGraph()
        if not self._union_kept:
            return [q.triple for q in self._memory.quads_for_pattern(None, None, None, default)]
        answer = self._memory.query(Union().own_statements())
        assert isinstance(answer, ox.QueryTriples)
        return list(answer)

    def _written_quads(self) -> Iterator[ox.Quad]:
        """Every quad as written: the named graphs and the default graph's own statements."""
        for graph in self._memory.named_graphs():
            yield from self._memory.quads_for_pattern(None, None, None, graph)
        default = ox.DefaultGraph()
        for triple in self._own_default():
            yield ox.Quad(triple.subject, triple.predicate, triple.object, default)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._memory.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None, *, all_graphs: bool = True) -> int:
        if self._union_kept and graph is None:
            own = len(self._own_default())
            if not all_graphs:
                return own
            union = self._count_default()
            return len(self._memory) - union + own
        if graph is None and all_graphs:
            return len(self._memory)
        # The engine counts; iterating the quads in Python would build an object per quad.
        target = graph_name_to_oxigraph(graph)
        answer = self._memory.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=target
        )
        assert isinstance(answer, ox.QuerySolutions)
        (row,) = answer
        value = row["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)

    def _count_default(self) -> int:
        """Triples of the real default graph (the union, when the store keeps it)."""
        answer = self._memory.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=ox.DefaultGraph()
        )
        assert isinstance(answer, ox.QuerySolutions)
        (row,) = answer
        value = row["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)

    def engine_triples(self, name: str | None) -> list[ox.Triple]:
        """One graph's triples in engine terms (no rdflib objects: cheap to compare)."""
        if name is None:
            return self._own_default()
        pattern = graph_name_to_oxigraph(name)
        return [q.triple for q in self._memory.quads_for_pattern(None, None, None, pattern)]

    def quads_outside(self, excluded: Iterable[str]) -> list[ox.Quad]:
        """Every quad as written, in engine terms, except those of the ``excluded`` graphs."""
        skip = set(excluded)
        return [
            q
            for q in self._written_quads()
            if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value not in skip
        ]

    def graph_digest(self, name: str | None) -> str | None:
        """In engine terms: no rdflib object per triple."""
        return digest_lines(str(triple) for triple in self.engine_triples(name))

    def get_graph(self, name: str | None) -> Graph:
        graph = Graph()
        for triple in self.engine_triples(name):
            graph.add(triple_to_rdflib(triple))
        return graph

    def replace_graphs(
        self,
        graphs: Mapping[str | None, Iterable[Triple] | None],
        edits: Mapping[str | None, GraphEdit] | None = None,
    ) -> None:
        if not (graphs or edits):
            return
        if self._union_kept:
            self._engine_update(Union().maintained_update(graphs, edits))
        else:
            self._engine_update(replace_graphs_update(graphs, edits))

    def add_quads(self, quads: Iterable[Quad]) -> None:
        self.add_oxigraph_quads(quad_to_oxigraph(q) for q in quads)

    def add_oxigraph_quads(self, quads: Iterable[ox.Quad]) -> None:
        """The build's fast path: engine quads straight from the engine's parser. The
        union's copies go in a second bulk load, made on the way in, never held here."""
        given = quads if isinstance(quads, Sequence) else list(quads)
        for replica in self._replicas():
            replica.bulk_extend(given)
            if self._union_kept:
                replica.bulk_extend(union_copies(given))

    def write_nquads(self, out: BinaryIO) -> None:
        """Stream every quad to ``out``, the union included: how a query engine process
        receives its copy."""
        self._memory.dump(out, format=ox.RdfFormat.N_QUADS)

    def dump(self, fmt: Format) -> bytes:
        """The dataset as written (the union is the store's own index, not data)."""
        if self._union_kept:
            out = ox.serialize(self._written_quads(), format=fmt.oxigraph_rdf)
        else:
            out = self._memory.dump(format=fmt.oxigraph_rdf)
        assert out is not None
        return out

    def flush(self) -> None:
        if self._read_only:
            return
        for replica in self._replicas():
            replica.flush()

    def close(self) -> None:
        """Flush and drop the engine handles, which releases the on-disk lock."""
        if self._reader is None:
            return
        self.flush()
        self._reader = None
        self._disk = None

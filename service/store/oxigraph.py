"""The embedded store: pyoxigraph, read from memory and persisted on disk.

Reads are served from an in-memory copy (scans run several times faster there), while every
write goes first to the on-disk store, which is transactional, and only then to the memory
copy, so a crash never leaves the durable copy behind what was acknowledged.

In union mode (the service's), the store's real default graph holds the union of all graphs
as a set, kept exact by every commit (:mod:`service.store.union`); queries read it. Everything
else this class returns is the dataset as written: named graphs, and the default graph's own
statements (``None``), never the union's copy.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from service.errors import QuerySyntaxError, StoreUnavailable
from service.formats import NQUADS, Format
from service.sparql.binding import bind_variables
from service.sparql.updates import BoundTerms, CustomFunctions, data_operations
from service.store.base import (
    LocalEngine,
    QueryKind,
    QueryResult,
    Row,
    Solution,
    Store,
    Term,
    digest_lines,
)
from service.store.capped import capped_solutions
from service.store.delta import Delta, EngineTerm, GraphName, engine_graph, has_blank_node
from service.store.isolation import Isolation
from service.store.terms import to_rdflib
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

    def solutions(self) -> Iterator[Solution]:
        if not isinstance(self._raw, ox.QuerySolutions):
            raise TypeError(f"a {self.kind} query has no rows")
        for solution in self._raw:
            yield tuple(solution)

    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
        if not isinstance(self._raw, ox.QueryTriples):
            raise TypeError(f"a {self.kind} query has no triples")
        for triple in self._raw:
            yield (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))

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


#: Bytes of N-Quads handed to the engine's loader at a time.
_LOAD_CHUNK = 8 << 20


def load_nquads(source: BinaryIO) -> ox.Store:
    """A new in-memory engine store holding the N-Quads read from ``source``, every blank
    node keeping its label.

    The labels matter: a committed delta names the blank nodes it removes, and the copy a
    query engine loads must hold the very nodes the store holds. The engine's own loader
    renames blank nodes, so lines that may hold one (any ``_:``) are parsed apart, labels
    kept; the other lines, nearly all, go to that loader in chunks (on a memory store it is
    as fast as the bulk one, and its peak is a third lower: 1.66M quads, 9 s, 589 MB
    against 745 MB). N-Quads puts one quad per line, so the split is exact.
    """
    memory = ox.Store()
    ground: list[bytes] = []
    blank: list[bytes] = []
    size = 0
    for line in source:
        if b"_:" in line:
            blank.append(line)
            continue
        ground.append(line)
        size += len(line)
        if size >= _LOAD_CHUNK:
            memory.load(b"".join(ground), format=ox.RdfFormat.N_QUADS)
            ground, size = [], 0
    if ground:
        memory.load(b"".join(ground), format=ox.RdfFormat.N_QUADS)
    if blank:
        memory.extend(ox.parse(b"".join(blank), format=ox.RdfFormat.N_QUADS))
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


def _named(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode)


class OxigraphStore(Store):
    """A pyoxigraph store, optionally mirrored in memory for reads."""

    local = True

    def __init__(
        self,
        memory: ox.Store,
        disk: ox.Store | None = None,
        *,
        union_default: bool = True,
        read_only: bool = False,
        reads_from_memory: bool = True,
    ) -> None:
        """``memory``: the store reads come from (the disk store itself when
        ``reads_from_memory`` is false); ``disk``: the durable copy written first."""
        self._reader: ox.Store | None = memory
        self._disk = disk
        self._reads_from_memory = reads_from_memory
        #: readers starting vs. changes (``service.store.isolation``)
        self._isolation = Isolation()
        #: committed deltas applied so far: a check that keeps state between writes knows
        #: from it whether others wrote meanwhile
        self.generation = 0
        self._read_only = read_only
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
        """A store with no durability, for tests and the query engine's copy."""
        return cls(ox.Store(), union_default=union_default)

    @classmethod
    def loaded(cls, source: BinaryIO, *, union_default: bool = True) -> OxigraphStore:
        """An in-memory store holding the N-Quads read from ``source`` (the query engine's)."""
        return cls(load_nquads(source), union_default=union_default)

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
            return cls(disk, None, read_only=read_only, reads_from_memory=False)
        return cls(copy_into_memory(disk), None if read_only else disk)

    @classmethod
    def create(cls, path: Path) -> OxigraphStore:
        """A new, empty on-disk store (the build writes into one, then swaps it in)."""
        path.mkdir(parents=True, exist_ok=False)
        return cls(ox.Store(str(path)))

    @contextmanager
    def _reading(self) -> Iterator[ox.Store]:
        """The engine store to start one read on (the engine then reads a snapshot), while
        no tentative write is applied to it. Never nested: a writer waiting in between would
        wait for the outer read, which waits for it."""
        with self._isolation.reading():
            yield self._memory

    def _replicas(self) -> list[ox.Store]:
        """Disk first: it is the copy that must never fall behind."""
        return [s for s in (self._disk, self._memory) if s is not None]

    # -- reads -------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[GraphName] | None = None,
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
            default = [engine_graph(g) for g in default_graphs or []]
            named = [ox.NamedNode(g) for g in named_graphs or []]
        try:
            with self._reading() as memory:
                raw = memory.query(
                    sparql,
                    base_iri=base_iri,
                    use_default_graph_as_union=union,
                    default_graph=default,
                    named_graphs=named,
                )
        except SyntaxError as exc:
            raise syntax_error(exc) from exc
        return OxigraphResult(raw)

    def graph_names(self) -> list[str]:
        with self._reading() as memory:
            return sorted(g.value for g in memory.named_graphs() if isinstance(g, ox.NamedNode))

    def size(self) -> tuple[int, int]:
        return self.count(), len(self.graph_names())

    def count(self, graph: GraphName = None, *, all_graphs: bool = True) -> int:
        if graph is None and self._union_kept:
            own = len(self._own_default())
            return self._length() - self._count_in(None) + own if all_graphs else own
        if graph is None and all_graphs:
            return self._length()
        return self._count_in(graph)

    def _length(self) -> int:
        with self._reading() as memory:
            return len(memory)

    def _count_in(self, graph: GraphName) -> int:
        """Triples of one graph as the engine holds it (the union, for the default graph of a
        store that keeps it); the engine counts: no Python object per quad."""
        with self._reading() as memory:
            answer = memory.query(
                "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=engine_graph(graph)
            )
        assert isinstance(answer, ox.QuerySolutions)
        (row,) = answer
        value = row["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)

    def _own_default(self) -> list[ox.Quad]:
        """The default graph's own statements: the whole real default graph, or, when it
        holds the union, its triples that no named graph holds."""
        default = ox.DefaultGraph()
        with self._reading() as memory:
            if not self._union_kept:
                return list(memory.quads_for_pattern(None, None, None, default))
            answer = memory.query(Union().own_statements())
        assert isinstance(answer, ox.QueryTriples)
        return [ox.Quad(t.subject, t.predicate, t.object, default) for t in answer]

    def _is_own(self, quad: ox.Quad) -> bool:
        """Whether a default-graph quad is one of the default graph's own statements."""
        with self._reading() as memory:
            if quad not in memory:
                return False
            if not self._union_kept:
                return True
            elsewhere = memory.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
        return all(isinstance(q.graph_name, ox.DefaultGraph) for q in elsewhere)

    def quads(self, name: GraphName) -> list[ox.Quad]:
        if name is None:
            return self._own_default()
        with self._reading() as memory:
            return list(memory.quads_for_pattern(None, None, None, engine_graph(name)))

    def all_quads(self, excluding: Collection[str] = ()) -> Iterator[ox.Quad]:
        skip = set(excluding)
        with self._reading() as memory:
            graphs = [g for g in memory.named_graphs() if g.value not in skip]
        for graph in graphs:
            with self._reading() as memory:
                found = memory.quads_for_pattern(None, None, None, graph)
            yield from found
        yield from self._own_default()

    def match(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        obj: EngineTerm | None = None,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        with self._reading() as memory:
            found = memory.quads_for_pattern(subject, predicate, obj, graph)
        if not self._union_kept:
            return iter(found)
        return (
            q for q in found if not isinstance(q.graph_name, ox.DefaultGraph) or self._is_own(q)
        )

    def present(self, quads: Collection[ox.Quad]) -> set[ox.Quad]:
        default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        with self._reading() as memory:
            found = {
                q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph) and q in memory
            }
        return found | {q for q in default if self._is_own(q)}

    def has_graph(self, name: str) -> bool:
        """The engine's own index of graph names: listing them all, as the generic test
        does, took 3 ms on a disk store on every write."""
        with self._reading() as memory:
            return memory.contains_named_graph(ox.NamedNode(name))

    def graph_digest(self, name: GraphName) -> str | None:
        """In engine terms, streamed: no list of the graph's quads is kept."""
        if name is None:
            return digest_lines(str(quad.triple) for quad in self._own_default())
        with self._reading() as memory:
            quads = memory.quads_for_pattern(None, None, None, engine_graph(name))
        return digest_lines(str(quad.triple) for quad in quads)

    # -- a write's checks ----------------------------------------------------------------

    def changes(self) -> int | None:
        return None if self._read_only else self.generation

    def local_engine(self) -> LocalEngine | None:
        if not self._reads_from_memory or self._read_only:
            return None
        return self

    @contextmanager
    def stable(self) -> Iterator[ox.Store]:
        """The memory store, no change applied meanwhile (the checks of a dry run read the
        state before the write in many scans; a commit waits for them to end)."""
        with self._isolation.stable():
            yield self._memory

    @contextmanager
    def tentatively(self, delta: Delta) -> Iterator[ox.Store]:
        """The memory store with the delta's named-graph quads applied, for the checks that
        read the state after a write before it may be committed; always undone.

        Only the memory copy changes (never the disk, so a crash cannot keep a refused
        write), and not the union's copy in the default graph, which the checks do not read.
        """
        memory = self._memory
        with self._isolation.tentative():
            removed = [q for q in delta.removed if _named(q) and q in memory]
            added = [q for q in delta.added if _named(q) and q not in memory]
            existing = set(memory.named_graphs())
            for quad in removed:
                memory.remove(quad)
            memory.extend(added)
            try:
                yield memory
            finally:
                for quad in added:
                    memory.remove(quad)
                memory.extend(removed)
                # the engine keeps a graph's name once its last quad is gone: a graph the
                # write would have created must not outlive it
                for graph in {q.graph_name for q in added} - existing:
                    memory.remove_graph(graph)

    # -- writes ------------------------------------------------------------------------------

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run an update as it is; when the store keeps the union, as the delta it makes, so
        the union stays exact (``service.sparql.update_effect``)."""
        if self._union_kept:
            from service.sparql.update_effect import update_effect  # it reads stores

            self.apply(update_effect(self, sparql, base_iri))
            return
        with self._isolation.committing():
            for replica in self._replicas():
                try:
                    replica.update(sparql, base_iri=base_iri)
                except SyntaxError as exc:
                    raise syntax_error(exc) from exc
            self.generation += 1

    def apply(self, delta: Delta) -> None:
        """One engine transaction per replica: ``extend`` when the delta only adds ground
        quads (the union's copies in the same call), else one update
        (``service.sparql.updates``): ``DATA`` blocks for ground quads, quads with blank
        nodes bound through a callback, and, when the store keeps the union, its upkeep in
        the same update (``service.store.union``)."""
        if not delta:
            return
        if not delta.removed and not any(has_blank_node(q) for q in delta.added):
            # only ground quads join: one transaction of the engine's own (``extend`` is
            # all or nothing), no update text to write and parse (1.2 s + 2.5 s for the
            # 18,000 triples of a 1,000-row upload at 1M)
            added = list(delta.added)
            if self._union_kept:  # the default graph's own statements are in the union
                default = ox.DefaultGraph()
                named = [q for q in added if not isinstance(q.graph_name, ox.DefaultGraph)]
                added = named + [ox.Quad(q.subject, q.predicate, q.object, default) for q in added]
            with self._isolation.committing():
                for replica in self._replicas():
                    replica.extend(added)
                self.generation += 1
            return
        # a graph the delta adds to is not left empty; looking costs a scan past every quad
        # the engine still keeps as removed (a graph PUT again and again has thousands)
        emptied = {q.graph_name for q in delta.removed if isinstance(q.graph_name, ox.NamedNode)}
        emptied -= {q.graph_name for q in delta.added}
        with self._isolation.committing():
            # the union's upkeep reads the store: nothing else commits meanwhile
            update, functions = self._commit_text(delta)
            self._apply(update, functions, emptied)
            self.generation += 1

    def _apply(
        self, update: str, functions: CustomFunctions | None, emptied: set[ox.NamedNode]
    ) -> None:
        for replica in self._replicas():
            replica.update(update, custom_functions=functions)
            for graph in emptied:
                # a graph left without quads is no longer a graph (the engine keeps its name)
                if next(iter(replica.quads_for_pattern(None, None, None, graph)), None) is None:
                    replica.remove_graph(graph)

    def _commit_text(self, delta: Delta) -> tuple[str, CustomFunctions | None]:
        """The update committing ``delta``, and the callback it needs (if any)."""
        bound = BoundTerms()
        kept = self._union_kept
        # with the union kept, the default graph's own statements are written as part of it
        named = ox.NamedNode
        removed = [q for q in delta.removed if not kept or isinstance(q.graph_name, named)]
        added = [q for q in delta.added if not kept or isinstance(q.graph_name, named)]
        ground_removed = [q for q in removed if not has_blank_node(q)]
        ground_added = [q for q in added if not has_blank_node(q)]
        operations = data_operations(ground_removed, ground_added)
        blank = (
            [q for q in removed if has_blank_node(q)],
            [q for q in added if has_blank_node(q)],
        )
        if blank[0] or blank[1]:
            operations.append(bound.quads_operation(*blank))
        if kept:
            operations += self._union_upkeep(delta, bound)
        used = any(has_blank_node(q) for q in (*delta.removed, *delta.added))
        return " ;\n".join(operations), bound.functions if used else None

    def _union_upkeep(self, delta: Delta, bound: BoundTerms) -> list[str]:
        """After the named graphs changed: the removed triples no graph holds any more leave
        the union, then the added ones join it.

        A ground triple's fate is read here, from the store's index, so the update carries
        only ``DATA`` blocks: a ``DELETE … WHERE`` with a ``NOT EXISTS`` for each left the
        engine a query to plan and run on every write (twice the cost of a one-triple PUT's
        whole update). Triples with blank nodes, which update text cannot name, keep it."""
        default = ox.DefaultGraph()
        left = {ox.Quad(q.subject, q.predicate, q.object, default) for q in delta.removed}
        joined = {ox.Quad(q.subject, q.predicate, q.object, default) for q in delta.added}
        orphaned = self._orphaned([q for q in left if not has_blank_node(q)], delta)
        operations = data_operations(orphaned, [])
        blank_left = [q for q in left if has_blank_node(q)]
        if blank_left:
            operations.append(bound.orphans_operation(blank_left, Union()))
        operations += data_operations([], [q for q in joined if not has_blank_node(q)])
        blank_joined = [q for q in joined if has_blank_node(q)]
        if blank_joined:
            operations.append(bound.quads_operation([], blank_joined))
        return operations

    def _orphaned(self, triples: Sequence[ox.Quad], delta: Delta) -> list[ox.Quad]:
        """Those of the union's ``triples`` that no named graph holds once ``delta`` is
        applied: the graphs holding each now, less the delta's removals, plus its additions."""
        if not triples:
            return []
        store = self._replicas()[0]  # every replica holds the same quads
        removed: dict[ox.Triple, set[ox.NamedNode]] = defaultdict(set)
        added: set[ox.Triple] = set()
        for quad in delta.removed:
            if isinstance(quad.graph_name, ox.NamedNode):
                removed[quad.triple].add(quad.graph_name)
        for quad in delta.added:
            if isinstance(quad.graph_name, ox.NamedNode):
                added.add(quad.triple)
        orphaned = []
        for union_quad in triples:
            triple = union_quad.triple
            if triple in added:
                continue
            gone = removed.get(triple, set())
            holders = store.quads_for_pattern(triple.subject, triple.predicate, triple.object)
            if not any(
                isinstance(q.graph_name, ox.NamedNode) and q.graph_name not in gone for q in holders
            ):
                orphaned.append(union_quad)
        return orphaned

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """The build's fast path: engine quads straight from the engine's parser. The
        union's copies go in a second bulk load, made on the way in, never held here."""
        given = quads if isinstance(quads, Sequence) else list(quads)
        for replica in self._replicas():
            replica.bulk_extend(given)
            if self._union_kept:
                replica.bulk_extend(union_copies(given))
        self.generation += 1

    # -- whole dataset -----------------------------------------------------------------------

    def dump_to(self, out: BinaryIO, fmt: Format = NQUADS) -> None:
        """Every quad the engine holds, the union included: how a query engine process
        receives its copy."""
        with self._reading() as memory:
            memory.dump(out, format=fmt.oxigraph_rdf)

    def dump(self, fmt: Format) -> bytes:
        """The dataset as written (the union is the store's own index, not data)."""
        if self._union_kept:
            out = ox.serialize(self.all_quads(), format=fmt.oxigraph_rdf)
        else:
            with self._reading() as memory:
                out = memory.dump(format=fmt.oxigraph_rdf)
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

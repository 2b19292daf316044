"""A store on any SPARQL 1.1 engine, reached through the Query and Update protocols, for
users who outgrow one machine (Oxigraph server, Virtuoso, ...).

As the embedded store, this one keeps the union of its graphs, as a set, in the engine's
default graph (:mod:`service.store.union`): every delta it sends keeps it exact. An engine
with a real default graph (Oxigraph server, run *without* ``--union-default-graph``, whose
union is a bag) is queried as it is; an engine without one (Virtuoso) keeps the union in the
graph ``default_graph_iri`` and is given the dataset explicitly (``list_dataset``): that
graph as the default graph, the graphs it holds minus the ``system_graph_prefixes`` as the
named ones.
Queries go as form-encoded POSTs, the one request shape every engine tested here accepts
(Virtuoso never answers a direct ``application/sparql-query`` body). Results are passed
through in the engine's own serialisation: re-encoding them here would only cost time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from service.errors import QuerySyntaxError, StoreUnavailable
from service.formats import NTRIPLES, RESULTS_JSON, RESULTS_XML, Format
from service.sparql.binding import bind_variables, top_level_structure
from service.sparql.updates import data_operations, insert_operation
from service.store.base import QueryKind, QueryResult, Row, Solution, Store, Term
from service.store.capped import capped_solutions
from service.store.delta import (
    Delta,
    EngineTerm,
    GraphName,
    engine_graph,
    graph_of,
    has_blank_node,
)
from service.store.terms import to_oxigraph
from service.store.union import Union

_FORMS = {"SELECT": QueryKind.SELECT, "ASK": QueryKind.ASK}


def query_kind(sparql: str) -> QueryKind:
    """The query form, read from the first top-level keyword after the prologue."""
    _, words = top_level_structure(sparql)
    for word, _ in words:
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return _FORMS.get(word, QueryKind.GRAPH)
    raise QuerySyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def blank_label(label: str) -> str:
    """A blank node label the engine's terms accept: Virtuoso's ``nodeID://b10006`` is not
    one, so such labels become a digest of themselves (the same node, the same label)."""
    try:
        ox.BlankNode(label)
    except ValueError:
        return "r" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:32]
    return label


def _json_term(value: Mapping[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(blank_label(value["value"]))
    datatype = value.get("datatype")  # Virtuoso still says "typed-literal" for these
    return Literal(
        value["value"],
        lang=value.get("xml:lang"),
        datatype=URIRef(datatype) if datatype else None,
        normalize=False,
    )


class RemoteResult(QueryResult):
    """A query sent when the caller says how it wants the answer: rows or bytes."""

    def __init__(self, store: RemoteStore, sparql: str, params: list[tuple[str, str]]) -> None:
        self._store = store
        self._sparql = sparql
        self._params = params
        self.kind = query_kind(sparql)
        self._json: dict[str, Any] | None = None

    def _fetch(self, media_type: str) -> bytes:
        return self._store._post_query(self._sparql, self._params, media_type)

    def _results(self) -> dict[str, Any]:
        if self._json is None:
            self._json = json.loads(self._fetch(RESULTS_JSON.media_type))
        return self._json

    @property
    def variables(self) -> list[str]:
        if self.kind is not QueryKind.SELECT:
            return []
        return list(self._results()["head"].get("vars", []))

    @property
    def boolean(self) -> bool:
        if self.kind is not QueryKind.ASK:
            raise TypeError(f"a {self.kind} query has no boolean answer")
        results = self._results()
        if "boolean" in results:
            return bool(results["boolean"])
        # Virtuoso answers some ASK queries (a GRAPH pattern, seen with 7.2) as a SELECT of
        # ``__ASK_RETVAL``: one row holding 1 when true, no row when false
        if "__ASK_RETVAL" not in results.get("head", {}).get("vars", []):
            raise StoreUnavailable(f"the engine's answer to an ASK has no boolean: {results}")
        bindings = results.get("results", {}).get("bindings", [])
        return any(b.get("__ASK_RETVAL", {}).get("value") not in ("0", "false") for b in bindings)

    def rows(self) -> Iterator[Row]:
        if self.kind is not QueryKind.SELECT:
            raise TypeError(f"a {self.kind} query has no rows")
        for binding in self._results()["results"]["bindings"]:
            yield {name: _json_term(value) for name, value in binding.items()}

    def solutions(self) -> Iterator[Solution]:
        if self.kind is not QueryKind.SELECT:
            raise TypeError(f"a {self.kind} query has no rows")
        names = self.variables
        for row in self.rows():
            yield tuple(None if (v := row.get(n)) is None else to_oxigraph(v) for n in names)

    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
        if self.kind is not QueryKind.GRAPH:
            raise TypeError(f"a {self.kind} query has no triples")
        graph = Graph()
        graph.parse(data=self._fetch(NTRIPLES.media_type), format="nt")
        yield from graph  # type: ignore[misc]

    def serialize_capped(self, fmt: Format, limit: int) -> tuple[bytes, bool]:
        if self.kind is QueryKind.SELECT:
            return capped_solutions(self.variables, self.solutions(), fmt, limit)
        if self.kind is QueryKind.GRAPH:
            kept = list(islice(self.triples(), limit + 1))
            engine = [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in kept[:limit]]  # type: ignore[arg-type]
            out = ox.serialize(engine, format=fmt.oxigraph_rdf)
            assert out is not None
            return out, len(kept) > limit
        return super().serialize_capped(fmt, limit)

    def serialize(self, fmt: Format) -> bytes:
        if self.kind is QueryKind.ASK and fmt in (RESULTS_JSON, RESULTS_XML):
            # written here from the boolean: Virtuoso sometimes answers an ASK in the shape
            # of a SELECT (see ``boolean``), which clients of the standard cannot read
            answer = "true" if self.boolean else "false"
            if fmt is RESULTS_JSON:
                return b'{"head":{},"boolean":%s}' % answer.encode()
            return (
                '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{answer}</boolean></sparql>"
            ).encode()
        return self._fetch(fmt.media_type)


class RemoteStore(Store):
    """The :class:`Store` interface over HTTP to a SPARQL 1.1 engine."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        gsp_url: str | None = None,
        *,
        timeout: float = 60.0,
        client: httpx.Client | None = None,
        default_graph_iri: str | None = None,
        list_dataset: bool = False,
        system_graph_prefixes: Sequence[str] = (),
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.gsp_url = gsp_url
        self.default_graph_iri = default_graph_iri
        self.list_dataset = list_dataset
        self.system_graph_prefixes = tuple(system_graph_prefixes)
        self._client = client or httpx.Client(timeout=timeout)
        self._dataset: list[str] | None = None
        self._union = Union(default_graph_iri)

    def _graph_iri(self, name: GraphName) -> str | None:
        """Where a graph lives: the union (and the default graph's own statements in it) in
        the engine's default graph, or in ``default_graph_iri`` on an engine without one."""
        return self.default_graph_iri if name is None else name

    def _graph_name(self, iri: str) -> GraphName:
        return None if iri == self.default_graph_iri else iri

    def _default_dataset(self) -> list[tuple[str, str]]:
        if not self.list_dataset:
            return []
        if self._dataset is None:
            self._dataset = self._list_graphs()
        union = self.default_graph_iri
        pairs = [] if union is None else [("default-graph-uri", union)]
        return pairs + [("named-graph-uri", g) for g in self._dataset if g != union]

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._client.send(request)
        except httpx.TransportError as exc:
            message = f"the SPARQL engine at {request.url} is unreachable: {exc}"
            raise StoreUnavailable(message) from exc
        if response.status_code == 400:
            raise QuerySyntaxError.from_engine(
                response.text.strip() or "the engine rejected the request"
            )
        if response.status_code >= 400:
            raise StoreUnavailable(
                f"the SPARQL engine answered {response.status_code}: {response.text[:500]}"
            )
        return response

    def _post_query(self, sparql: str, params: Sequence[tuple[str, str]], accept: str) -> bytes:
        form = str(httpx.QueryParams([("query", sparql), *params]))
        request = self._client.build_request(
            "POST",
            self.query_url,
            content=form.encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        return self._send(request).content

    # -- reads -------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[GraphName] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> RemoteResult:
        if bindings:
            sparql = bind_variables(sparql, bindings)
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        if default_graphs is None and named_graphs is None:
            params = self._default_dataset()
        else:
            # the engine's own default graph has no IRI in the protocol: without one of ours
            # (``default_graph_iri``), naming it leaves the engine's default dataset
            defaults = [self._graph_iri(g) for g in default_graphs or []]
            if None in defaults and named_graphs is None:
                params = []
            else:
                params = [("default-graph-uri", g) for g in defaults if g is not None]
                params += [("named-graph-uri", g) for g in named_graphs or []]
        return RemoteResult(self, sparql, params)

    def _select(self, sparql: str) -> Iterator[Solution]:
        """A SELECT sent as it is (its own dataset), answered in engine terms."""
        return RemoteResult(self, sparql, []).solutions()

    def _list_graphs(self) -> list[str]:
        query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._kept('?g')} }}"
        names = (g.value for (g,) in self._select(query) if isinstance(g, ox.NamedNode))
        return sorted(names)

    def _kept(self, variable: str, excluding: Collection[str] = ()) -> str:
        """A FILTER keeping the named graphs of the knowledge graph (not the engine's system
        graphs, not the graph holding the union)."""
        tests = [f'!STRSTARTS(STR({variable}), "{p}")' for p in self.system_graph_prefixes]
        union = [] if self.default_graph_iri is None else [self.default_graph_iri]
        tests += [f"{variable} != <{iri}>" for iri in (*excluding, *union)]
        return f"FILTER({' && '.join(tests)})" if tests else ""

    def graph_names(self) -> list[str]:
        return self._list_graphs()

    def size(self) -> tuple[int, int]:
        """One request for both figures (``/health`` asks on every poll): the named graphs'
        quads and the default graph's own statements, counted by the engine."""
        query = (
            "SELECT ?n ?graphs ?own WHERE { "
            "{ SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { "
            f"GRAPH ?g {{ ?s ?p ?o }} {self._kept('?g')} }} }} "
            f"{{ SELECT (COUNT(*) AS ?own) WHERE {{ {self._own_pattern()} }} }} }}"
        )
        ((quads, graphs, own),) = list(self._select(query))
        assert isinstance(quads, ox.Literal) and isinstance(graphs, ox.Literal)
        assert isinstance(own, ox.Literal)
        return int(quads.value) + int(own.value), int(graphs.value)

    def _own_pattern(self) -> str:
        union = self._union
        return f"{union.holding('?s ?p ?o')} {union.orphan()}"

    def count(self, graph: GraphName = None, *, all_graphs: bool = True) -> int:
        if graph is None and all_graphs:
            return self.size()[0]
        pattern = self._own_pattern() if graph is None else self._pattern(graph)
        ((n,),) = list(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"))
        assert isinstance(n, ox.Literal)
        return int(n.value)

    def _pattern(self, graph: GraphName, triple: str = "?s ?p ?o") -> str:
        iri = self._graph_iri(graph)
        return triple if iri is None else f"GRAPH <{iri}> {{ {triple} }}"

    def quads(self, name: GraphName) -> list[ox.Quad]:
        """One named graph, or (``None``) the default graph's own statements."""
        if name is None:
            query = self._union.own_statements()
        else:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        data = self._post_query(query, [], NTRIPLES.media_type)
        target = engine_graph(name)
        return [
            ox.Quad(q.subject, q.predicate, q.object, target)
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]

    def all_quads(self, excluding: Collection[str] = ()) -> Iterator[ox.Quad]:
        """One SELECT over every named graph of the knowledge graph (not a request per
        graph), then the default graph's own statements."""
        query = (
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._kept('?g', excluding)} }}"
        )
        for s, p, o, g in self._select(query):
            assert isinstance(g, ox.NamedNode)
            yield ox.Quad(s, p, o, g)  # type: ignore[arg-type]
        yield from self.quads(None)

    def match(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        obj: EngineTerm | None = None,
        graph: ox.NamedNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """Ground terms only: a blank node cannot be named in a query to another engine."""
        terms = [subject, predicate, obj]
        if any(isinstance(t, ox.BlankNode) for t in terms):
            raise ValueError("a remote engine cannot be asked about one of its blank nodes")
        spelled = [
            str(t) if t is not None else v for t, v in zip(terms, ("?s", "?p", "?o"), strict=True)
        ]
        triple = " ".join(spelled)
        parts = []
        if not isinstance(graph, ox.DefaultGraph):
            named = (
                f"GRAPH ?g {{ {triple} }} {self._kept('?g')}"
                if graph is None
                else f"GRAPH <{graph.value}> {{ {triple} }} BIND(<{graph.value}> AS ?g)"
            )
            parts.append(f"{{ {named} }}")
        if graph is None or isinstance(graph, ox.DefaultGraph):
            union = self._union
            parts.append(f"{{ {union.holding(triple)} {union.orphan(triple)} }}")
        query = f"SELECT ?s ?p ?o ?g WHERE {{ {' UNION '.join(parts)} }}"
        for s, p, o, g in self._select(query):
            where = g if isinstance(g, ox.NamedNode) else ox.DefaultGraph()
            found = (subject or s, predicate or p, obj or o, where)
            yield ox.Quad(*found)  # type: ignore[arg-type]

    def present(self, quads: Collection[ox.Quad], *, batch: int = 100) -> set[ox.Quad]:
        """Asked in batches, one ground pattern per quad (a ``VALUES`` join misses
        language-tagged literals on Virtuoso); a quad with a blank node is never "present"
        here, since the engine's nodes cannot be named from outside."""
        ground = [q for q in quads if not has_blank_node(q)]
        found: set[ox.Quad] = set()
        for start in range(0, len(ground), batch):
            chunk = ground[start : start + batch]
            branches = " UNION ".join(
                f"{{ {self._held(q)} BIND({i} AS ?i) }}" for i, q in enumerate(chunk)
            )
            for (index,) in self._select(f"SELECT DISTINCT ?i WHERE {{ {branches} }}"):
                assert isinstance(index, ox.Literal)
                found.add(chunk[int(index.value)])
        return found

    def _held(self, quad: ox.Quad) -> str:
        """The pattern matching ``quad`` as written."""
        triple = str(quad.triple)
        if isinstance(quad.graph_name, ox.DefaultGraph):
            return f"{self._union.holding(triple)} {self._union.orphan(triple)}"
        return f"GRAPH <{quad.graph_name.value}> {{ {triple} }}"

    # -- writes ------------------------------------------------------------------------------

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        request = self._client.build_request(
            "POST",
            self.update_url,
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )
        self._dataset = None  # the set of graphs may have changed
        self._send(request)

    def apply(self, delta: Delta) -> None:
        """One update request: ``DATA`` blocks for the ground quads; in each graph where
        quads with blank nodes are removed, its blank-node part is rewritten whole (the
        engine's nodes cannot be named from outside), keeping what the delta keeps; then the
        union's upkeep (``service.store.union``)."""
        if not delta:
            return
        union = self._union
        named = [q for q in delta.removed if isinstance(q.graph_name, ox.NamedNode)]
        new = [q for q in delta.added if isinstance(q.graph_name, ox.NamedNode)]
        operations = data_operations(
            [q for q in named if not has_blank_node(q)], [q for q in new if not has_blank_node(q)]
        )
        blank_removed = {q for q in delta.removed if has_blank_node(q)}
        blank_added = [q for q in delta.added if has_blank_node(q)]
        rewritten = {graph_of(q) for q in blank_removed}
        if rewritten:  # the union's orphaned blank triples go: the own ones come back
            rewritten.add(None)
        for name in sorted(rewritten, key=lambda n: n or ""):
            blank_added += [q for q in self._blank_part(name) if q not in blank_removed]
            if name is not None:
                pattern = self._pattern(name, "?s ?p ?o FILTER(isBlank(?s) || isBlank(?o))")
                operations.append(f"DELETE {{ {self._pattern(name)} }} WHERE {{ {pattern} }}")
        # the union: the removed triples no named graph holds any more leave it...
        operations += [
            union.leave_if_orphaned(str(q.triple)) for q in delta.removed if not has_blank_node(q)
        ]
        if rewritten:
            operations.append(union.orphaned_blank_triples_leave())
        # ...then the added ones join it; a graph's new blank nodes are copied into the union
        # from the graph, so that each is one node in both (one graph per operation: Virtuoso
        # fails on a template with blank nodes in two graphs)
        joined = [self._in_union(q) for q in delta.added if not has_blank_node(q)]
        operations += data_operations([], joined, self._graph_iri)
        by_graph: dict[GraphName, list[ox.Quad]] = {}
        for quad in blank_added:
            by_graph.setdefault(graph_of(quad), []).append(quad)
        for name, quads in sorted(by_graph.items(), key=lambda item: item[0] or ""):
            operations.append(insert_operation(quads, self._graph_iri))
            if name is not None:
                blank = self._pattern(name, "?s ?p ?o FILTER(isBlank(?s) || isBlank(?o))")
                held = union.holding("?s ?p ?o")
                operations.append(f"INSERT {{ {held} }} WHERE {{ {blank} }}")
        self.update(" ;\n".join(operations))

    @staticmethod
    def _in_union(quad: ox.Quad) -> ox.Quad:
        return ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())

    def _blank_part(self, name: GraphName) -> list[ox.Quad]:
        return [q for q in self.quads(name) if has_blank_node(q)]

    def add_quads(self, quads: Iterable[ox.Quad], *, batch: int = 5000) -> None:
        """Bulk-add in ``INSERT`` batches, which every engine takes (N-Quads uploads: not);
        each triple also joins the union."""
        pending: list[ox.Quad] = []
        for quad in quads:
            pending.append(quad)
            if isinstance(quad.graph_name, ox.NamedNode):
                pending.append(self._in_union(quad))
            if len(pending) >= batch:
                self.update(insert_operation(pending, self._graph_iri))
                pending = []
        if pending:
            self.update(insert_operation(pending, self._graph_iri))

    def dump(self, fmt: Format) -> bytes:
        """The dataset as written: the named graphs and the default graph's own statements."""
        out = ox.serialize(self.all_quads(), format=fmt.oxigraph_rdf)
        assert out is not None
        return out

    def close(self) -> None:
        self._client.close()

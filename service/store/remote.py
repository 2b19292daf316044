"""A store on any SPARQL 1.1 engine, reached through the Query and Update protocols, for
users who outgrow one machine (Oxigraph server, Virtuoso, ...).

As the embedded store, this one keeps the union of its graphs, as a set, in the engine's
default graph (:mod:`service.store.union`): every write it sends keeps it exact. An engine
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

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from service.errors import QuerySyntaxError, StoreUnavailable
from service.formats import NTRIPLES, RESULTS_JSON, RESULTS_XML, Format
from service.sparql.binding import bind_variables, top_level_structure
from service.sparql.updates import GraphEdit, insert_data_update
from service.store.base import Quad, QueryKind, QueryResult, Row, Store, Term, Triple
from service.store.capped import capped_solutions
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


def _json_term(value: Mapping[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
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

    def triples(self) -> Iterator[Triple]:
        if self.kind is not QueryKind.GRAPH:
            raise TypeError(f"a {self.kind} query has no triples")
        graph = Graph()
        graph.parse(data=self._fetch(NTRIPLES.media_type), format="nt")
        yield from graph  # type: ignore[misc]

    def serialize_capped(self, fmt: Format, limit: int) -> tuple[bytes, bool]:
        if self.kind is QueryKind.SELECT:
            names = self.variables
            rows = (
                tuple(None if (v := row.get(n)) is None else to_oxigraph(v) for n in names)
                for row in self.rows()
            )
            return capped_solutions(names, rows, fmt, limit)
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

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
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
            params = [("default-graph-uri", g) for g in default_graphs or []]
            params += [("named-graph-uri", g) for g in named_graphs or []]
        return RemoteResult(self, sparql, params)

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

    def _list_graphs(self) -> list[str]:
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        rows = RemoteResult(self, query, []).rows()
        names = (str(r["g"]) for r in rows if isinstance(r.get("g"), URIRef))
        return sorted(n for n in names if not n.startswith(self.system_graph_prefixes))

    def graph_names(self) -> list[str]:
        return [n for n in self._list_graphs() if n != self.default_graph_iri]

    def count(self, graph: str | None = None, *, all_graphs: bool = True) -> int:
        if graph is None and all_graphs:
            named = sum(len(self.get_graph(name)) for name in self.graph_names())
            return named + len(self.get_graph(None))
        return len(self.get_graph(graph))

    def get_graph(self, name: str | None) -> Graph:
        """One named graph, or (``None``) the default graph's own statements."""
        if name is None:
            query = self._union.own_statements()
        else:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{URIRef(name)}> {{ ?s ?p ?o }} }}"
        graph = Graph()
        graph.parse(data=self._post_query(query, [], NTRIPLES.media_type), format="nt")
        return graph

    def replace_graphs(
        self,
        graphs: Mapping[str | None, Iterable[Triple] | None],
        edits: Mapping[str | None, GraphEdit] | None = None,
    ) -> None:
        if graphs or edits:
            self.update(self._union.maintained_update(graphs, edits))

    def add_quads(self, quads: Iterable[Quad], *, batch: int = 5000) -> None:
        """Bulk-add in ``INSERT DATA`` batches, which every engine takes (N-Quads uploads: not);
        each triple also joins the union."""
        pending: dict[str | None, list[Triple]] = defaultdict(list)
        size = 0
        for s, p, o, g in quads:
            if g is not None:
                pending[str(g)].append((s, p, o))
            pending[self.default_graph_iri].append((s, p, o))
            size += 1
            if size >= batch:
                self.update(insert_data_update(pending))
                pending.clear()
                size = 0
        if size:
            self.update(insert_data_update(pending))

    def dump(self, fmt: Format) -> bytes:
        """The dataset as written: the named graphs and the default graph's own statements."""
        dataset = Dataset()
        for name in self.graph_names():
            graph = dataset.graph(URIRef(name))
            for triple in self.get_graph(name):
                graph.add(triple)
        for triple in self.get_graph(None):
            dataset.default_graph.add(triple)
        return dataset.serialize(format=fmt.rdflib_name, encoding="utf-8")

    def close(self) -> None:
        self._client.close()

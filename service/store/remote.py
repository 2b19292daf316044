"""A store on any SPARQL 1.1 engine, reached through the Query, Update and Graph Store
protocols, for users who outgrow one machine (Oxigraph server, Virtuoso, ...).

The engine must answer queries over the union of its graphs by default (Oxigraph server's
``--union-default-graph``; Virtuoso does so natively), as the embedded store does. Results
are passed through in the engine's own serialisation: the remote engine already wrote the
bytes, re-encoding them here would only cost time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx
from rdflib import BNode, Graph, Literal, URIRef

from service.errors import QuerySyntaxError, StoreUnavailable
from service.formats import NQUADS, NTRIPLES, RESULTS_JSON, Format
from service.sparql.binding import bind_variables, top_level_structure
from service.sparql.updates import replace_graphs_update
from service.store.base import Quad, QueryKind, QueryResult, Row, Store, Term, Triple
from service.store.terms import ntriples_term

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
    datatype = value.get("datatype")
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
        return bool(self._results()["boolean"])

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

    def serialize(self, fmt: Format) -> bytes:
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
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.gsp_url = gsp_url
        self._client = client or httpx.Client(timeout=timeout)

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
        request = self._client.build_request(
            "POST",
            self.query_url,
            params=httpx.QueryParams(list(params)),
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
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
        self._send(request)

    def graph_names(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(str(r["g"]) for r in rows if isinstance(r.get("g"), URIRef))

    def count(self, graph: str | None = None, *, all_graphs: bool = True) -> int:
        if graph is None and all_graphs:
            query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
            return int(self.select(query)[0]["n"])
        return len(self.get_graph(graph))

    def get_graph(self, name: str | None) -> Graph:
        pattern = "?s ?p ?o" if name is None else f"GRAPH <{URIRef(name)}> {{ ?s ?p ?o }}"
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}"
        graph = Graph()
        graph.parse(data=self._post_query(query, [], NTRIPLES.media_type), format="nt")
        return graph

    def replace_graphs(self, graphs: Mapping[str | None, Iterable[Triple] | None]) -> None:
        if graphs:
            self.update(replace_graphs_update(graphs))

    def add_quads(self, quads: Iterable[Quad]) -> None:
        lines = io.StringIO()
        for s, p, o, g in quads:
            terms = [ntriples_term(s), ntriples_term(p), ntriples_term(o)]
            if g is not None:
                terms.append(ntriples_term(g))
            lines.write(" ".join(terms) + " .\n")
        if self.gsp_url is None:
            raise StoreUnavailable("bulk loading a remote engine needs its Graph Store URL")
        request = self._client.build_request(
            "POST",
            self.gsp_url,
            content=lines.getvalue().encode("utf-8"),
            headers={"Content-Type": NQUADS.media_type},
        )
        self._send(request)

    def dump(self, fmt: Format) -> bytes:
        if self.gsp_url is None:
            raise StoreUnavailable("dumping a remote engine needs its Graph Store URL")
        headers = {"Accept": fmt.media_type}
        request = self._client.build_request("GET", self.gsp_url, headers=headers)
        return self._send(request).content

    def close(self) -> None:
        self._client.close()

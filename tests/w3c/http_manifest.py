"""Reading the W3C protocol manifests, whose tests are HTTP exchanges written in RDF.

The SPARQL 1.1 Protocol and Graph Store Protocol manifests describe each test as a list of
``ht:Request``s (method, path, headers, body) with the ``ht:Response`` expected for each
(status codes or classes, a boolean, a result format, response headers, an RDF body). This
module turns them into plain dataclasses so that the test modules can replay them against
the live server without any knowledge of the HTTP-in-RDF vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for
from tests.service.server import live_server
from tests.w3c.common import MF, _path

HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

#: ``hts:`` terms used by the manifests: exact codes, or a class given by its first digit.
_STATUS: dict[str, int] = {
    "OK": 200,
    "Created": 201,
    "NoContent": 204,
    "NotFound": 404,
    "StatusCode2xx": 2,
    "StatusCode3xx": 3,
    "StatusCode4xx": 4,
    "StatusCode5xx": 5,
}


@dataclass(frozen=True)
class Expected:
    """What one response must look like; empty fields are not checked."""

    statuses: frozenset[int]  # exact codes (200) or classes (2 for 2xx)
    boolean: bool | None = None
    result_format: str | None = None  # "boolean", "tabular" or "RDF"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    location_variable: str | None = None  # mf:expectedLocation: a template for later requests

    def status_ok(self, status: int) -> bool:
        return status in self.statuses or status // 100 in self.statuses


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


@dataclass(frozen=True)
class GraphData:
    """A file of the suite to load into the named graph ``name`` before the test runs."""

    file: Path
    name: str


@dataclass
class ProtocolTest:
    iri: str
    title: str
    requests: list[HttpRequest]
    graph_data: list[GraphData] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.iri.rsplit("#", 1)[-1]


def _headers(graph: Graph, node: Node | None) -> tuple[tuple[str, str], ...]:
    if node is None:
        return ()
    return tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in Collection(graph, node)
    )


def _body(graph: Graph, node: Node | None) -> str | None:
    return None if node is None else str(graph.value(node, CNT.chars))


def _encoding(graph: Graph, node: Node | None) -> str:
    value = None if node is None else graph.value(node, CNT.characterEncoding)
    return str(value or "UTF-8")


def _expected(graph: Graph, response: Node) -> Expected:
    statuses = frozenset(
        _STATUS[str(s).rsplit("#", 1)[-1]] for s in graph.objects(response, MF.expectedStatus)
    )
    boolean = graph.value(response, MF.expectedBoolean)
    result_format = graph.value(response, MF.expectedFormat)
    location = graph.value(response, MF.expectedLocation)
    return Expected(
        statuses=statuses,
        boolean=None if boolean is None else bool(boolean.toPython()),
        result_format=None if result_format is None else str(result_format),
        headers=_headers(graph, graph.value(response, HT.headers)),
        body=_body(graph, graph.value(response, HT.body)),
        location_variable=None if location is None else str(location),
    )


def _request(graph: Graph, node: Node) -> HttpRequest:
    body_node = graph.value(node, HT.body)
    text = _body(graph, body_node)
    response = graph.value(node, HT.resp)
    assert response is not None, f"a request without an expected response: {node}"
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, graph.value(node, HT.headers)),
        body=None if text is None else text.encode(_encoding(graph, body_node)),
        expected=_expected(graph, response),
    )


_KINDS = (MF.ProtocolTest, MF.GraphStoreProtocolTest)


def _manifest_entries(path: Path) -> Iterator[tuple[Graph, Node]]:
    """Listed entries in order, then any test the file defines but forgot to list.

    ``manifest-direct.ttl`` defines ``head_non_existing_direct`` without putting it in its
    ``mf:entries``; it is a plain test of the protocol, so it is run too.
    """
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = graph.value(manifest, MF.entries)
    listed = list(Collection(graph, entries)) if entries is not None else []
    for entry in listed:
        yield graph, entry
    defined = {s for kind in _KINDS for s in graph.subjects(RDF.type, kind)}
    for entry in sorted(defined - set(listed), key=str):
        yield graph, entry
    included = graph.value(manifest, MF.include)
    if included is not None:
        for other in Collection(graph, included):
            yield from _manifest_entries(_path(other))


def protocol_tests(path: Path) -> list[ProtocolTest]:
    """The approved-or-unclassified tests of a protocol manifest (with its includes), in order."""
    tests = []
    for graph, entry in _manifest_entries(path):
        if graph.value(entry, DAWGT.approval) == DAWGT.Withdrawn:
            continue
        action = graph.value(entry, MF.action)
        requests = graph.value(action, HT.requests)
        assert isinstance(entry, URIRef) and requests is not None
        tests.append(
            ProtocolTest(
                iri=str(entry),
                title=str(graph.value(entry, MF.name)),
                requests=[_request(graph, r) for r in Collection(graph, requests)],
                graph_data=[
                    GraphData(_path(graph.value(d, UT.graph)), str(graph.value(d, RDFS.label)))
                    for d in graph.objects(entry, UT.graphData)
                ],
                requires=sorted(
                    str(r).rsplit("#", 1)[-1] for r in graph.objects(entry, MF.requires)
                ),
            )
        )
    return tests


@contextmanager
def writable_endpoint(root: Path, token: str) -> Iterator[str]:
    """The app as deployed (default graph = union of all graphs), with writes on, no shapes."""
    settings = settings_for(  # no runaway cooldown: every test comes from one address
        root,
        write_token=token,
        infer_on_write=False,
        query_timeout=20,
        query_workers=1,
        runaway_cooldown=0,
    )
    with live_server(settings, OxigraphStore.in_memory()) as base:
        yield base

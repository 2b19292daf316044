"""What the service says about itself: the SPARQL Service Description, VoID and the dump.

Descriptions are small graphs built with rdflib from counts the query engine computes, under
the query time limit and row cap (VoID counts scan the store, and are kept per data
version); the dump is serialised by the engine.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from service.api.caching import not_modified
from service.api.negotiation import body_response, choose_format
from service.api.runtime import AppState, app_state
from service.api.web.browsers import asks_for_page, rdf_page
from service.errors import NotAcceptable
from service.formats import JSONLD, NQUADS, TRIG, TURTLE, serialize_graph
from service.graph import void_stats
from service.graph.void_stats import Partition
from service.jsonld import context_document
from service.namespaces import DEF, LINKS_GRAPH, REFERENTIAL_GRAPH_PREFIX
from service.store.base import QueryKind, Row, Store, Term
from service.store.terms import checked_iri

router = APIRouter(tags=["meta"])

CONTEXT_PATH = "/context.jsonld"

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

_W3C_FORMAT = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/trig": FORMATS.TriG,
    "application/n-quads": FORMATS["N-Quads"],
}


def base_url(request: Request) -> str:
    """This server's URL as the client addressed it; it names resources in answers, so it
    passes the IRI check any client string does (400 naming the ``url``, never a 500)."""
    return checked_iri(str(request.base_url), "url").rstrip("/")


def context_url(request: Request) -> str:
    """Where this server publishes the JSON-LD context its JSON-LD answers refer to."""
    return base_url(request) + CONTEXT_PATH


def _node(*key: str) -> BNode:
    """A blank node named after what it stands for, so that the same description is the same
    bytes each time it is written (its ETag is strong, HEAD's Content-Length is GET's)."""
    return BNode("n" + hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()[:20])


# -- the service description ---------------------------------------------------------------


def graph_sizes(store: Store) -> tuple[int, list[tuple[str, int]]]:
    """Quads in the whole store and triples per named graph (what the description counts)."""
    return store.count(), [
        (name, store.count(name, all_graphs=False)) for name in store.graph_names()
    ]


def describe_service(
    state: AppState, endpoint: str, sizes: tuple[int, list[tuple[str, int]]]
) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for media_type, iri in _W3C_FORMAT.items():
        graph.add((service, SD.resultFormat, iri))
        del media_type
    # The canned-query catalogue, as SIB's sparql-examples publish theirs.
    examples = endpoint.rsplit("/sparql", 1)[0] + "/.well-known/sparql-examples"
    graph.add((service, RDFS.seeAlso, URIRef(examples)))
    if state.store.union_default:
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if state.settings.allowed_service_hosts:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    dataset = _node("sd", "dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = _node("sd", "default")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    total, graphs = sizes
    graph.add((default, VOID.triples, Literal(total, datatype=XSD.integer)))
    for name, count in sorted(graphs):
        named, inner = _node("sd", "named", name), _node("sd", "graph", name)
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph


def service_description(request: Request, state: AppState, endpoint: str) -> Response:
    """A bare GET of ``/sparql`` by a program: the Service Description (browsers are sent
    to the editor before this)."""
    accept = request.headers.get("accept")
    fmt_param = request.query_params.get("format")
    headers = state.version.headers("sd", accept or "", fmt_param or "", endpoint)
    if (cached := not_modified(request, headers)) is not None:
        return cached
    headers["Vary"] = "Accept"
    sizes = state.built_sizes() or state.read(request, graph_sizes)
    fmt = choose_format(accept, fmt_param, QueryKind.GRAPH)
    body = serialize_graph(
        describe_service(state, endpoint, sizes), fmt, context=context_url(request)
    )
    return body_response(body, fmt, headers=headers)


# -- VoID ----------------------------------------------------------------------------------

_CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"
_STATS = """SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { GRAPH ?g { ?s ?p ?o } }"""
_ENTITIES = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?s) }"
_LINKS = "SELECT ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?o) }"


def _count(value: object) -> Literal:
    return Literal(int(str(value)), datatype=XSD.integer)


def _rows(store: Store, text: str, bindings: dict[str, Term] | None, cap: int) -> list[Row]:
    return list(islice(store.query(text, bindings=bindings).rows(), cap))


def _partitions(
    graph: Graph, node: URIRef | BNode, store: Store, name: str | None, cap: int
) -> None:
    """Counts, class and property partitions of one graph (or of all with ``name=None``)."""
    bindings: dict[str, Term] | None = {"g": URIRef(name)} if name is not None else None
    total = store.count(name, all_graphs=False) if name is not None else store.count()
    graph.add((node, VOID.triples, _count(total)))
    for row in _rows(store, _ENTITIES, bindings, cap):
        graph.add((node, VOID.entities, _count(row["n"])))
    for row in _rows(store, _STATS, bindings, cap):
        graph.add((node, VOID.distinctSubjects, _count(row["subjects"])))
        graph.add((node, VOID.distinctObjects, _count(row["objects"])))
    classes = _rows(store, _CLASSES, bindings, cap)
    properties = _rows(store, _PROPERTIES, bindings, cap)
    graph.add((node, VOID.classes, _count(len(classes))))
    graph.add((node, VOID.properties, _count(len(properties))))
    for row in classes:
        part = _node("void", str(node), "class", str(row["c"]))
        graph.add((node, VOID.classPartition, part))
        graph.add((part, VOID["class"], row["c"]))
        graph.add((part, VOID.entities, _count(row["n"])))
    for row in properties:
        part = _node("void", str(node), "property", str(row["p"]))
        graph.add((node, VOID.propertyPartition, part))
        graph.add((part, VOID.property, row["p"]))
        graph.add((part, VOID.triples, _count(row["n"])))


def _describe(graph: Graph, node: URIRef | BNode, counted: Partition) -> None:
    """What :func:`_partitions` says, from the counts the build made
    (:mod:`service.graph.void_stats`: the same counts, by the same definitions)."""
    graph.add((node, VOID.triples, _count(counted.triples)))
    graph.add((node, VOID.entities, _count(counted.entities)))
    graph.add((node, VOID.distinctSubjects, _count(counted.subjects)))
    graph.add((node, VOID.distinctObjects, _count(counted.objects)))
    graph.add((node, VOID.classes, _count(len(counted.classes))))
    graph.add((node, VOID.properties, _count(len(counted.properties))))
    for iri, n in counted.classes.items():
        part = _node("void", str(node), "class", iri)
        graph.add((node, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(iri)))
        graph.add((part, VOID.entities, _count(n)))
    for iri, n in counted.properties.items():
        part = _node("void", str(node), "property", iri)
        graph.add((node, VOID.propertyPartition, part))
        graph.add((part, VOID.property, URIRef(iri)))
        graph.add((part, VOID.triples, _count(n)))


def _linksets(graph: Graph, dataset: URIRef, store: Store, public_base: str, cap: int) -> None:
    """One void:Linkset per (link predicate, external host) found in the links graph."""
    if not store.has_graph(LINKS_GRAPH):
        return
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in _rows(store, _LINKS, {"g": URIRef(LINKS_GRAPH)}, cap):
        target = str(row["o"])
        if target.startswith(public_base):
            continue
        parts = urlsplit(target)
        if parts.scheme and parts.netloc:
            counts[(str(row["p"]), f"{parts.scheme}://{parts.netloc}/")] += 1
    for (predicate, target), n in sorted(counts.items()):
        linkset = URIRef(f"{dataset}/linkset/{len(graph)}")
        graph.add((dataset, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, dataset))
        graph.add((linkset, VOID.objectsTarget, URIRef(target)))
        graph.add((linkset, VOID.linkPredicate, URIRef(predicate)))
        graph.add((linkset, VOID.triples, _count(n)))


#: Identifier schemes the referential graphs link their resources to, as literal codes:
#: (predicate, the scheme's slug under ``dataset/identifiers/``, its title).
IDENTIFIER_SCHEMES = (
    (
        "http://rdf.insee.fr/def/geo#codeINSEE",
        "insee-cog",
        "Codes INSEE du code officiel géographique",
        "INSEE codes of the official geographic code",
    ),
    (DEF + "siren", "siren", "Numéros SIREN (répertoire SIRENE de l'INSEE)", "SIREN numbers"),
)
_IDENTIFIERS = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?prefix)) }
GROUP BY ?g
"""
_PRIMARY_SOURCES = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?source WHERE { GRAPH ?g { ?g prov:hadPrimarySource ?source } }
"""


def _identifier_linksets(graph: Graph, dataset: URIRef, store: Store, cap: int) -> None:
    """One void:Linkset per referential graph and identifier scheme (INSEE codes, SIRENs):
    the links are literal codes, so the target is the scheme, described as a dataset."""
    primary = {str(r["g"]): r["source"] for r in _rows(store, _PRIMARY_SOURCES, None, cap)}
    for predicate, slug, title_fr, title_en in IDENTIFIER_SCHEMES:
        target = URIRef(f"{dataset}/identifiers/{slug}")
        bindings: dict[str, Term] = {
            "p": URIRef(predicate),
            "prefix": Literal(REFERENTIAL_GRAPH_PREFIX),
        }
        rows = [r for r in _rows(store, _IDENTIFIERS, bindings, cap) if int(str(r["n"]))]
        if not rows:
            continue
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, DCTERMS.title, Literal(title_fr, lang="fr")))
        graph.add((target, DCTERMS.title, Literal(title_en, lang="en")))
        for row in rows:
            linkset = URIRef(f"{dataset}/linkset/{len(graph)}")
            graph.add((dataset, VOID.subset, linkset))
            graph.add((linkset, RDF.type, VOID.Linkset))
            graph.add((linkset, VOID.subjectsTarget, row["g"]))
            graph.add((linkset, VOID.objectsTarget, target))
            graph.add((linkset, VOID.linkPredicate, URIRef(predicate)))
            graph.add((linkset, VOID.triples, _count(row["n"])))
            if slug == "insee-cog" and str(row["g"]) in primary:
                graph.add((target, DCTERMS.source, primary[str(row["g"])]))


def describe_dataset(
    store: Store, public_base: str, base: str, cap: int, built: Path | None
) -> Graph:
    """The VoID description; run as a job of the query engine, every query under its limits
    (at most ``cap`` rows each). ``built``: the build folder while the store is served
    unchanged, whose statistics (``service.graph.void_stats``) answer for the counts."""
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("sd", SD)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(public_base + "dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("esskg", lang="en")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(base + "/sparql")))
    graph.add((dataset, VOID.dataDump, URIRef(base + "/dump")))
    graph.add((dataset, VOID.uriSpace, Literal(public_base + "id/")))
    graph.add((dataset, VOID.feature, FORMATS["N-Quads"]))
    graph.add((dataset, VOID.feature, FORMATS.TriG))
    stats = void_stats.read(built) if built is not None else None
    if stats is not None:  # counted by the build, served unchanged since
        _describe(graph, dataset, stats.dataset)
    else:
        _partitions(graph, dataset, store, None, cap)
    for name in store.graph_names():
        subset = _node("void", "subset", name)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, URIRef(name)))
        if stats is not None and name in stats.graphs:
            _describe(graph, subset, stats.graphs[name])
        else:
            _partitions(graph, subset, store, name, cap)
    _linksets(graph, dataset, store, public_base, cap)
    _identifier_linksets(graph, dataset, store, cap)
    return graph


_void_cache: dict[str, Graph] = {}
_void_lock = threading.Lock()


def _void_graph(request: Request, state: AppState, base: str) -> Graph:
    key = f"{state.version.tag}|{base}"
    with _void_lock:
        if key in _void_cache:
            return _void_cache[key]
    public_base, cap = state.settings.public_base, state.settings.result_limit
    found = state.read(request, describe_dataset, public_base, base, cap, state.built())
    with _void_lock:
        _void_cache.clear()
        _void_cache[key] = found
    return found


@router.get("/.well-known/void", summary="VoID description of the dataset")
def void(request: Request) -> Response:
    state = app_state(request)
    accept = request.headers.get("accept")
    fmt_param = request.query_params.get("format")
    fmt = choose_format(accept, fmt_param, QueryKind.GRAPH)
    base = base_url(request)
    headers = state.version.headers("void", fmt.name, base)  # the links name this host
    if (cached := not_modified(request, headers)) is not None:
        return cached
    graph = _void_graph(request, state, base)
    if asks_for_page(request):
        turtle = serialize_graph(graph, TURTLE)
        return rdf_page(request, "VoID", turtle, [("Turtle", "?format=turtle")])
    body = serialize_graph(graph, fmt, context=context_url(request))
    return body_response(body, fmt, headers=headers)


@router.get(CONTEXT_PATH, summary="The JSON-LD context of every JSON-LD answer (prefixes)")
def context(request: Request) -> Response:
    """The prefixes JSON-LD answers are compacted with; it changes only with the code (its
    ETag is its digest)."""
    body = json.dumps(context_document(), indent=1).encode("utf-8")
    return Response(body, media_type=JSONLD.media_type)


@router.get("/dump", summary="The whole dataset (N-Quads by default, or TriG)")
def dump(request: Request) -> Response:
    state = app_state(request)
    fmt_param = request.query_params.get("format")
    accept = request.headers.get("accept") or ""
    fmt = NQUADS
    if fmt_param in ("trig", TRIG.media_type) or (
        fmt_param is None and "application/trig" in accept and "application/n-quads" not in accept
    ):
        fmt = TRIG
    elif fmt_param not in (None, "nquads", "nq", NQUADS.media_type):
        raise NotAcceptable(f"format={fmt_param}", ["nquads", "trig"])
    headers = state.version.headers("dump", fmt.name)
    if (cached := not_modified(request, headers)) is not None:
        return cached
    return body_response(state.store.dump(fmt), fmt, headers=headers)

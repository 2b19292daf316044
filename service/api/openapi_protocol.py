"""The SPARQL Protocol and Graph Store operations in the OpenAPI document, fully described.

Their handlers read the raw request (the protocols mix query strings, forms and bodies in
ways FastAPI's signature inference cannot express), so FastAPI lists them bare, and a client
generated from the document could send nothing and parse nothing. This fills in what a
generator needs: parameters, request bodies (the form first: generators speak forms, not
``application/sparql-query``), the media types of each answer with the SPARQL JSON results
first and described as a schema (so the answer is parsed into objects), the problem
documents, and the two ways a write key is sent (Bearer, or Basic with the key as password).

Values that come from the data (graph names, resources) are given as examples, never as an
``enum``: a generated client refuses any value outside an enum, and the data grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from service.formats import RDF_FORMATS, RESULT_FORMATS
from service.namespaces import BASE

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RESULTS_REF = {"$ref": "#/components/schemas/SparqlResults"}
#: Security of a write: the key as a bearer token, or as the password of HTTP Basic.
WRITE_SECURITY: list[dict[str, list[str]]] = [{"writeToken": []}, {"writeBasic": []}]

EXAMPLE_QUERY = (
    "PREFIX ess: <https://w3id.org/esskg/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?spaser ?label WHERE { ?spaser a ess:SPASER ; rdfs:label ?label } LIMIT 10"
)
EXAMPLE_UPDATE = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "INSERT DATA { GRAPH <https://w3id.org/esskg/graph/partner/example> {\n"
    '  <https://w3id.org/esskg/id/organisation/example> rdfs:label "Exemple"@fr } }'
)
EXAMPLE_TURTLE = (
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://w3id.org/esskg/id/organisation/example> rdfs:label "Exemple"@fr .\n'
)
_IRI = {"type": "string", "format": "iri"}
_IRIS = {"type": "array", "items": _IRI}
_TEXT = {"type": "string"}


def _bindings(row: dict[str, Any]) -> dict[str, Any]:
    """The ``results`` member of JSON results whose rows are ``row``."""
    return {
        "type": "object",
        "required": ["bindings"],
        "properties": {"bindings": {"type": "array", "items": row}},
    }


#: Schemas shared by the protocol operations and the canned queries.
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
        },
    },
    "RdfTerm": {
        "type": "object",
        "description": "One RDF term of a solution (SPARQL 1.1 Query Results JSON Format)",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "description": "uri, literal or bnode"},
            "value": {"type": "string"},
            "datatype": {"type": "string", "description": "A literal's datatype IRI"},
            "xml:lang": {"type": "string", "description": "A literal's language tag"},
        },
    },
    "ResultsHead": {
        "type": "object",
        "properties": {
            "vars": {"type": "array", "items": {"type": "string"}},
            "link": {"type": "array", "items": {"type": "string"}},
        },
    },
    "SparqlResults": {
        "type": "object",
        "description": "SPARQL 1.1 Query Results JSON Format: a SELECT's rows or an ASK's boolean",
        "required": ["head"],
        "properties": {
            "head": {"$ref": "#/components/schemas/ResultsHead"},
            "results": _bindings(
                {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"}}
            ),
            "boolean": {"type": "boolean"},
        },
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "writeToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A write key as a bearer token: the administrator's "
        "(ESSKG_WRITE_TOKEN), or a partner's (`esskg partner token P`), which writes only "
        "graph/partner/P",
    },
    "writeBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "A write key as the password of HTTP Basic: what SPARQL clients "
        "send. User 'admin' (any name) with the administrator's key; user P with partner "
        "P's key",
    },
}


def results_schemas(stem: str, variables: list[str]) -> dict[str, Any]:
    """``<stem>Row`` and ``<stem>Results``: the JSON results of a SELECT whose projected
    variables are known, one typed property per variable (a generated client's row class)."""
    row = {
        "type": "object",
        "description": "One row: each bound variable's term (unbound ones are absent)",
        "properties": {name: {"$ref": "#/components/schemas/RdfTerm"} for name in variables},
    }
    results = {
        "type": "object",
        "required": ["head", "results"],
        "properties": {
            "head": {"$ref": "#/components/schemas/ResultsHead"},
            "results": _bindings({"$ref": f"#/components/schemas/{stem}Row"}),
        },
    }
    return {f"{stem}Row": row, f"{stem}Results": results}


def _param(name: str, description: str, schema: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _format_param(names: list[str]) -> dict[str, Any]:
    return _param(
        "format",
        "The answer's format, overriding Accept: " + ", ".join(names),
        {"type": "string", "examples": names},
    )


def _answers() -> dict[str, Any]:
    """A query's answers: JSON results first (parsed by generated clients), then the rest."""
    content: dict[str, Any] = {"application/sparql-results+json": {"schema": RESULTS_REF}}
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        content.setdefault(fmt.media_type, {"schema": _TEXT})
    return {
        "200": {"description": "The answer, in the negotiated format", "content": content},
        "400": {"description": "The request does not parse", "content": PROBLEM},
        "403": {"description": "The query would fetch a remote URL", "content": PROBLEM},
        "406": {"description": "No acceptable format", "content": PROBLEM},
        "503": {"description": "The query ran past the time limit", "content": PROBLEM},
    }


def _written(created: bool = False) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "204": {"description": "Committed"},
        "400": {"description": "The request or its payload does not parse", "content": PROBLEM},
        "401": {"description": "A write key is required", "content": PROBLEM},
        "403": {"description": "This key may not write here", "content": PROBLEM},
        "412": {"description": "If-Match names an older version", "content": PROBLEM},
        "415": {"description": "Unsupported payload format", "content": PROBLEM},
        "422": {"description": "The data violates the shapes (SHACL report)", "content": PROBLEM},
    }
    if created:
        answers["201"] = {
            "description": "A new graph was created",
            "headers": {
                "Location": {"description": "The new graph's IRI, a URL here", "schema": _IRI}
            },
        }
    return answers


def _sparql(paths: dict[str, Any]) -> None:
    operations = paths["/sparql"]
    dataset = [
        _param("default-graph-uri", "Graphs forming the default graph", _IRIS, explode=True),
        _param("named-graph-uri", "Graphs available as named graphs", _IRIS, explode=True),
    ]
    formats = _format_param([f.name for f in (*RESULT_FORMATS, *RDF_FORMATS)])
    operations["get"].update(
        description="Run a query (SELECT, ASK, CONSTRUCT, DESCRIBE). Without `query`, "
        "the SPARQL Service Description. The answer's format follows Accept or `format`.",
        parameters=[
            _param("query", "The SPARQL query", _TEXT, example=EXAMPLE_QUERY),
            *dataset,
            formats,
        ],
        responses=_answers(),
    )
    form = {
        "type": "object",
        "description": "A query or an update (not both), with its dataset",
        "properties": {
            "query": {"type": "string", "examples": [EXAMPLE_QUERY]},
            "update": {"type": "string", "examples": [EXAMPLE_UPDATE]},
            "default-graph-uri": _IRIS,
            "named-graph-uri": _IRIS,
            "using-graph-uri": _IRIS,
            "using-named-graph-uri": _IRIS,
        },
    }
    operations["post"].update(
        description="A query (no key), or an update (needs the write key).",
        parameters=[*dataset, formats],
        requestBody={
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "application/sparql-query": {"schema": {**_TEXT, "examples": [EXAMPLE_QUERY]}},
                "application/sparql-update": {"schema": {**_TEXT, "examples": [EXAMPLE_UPDATE]}},
            },
        },
        responses={**_answers(), **_written()},
        security=[{}, *WRITE_SECURITY],
    )


def _graphs(paths: dict[str, Any]) -> None:
    operations = paths["/graphs"]
    target = [
        _param("graph", "The named graph's IRI", _IRI, example=BASE + "graph/links"),
        _param(
            "default",
            "The default graph: present with any value (default=true)",
            {"type": "boolean"},
        ),
    ]
    rdf = {f.media_type: {"schema": _TEXT} for f in RDF_FORMATS}
    operations["get"].update(
        parameters=[*target, _format_param([f.name for f in RDF_FORMATS])],
        responses={
            "200": {"description": "The graph", "content": rdf},
            "404": {"description": "No such graph", "content": PROBLEM},
        },
    )
    documents = {"text/turtle": {"schema": {**_TEXT, "examples": [EXAMPLE_TURTLE]}}, **rdf}
    upload = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "description": "RDF documents, each part with its Content-Type",
    }
    operations["put"].update(
        parameters=target,
        requestBody={"required": True, "content": documents},
        responses=_written(created=True),
        security=WRITE_SECURITY,
    )
    operations["post"].update(
        description="Adds to the graph named, or creates a graph (201, Location) without one.",
        parameters=target,
        requestBody={
            "required": True,
            "content": {**documents, "multipart/form-data": {"schema": upload}},
        },
        responses=_written(created=True),
        security=WRITE_SECURITY,
    )
    operations["delete"].update(
        parameters=target,
        responses={k: v for k, v in _written().items() if k in ("204", "401", "403", "412")},
        security=WRITE_SECURITY,
    )


def describe_protocols(schema: dict[str, Any]) -> None:
    """Fill in the ``/sparql`` and ``/graphs`` operations of a generated document."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(SCHEMAS)
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    _sparql(schema["paths"])
    _graphs(schema["paths"])


def install(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the document it builds (once) carries the descriptions."""
    build = app.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = build()
        if not described or described[0] is not schema:
            describe_protocols(schema)
            described[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

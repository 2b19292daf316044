"""The SPARQL Protocol and Graph Store operations in the OpenAPI document, fully described.

Their handlers read the raw request (the protocols mix query strings, forms and bodies in
ways FastAPI's signature inference cannot express), so FastAPI lists them bare. This fills
in what a client, and Swagger UI's "Try it out", needs: parameters, request bodies, the
media types of each answer, the problem documents, and the bearer token writes require.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service.formats import RDF_FORMATS, RESULT_FORMATS

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
EXAMPLE_QUERY = (
    "PREFIX ess: <https://w3id.org/esskg/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?spaser ?label WHERE { ?spaser a ess:SPASER ; rdfs:label ?label } LIMIT 10"
)
EXAMPLE_TURTLE = (
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://w3id.org/esskg/id/organisation/example> rdfs:label "Exemple"@fr .\n'
)
_IRI = {"type": "string", "format": "iri"}
_IRIS = {"type": "array", "items": _IRI}

_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "SparqlResults": {
        "type": "object",
        "description": "SPARQL 1.1 Query Results JSON Format",
        "properties": {
            "head": {"type": "object", "properties": {"vars": {"type": "array"}}},
            "results": {
                "type": "object",
                "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
            },
            "boolean": {"type": "boolean"},
        },
    },
}


def _param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _answers() -> dict[str, Any]:
    content: dict[str, Any] = {}
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        schema = (
            {"$ref": "#/components/schemas/SparqlResults"}
            if "json" in fmt.name
            else {"type": "string"}
        )
        content.setdefault(fmt.media_type, {"schema": schema})
    return {
        "200": {"description": "The answer, in the negotiated format", "content": content},
        "204": {"description": "The update was committed"},
        "400": {"description": "The request does not parse", "content": PROBLEM},
        "401": {"description": "An update needs the bearer token", "content": PROBLEM},
        "406": {"description": "No acceptable format", "content": PROBLEM},
        "503": {"description": "The query ran past the time limit", "content": PROBLEM},
    }


def _sparql(schema: dict[str, Any]) -> None:
    operations = schema["paths"]["/sparql"]
    dataset = [
        _param("default-graph-uri", "Graphs forming the default graph", _IRIS),
        _param("named-graph-uri", "Graphs available as named graphs", _IRIS),
    ]
    formats = [f.name for f in (*RESULT_FORMATS, *RDF_FORMATS)]
    format_param = _param("format", "Answer format, overriding Accept", {"enum": formats})
    operations["get"].update(
        parameters=[
            _param(
                "query",
                "The SPARQL query (without it: the service description)",
                {"type": "string"},
                example=EXAMPLE_QUERY,
            ),
            *dataset,
            format_param,
        ],
        responses=_answers(),
    )
    form = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "example": EXAMPLE_QUERY},
            "update": {"type": "string"},
            "default-graph-uri": _IRIS,
            "named-graph-uri": _IRIS,
            "using-graph-uri": _IRIS,
            "using-named-graph-uri": _IRIS,
        },
    }
    operations["post"].update(
        parameters=[*dataset, format_param],
        requestBody={
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "application/sparql-query": {
                    "schema": {"type": "string", "example": EXAMPLE_QUERY}
                },
                "application/sparql-update": {"schema": {"type": "string"}},
            },
        },
        responses=_answers(),
        security=[{}, {"writeToken": []}],
    )


def _graph_target() -> list[dict[str, Any]]:
    return [
        _param("graph", "The named graph's IRI", _IRI),
        _param(
            "default",
            "The default graph: present with any value (default=true)",
            {"type": "boolean"},
        ),
    ]


def _graphs(schema: dict[str, Any]) -> None:
    operations = schema["paths"]["/graphs"]
    rdf = {f.media_type: {"schema": {"type": "string"}} for f in RDF_FORMATS}
    operations["get"].update(
        parameters=[*_graph_target(), _param("format", "RDF format", {"type": "string"})],
        responses={
            "200": {"description": "The graph", "content": rdf},
            "404": {"description": "No such graph", "content": PROBLEM},
        },
    )
    body = {
        "required": True,
        "content": {
            "text/turtle": {"schema": {"type": "string", "example": EXAMPLE_TURTLE}},
            **{m: c for m, c in rdf.items() if m != "text/turtle"},
        },
    }
    written = {
        "201": {"description": "A new graph was created"},
        "204": {"description": "Committed"},
        "400": {"description": "The payload does not parse", "content": PROBLEM},
        "401": {"description": "A bearer token is required", "content": PROBLEM},
        "403": {"description": "This token may not write here", "content": PROBLEM},
        "415": {"description": "Unsupported RDF format", "content": PROBLEM},
        "422": {"description": "The data violates the shapes (SHACL report)", "content": PROBLEM},
    }
    for method in ("put", "post"):
        operations[method].update(
            parameters=_graph_target(),
            requestBody=body,
            responses=written,
            security=[{"writeToken": []}],
        )
    operations["delete"].update(
        parameters=_graph_target(),
        responses={k: v for k, v in written.items() if k in ("204", "401", "403")},
        security=[{"writeToken": []}],
    )


def describe_protocols(schema: dict[str, Any]) -> None:
    """Fill in the ``/sparql`` and ``/graphs`` operations of a generated document."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(_SCHEMAS)
    components["securitySchemes"] = {
        "writeToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "ESSKG_WRITE_TOKEN, or a partner's key (writes only)",
        }
    }
    _sparql(schema)
    _graphs(schema)


def install(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the document it builds (once) carries the descriptions."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app, "_protocols_described", False) and app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        describe_protocols(schema)
        app._protocols_described = True  # type: ignore[attr-defined]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

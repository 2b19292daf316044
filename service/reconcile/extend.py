"""Data extension: the values of a few properties for matched entities, bound as IRIs."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from service.reconcile.documents import PROPERTIES
from service.store.base import Store

VALUES = """
PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?property ?value ?label WHERE {
  {
    BIND("siren" AS ?property) ?e ess:siren ?value .
  } UNION {
    BIND("insee" AS ?property) ?e ess:hasTerritory/igeo:codeINSEE ?value .
  } UNION {
    BIND("population" AS ?property) ?e ess:hasTerritory?/ess:population ?value .
  } UNION {
    BIND("epci" AS ?property) ?e org:memberOf ?value . ?value a ess:EPCI .
    OPTIONAL { ?value rdfs:label ?label }
  } UNION {
    BIND("spaser" AS ?property) ?value ess:adoptedBy ?e ; a ess:SPASER .
    OPTIONAL { ?value rdfs:label ?label }
  }
}"""


def extend(store: Store, ids: list[str], properties: list[str], lang: str) -> dict[str, Any]:
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entity in ids:
        found: dict[str, list[dict[str, Any]]] = {p: [] for p in properties}
        for row in store.query(VALUES, bindings={"e": URIRef(entity)}).rows():
            prop = str(row["property"])
            if prop not in found:
                continue
            value = row["value"]
            if isinstance(value, URIRef):
                item: dict[str, Any] = {"id": str(value), "name": str(row.get("label") or value)}
            elif prop == "population":
                item = {"float": float(str(value))}
            else:
                item = {"str": str(value)}
            if item not in found[prop]:
                found[prop].append(item)
        rows[entity] = found
    meta = [
        {"id": p, "name": PROPERTIES[p][1] if lang == "en" else PROPERTIES[p][0]}
        for p in properties
    ]
    return {"meta": meta, "rows": rows}


def extend_entities(
    store: Store, ids: tuple[str, ...], properties: tuple[str, ...], lang: str
) -> dict[str, Any]:
    """:func:`extend` as a job of the query engine (hashable arguments)."""
    return extend(store, list(ids), list(properties), lang)

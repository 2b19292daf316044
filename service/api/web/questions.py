"""A canned query as a form: one typed field per parameter, choices drawn from the data.

The form is read back with the catalogue's own typing (:func:`resolve_params`) and bound
with its own binding (:func:`plan`), so the SPARQL a page shows is exactly what
``/queries/<id>`` runs for the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlencode

from rdflib import Literal, URIRef

from service.api.web.vocabulary import Vocabulary
from service.queries.catalogue import CannedQuery
from service.queries.params import InvalidParameter, ParamSpec, ParamType
from service.queries.run import MAX_PER_PAGE, is_member, plan, resolve_params
from service.store.base import Store

_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?value ?label WHERE {
  ?value a/rdfs:subClassOf* ?class . FILTER(isIRI(?value))
  OPTIONAL { ?value rdfs:label ?label FILTER(langMatches(lang(?label), ?lang)) }
}
"""
_SUBCLASSES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?value WHERE { ?value rdfs:subClassOf* ?class . FILTER(isIRI(?value)) }
"""
_INPUTS = {
    ParamType.INTEGER: "number",
    ParamType.DECIMAL: "number",
    ParamType.YEAR: "number",
    ParamType.DATE: "date",
    ParamType.STRING: "text",
    ParamType.IRI: "url",
}
_LANGUAGE_NAMES = {
    "fr": (("fr", "français"), ("en", "anglais")),
    "en": (("fr", "French"), ("en", "English")),
}
_RESERVED = frozenset({"lang", "view"})


@dataclass
class Field:
    name: str
    label: str
    required: bool
    value: str | None
    input: str = "text"
    choices: list[tuple[str, str]] | None = None
    placeholder: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _choices(spec: ParamSpec, store: Store, vocab: Vocabulary, lang: str) -> list[tuple[str, str]]:
    if spec.values:
        return [(v, v) for v in spec.values]
    if spec.type is ParamType.BOOLEAN:
        yes, no = ("oui", "non") if lang == "fr" else ("yes", "no")
        return [("true", yes), ("false", no)]
    if spec.type is ParamType.LANGUAGE:
        return list(_LANGUAGE_NAMES["fr" if lang == "fr" else "en"])
    if spec.class_iri:
        rows = store.select(
            _INSTANCES, bindings={"class": URIRef(spec.class_iri), "lang": Literal(lang)}
        )
        found = {
            str(r["value"]): str(r.get("label") or vocab.label(str(r["value"]), lang)) for r in rows
        }
    else:
        assert spec.subclass_of is not None
        rows = store.select(_SUBCLASSES, bindings={"class": URIRef(spec.subclass_of)})
        found = {str(r["value"]): vocab.label(str(r["value"]), lang) for r in rows}
    return sorted(found.items(), key=lambda item: (item[1].lower(), item[0]))


def fields(
    query: CannedQuery,
    values: Mapping[str, str],
    store: Store,
    vocab: Vocabulary,
    lang: str,
) -> list[Field]:
    """The form's fields, filled with the request's values or the header's defaults."""
    out = []
    for spec in query.header.params:
        made = Field(
            spec.name,
            spec.description.get(lang) or spec.description["en"],
            spec.required,
            values.get(spec.name, spec.default),
            _INPUTS.get(spec.type, "text"),
        )
        if (
            spec.values
            or spec.class_iri
            or spec.subclass_of
            or spec.type
            in (
                ParamType.BOOLEAN,
                ParamType.LANGUAGE,
            )
        ):
            made.choices = _choices(spec, store, vocab, lang)
        if spec.type is ParamType.YEAR:
            made.attributes = {"min": str(spec.minimum or 1900), "max": str(spec.maximum or 2100)}
        elif spec.type is ParamType.DECIMAL:
            made.attributes = {"step": "any"}
        elif spec.type is ParamType.STRING:
            made.attributes = {"maxlength": "200"}
        if spec.default:
            made.placeholder = spec.default
        out.append(made)
    return out


def submitted(params: Mapping[str, str]) -> dict[str, str]:
    """The parameter values a form sent: empty fields mean "not given"."""
    return {k: v for k, v in params.items() if v != "" and k not in _RESERVED}


@dataclass(frozen=True)
class Asked:
    """What a submitted form asks: the bound SPARQL and where its answer is fetched."""

    sparql: str
    source: str


def ask(query: CannedQuery, values: Mapping[str, str], store: Store) -> Asked:
    """Type and bind ``values`` as ``/queries/<id>`` would (:class:`InvalidParameter` else)."""
    bindings = resolve_params(query, values, partial(is_member, store))
    text = plan(query, bindings).text
    params = dict(values)
    if query.paginated:
        params["per_page"] = str(MAX_PER_PAGE)
    return Asked(text, f"/queries/{query.id}?" + urlencode(params))


__all__ = ["Asked", "Field", "InvalidParameter", "ask", "fields", "submitted"]

"""Compact JSON-LD: one node object per subject, keys and types as the project's prefixed names.

The engine writes JSON-LD expanded and streaming: full IRIs as keys, every value an array,
and a subject repeated in as many node objects as it has runs of triples. An application
developer reads ``rdfs:label`` and expects each resource once, so answers are written here
instead, compacted against the context the service publishes at ``/context.jsonld`` (the
prefixes of ``service.namespaces``, nothing else: no term is coerced, so the document reads
back to exactly the triples it was written from, with any JSON-LD processor).

Values keep their lexical forms (``{"@value": "12", "@type": "xsd:integer"}``): native JSON
numbers would turn ``1.50`` into ``1.5``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from service.namespaces import PREFIXES

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def context_document(prefixes: Mapping[str, str] = PREFIXES) -> dict[str, Any]:
    """The context published at ``/context.jsonld``: each prefix, as a JSON-LD 1.1 term."""
    return {"@context": dict(sorted(prefixes.items()))}


class _Compactor:
    """Shortens IRIs with the longest namespace that leaves a valid compact IRI."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def iri(self, iri: str) -> str:
        for prefix, namespace in self._by_length:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                # "p://x" would read as an absolute IRI, not a compact one (JSON-LD 1.1 §4.4)
                if local and not local.startswith("//"):
                    return f"{prefix}:{local}"
        return iri

    def node(self, term: ox.NamedNode | ox.BlankNode) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.iri(term.value)

    def value(self, term: object) -> Any:
        if isinstance(term, ox.NamedNode | ox.BlankNode):
            return {"@id": self.node(term)}
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            datatype = term.datatype.value
            if datatype in (_XSD_STRING, _LANG_STRING):
                return term.value
            return {"@value": term.value, "@type": self.iri(datatype)}
        raise TypeError(f"no JSON-LD 1.1 form for {term!r} (RDF 1.2 triple terms)")


def compact(
    triples: Iterable[ox.Triple],
    context: str | Mapping[str, Any] | None,
    prefixes: Mapping[str, str] = PREFIXES,
) -> bytes:
    """Triples as a compact JSON-LD document: ``{"@context": …, "@graph": [nodes]}``.

    ``context`` is the URL of the published context (the document then needs it to be read),
    or None to embed the context, for a document that must stand alone.
    """
    shorten = _Compactor(prefixes)
    nodes: dict[ox.NamedNode | ox.BlankNode, dict[str, Any]] = {}
    for triple in triples:
        subject = triple.subject
        if isinstance(subject, ox.Triple):
            raise TypeError("no JSON-LD 1.1 form for a triple term as subject")
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {"@id": shorten.node(subject)}
        if triple.predicate.value == _RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            key, value = "@type", shorten.iri(triple.object.value)
        else:
            key, value = shorten.iri(triple.predicate.value), shorten.value(triple.object)
        held = node.get(key)
        if held is None:
            node[key] = value
        elif isinstance(held, list):
            held.append(value)
        else:
            node[key] = [held, value]
    header: Any = context if context is not None else context_document(prefixes)["@context"]
    document = {"@context": header, "@graph": list(nodes.values())}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

"""The vocabulary as the ontology graph states it: modules, classes, properties, shapes.

Read from the store's ontology and shapes graphs (what was built, not the files), so that
``/def`` documents exactly the terms the data is checked against. It also answers the
resource pages' question "what is this property called in French?".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from service.api.web.common_labels import LABELS, readable_name
from service.api.web.i18n import pick
from service.namespaces import DEF, ONTOLOGY_GRAPH, SHAPES_GRAPH
from service.store.base import Row, Store

SH = "http://www.w3.org/ns/shacl#"
DCTERMS_TITLE = URIRef("http://purl.org/dc/terms/title")
DCTERMS_DESCRIPTION = URIRef("http://purl.org/dc/terms/description")
_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"

_KINDS = {
    OWL.Class: "class",
    RDFS.Class: "class",
    OWL.ObjectProperty: "property",
    OWL.DatatypeProperty: "property",
    OWL.AnnotationProperty: "property",
    RDF.Property: "property",
}


@dataclass
class VocabTerm:
    """One class or property of the vocabulary."""

    iri: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    module: str | None = None
    parents: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The local name: the anchor in ``/def`` and what follows ``ess:``."""
        return self.iri[len(DEF) :] if self.iri.startswith(DEF) else self.iri


@dataclass
class Shape:
    """A SHACL shape, with what it targets and the constraints a person reads."""

    iri: str
    names: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    severity: str | None = None


@dataclass
class Module:
    iri: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    classes: list[VocabTerm] = field(default_factory=list)
    properties: list[VocabTerm] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Vocabulary:
    modules: list[Module]
    terms: dict[str, VocabTerm]
    labels: dict[str, dict[str, str]]

    def label(self, iri: str, lang: str) -> str:
        """What ``iri`` is called in ``lang``: the ontology's label, a standard term's usual
        name, or its local name made readable."""
        found = self.labels.get(iri)
        if found:
            text = pick(found, lang)
            if text:
                return text
        common = LABELS.get(iri)
        if common:
            return common[0] if lang == "fr" else common[1]
        return readable_name(iri)

    def completions(self) -> dict[str, list[dict[str, str]]]:
        """The ``ess:`` terms for the editor's completion: name, French label, kind."""
        terms = sorted(self.terms.values(), key=lambda t: t.name.lower())
        return {
            "ess": [
                {"name": t.name, "label": pick(t.labels, "fr") or "", "kind": t.kind}
                for t in terms
                if t.iri.startswith(DEF)
            ]
        }


def _text(values: dict[str, str], value: object) -> None:
    if isinstance(value, Literal):
        values.setdefault(value.language or "", str(value))


def _by_subject(rows: list[Row]) -> dict[str, dict[str, list[object]]]:
    subjects: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        subjects[str(row["s"])][str(row["p"])].append(row["o"])
    return subjects


def load_vocabulary(store: Store) -> Vocabulary:
    """Every term and shape of the built graph, grouped by the module that defines it."""
    ontology = _by_subject(store.select(_TRIPLES, bindings={"g": URIRef(ONTOLOGY_GRAPH)}))
    shapes_graph = _by_subject(store.select(_TRIPLES, bindings={"g": URIRef(SHAPES_GRAPH)}))
    modules: dict[str, Module] = {}
    terms: dict[str, VocabTerm] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for iri, props in ontology.items():
        for value in props.get(str(RDFS.label), []) + props.get(str(SKOS.prefLabel), []):
            _text(labels[iri], value)
        types = [URIRef(str(t)) for t in props.get(str(RDF.type), [])]
        if OWL.Ontology in types:
            module = modules.setdefault(iri, Module(iri))
            for value in props.get(str(DCTERMS_TITLE), []):
                _text(module.titles, value)
            for value in props.get(str(DCTERMS_DESCRIPTION), []):
                _text(module.descriptions, value)
            continue
        kind = next((_KINDS[t] for t in types if t in _KINDS), None)
        if kind is None or not iri.startswith(DEF):
            continue
        term = VocabTerm(iri, kind, types=sorted({str(t) for t in types}))
        for value in props.get(str(RDFS.label), []):
            _text(term.labels, value)
        for value in props.get(str(RDFS.comment), []):
            _text(term.comments, value)
        defined_by = props.get(str(RDFS.isDefinedBy), [])
        term.module = str(defined_by[0]) if defined_by else None
        parent_key = RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf
        term.parents = sorted(str(p) for p in props.get(str(parent_key), []) if _named(p))
        term.domains = sorted(str(p) for p in props.get(str(RDFS.domain), []) if _named(p))
        term.ranges = sorted(str(p) for p in props.get(str(RDFS.range), []) if _named(p))
        terms[iri] = term
    for term in sorted(terms.values(), key=lambda t: t.name.lower()):
        module = modules.setdefault(term.module or DEF, Module(term.module or DEF))
        (module.classes if term.kind == "class" else module.properties).append(term)
    _attach_shapes(shapes_graph, terms, modules)
    ordered = sorted(modules.values(), key=lambda m: (m.slug != "core", m.slug))
    return Vocabulary([m for m in ordered if m.classes or m.properties], terms, dict(labels))


def _named(value: object) -> bool:
    return isinstance(value, URIRef)


def _attach_shapes(
    graph: dict[str, dict[str, list[object]]],
    terms: dict[str, VocabTerm],
    modules: dict[str, Module],
) -> None:
    """Each node shape goes to the module of the class it targets."""
    node_shape = SH + "NodeShape"
    for iri, props in sorted(graph.items()):
        if node_shape not in {str(t) for t in props.get(str(RDF.type), [])}:
            continue
        shape = Shape(iri)
        for value in props.get(SH + "name", []):
            _text(shape.names, value)
        for value in props.get(SH + "message", []):
            _text(shape.messages, value)
        shape.targets = sorted(str(v) for v in props.get(SH + "targetClass", []) if _named(v))
        shape.properties = sorted(str(v) for v in props.get(SH + "property", []) if _named(v))
        shape.paths = sorted(
            str(path)
            for member in shape.properties
            for path in graph.get(member, {}).get(SH + "path", [])
            if _named(path)
        )
        severity = props.get(SH + "severity", [])
        shape.severity = str(severity[0]).rsplit("#", 1)[-1] if severity else None
        target = next((terms[t] for t in shape.targets if t in terms), None)
        key = target.module if target is not None and target.module else None
        if key is not None and key in modules:
            modules[key].shapes.append(shape)

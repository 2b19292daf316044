"""An upload from plan to commit: read, map, diff against the partner's graph, then write
through the gate (shapes, reasoning, all or nothing) or, for a dry run, through a gate over
a copy of the store.

A new upload of a kind replaces that partner's previous rows of that kind: the resources the
previous upload minted (each points at its upload node with ``dcterms:source``) lose the
triples only that upload gave them, and the new rows' triples come in. When the rows give
exactly the triples already there, nothing is written at all (re-importing the same file
changes nothing, not even the upload's date).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import DCTERMS

from service.errors import EsskgError, UnknownPartnerKind
from service.formats import rdf_format_for_media_type
from service.graph.gate import ShapesViolation, WriteGate, parse_payload
from service.namespaces import partner_graph
from service.parsing.limits import ParseLimits
from service.partners.kinds import KINDS, Kind
from service.partners.lookup import Lookup
from service.partners.mapping import Mapped, Origins, map_table
from service.partners.messages import Lang, UploadError
from service.partners.provenance import UploadFacts, describe, tags, upload_node
from service.partners.table import read_table
from service.partners.values import CellError
from service.store.base import Store, Triple
from service.store.oxigraph import OxigraphStore

RDF_MEDIA_TYPES = frozenset(
    {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}
)
RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".rdf", ".owl")


@dataclass
class Plan:
    """What an upload would do: its errors, or the new graph and the difference."""

    partner: str
    kind: str
    rows: int
    errors: list[UploadError] = field(default_factory=list)
    content: list[Triple] = field(default_factory=list)
    added: list[Triple] = field(default_factory=list)
    removed: list[Triple] = field(default_factory=list)
    origins: Origins = field(default_factory=Origins)
    committed: bool = False

    @property
    def graph(self) -> str:
        return partner_graph(self.partner)

    @property
    def unchanged(self) -> bool:
        return not self.errors and not self.added and not self.removed

    def summary(self, lang: Lang = "fr") -> dict[str, object]:
        return {
            "partner": self.partner,
            "kind": self.kind,
            "graph": self.graph,
            "rows": self.rows,
            "accepted": not self.errors,
            "committed": self.committed,
            "unchanged": self.unchanged,
            "added": len(self.added),
            "removed": len(self.removed),
            "added_triples": [_show(t) for t in sorted(self.added)[:200]],
            "removed_triples": [_show(t) for t in sorted(self.removed)[:200]],
            "errors": [e.as_json(lang) for e in self.errors],
        }


def _show(triple: Triple) -> list[str]:
    return [term.n3() for term in triple]


def is_rdf(filename: str, media_type: str) -> bool:
    bare = media_type.split(";", 1)[0].strip().lower()
    return bare in RDF_MEDIA_TYPES or filename.lower().endswith(RDF_SUFFIXES)


def kind_named(slug: str) -> Kind:
    if slug not in KINDS:
        raise UnknownPartnerKind(f"unknown kind {slug!r}; choose one of {', '.join(KINDS)}")
    return KINDS[slug]


def _rdf_mapped(data: bytes, filename: str, media_type: str, limits: ParseLimits) -> Mapped:
    from service.formats import rdf_format_for_path

    try:
        fmt = rdf_format_for_media_type(media_type)
    except EsskgError:
        from pathlib import Path

        fmt = rdf_format_for_path(Path(filename))
    mapped = Mapped()
    for triple in parse_payload([(fmt, data)], None, limits=limits):
        mapped.triples.add(triple)
        if isinstance(triple[0], URIRef):
            mapped.minted.add(triple[0])
    return mapped


def map_upload(facts: UploadFacts, store: Store, media_type: str, limits: ParseLimits) -> Mapped:
    """The upload's triples (or its errors), before any comparison with the graph."""
    kind = kind_named(facts.kind)
    if is_rdf(facts.filename, media_type):
        return _rdf_mapped(facts.data, facts.filename, media_type, limits)
    try:
        table = read_table(kind, facts.data, facts.filename, media_type)
    except CellError as problem:
        return Mapped(errors=[UploadError(problem.code, params=problem.params)])
    return map_table(kind, table, facts.partner, Lookup.from_store(store))


def owned(current: set[Triple], partner: str, kind: str) -> set[Triple]:
    """The triples of the partner's graph that the previous upload of ``kind`` gave."""
    node = upload_node(partner, kind)
    mine = {t[0] for t in current if t[1] == DCTERMS.source and t[2] == node}
    others = {t[0] for t in current if t[1] == DCTERMS.source and t[2] != node and t[0] in mine}
    return {
        t
        for t in current
        if t[0] == node
        or (t[0] in mine and t[0] not in others)
        or (t[1] == DCTERMS.source and t[2] == node)
    }


def plan(facts: UploadFacts, store: Store, media_type: str, limits: ParseLimits) -> Plan:
    """Map the upload and compare it with the partner's graph; nothing is written."""
    mapped = map_upload(facts, store, media_type, limits)
    rows = facts.rows
    result = Plan(facts.partner, facts.kind, rows, errors=mapped.errors, origins=mapped.origins)
    if mapped.errors:
        return result
    graph = partner_graph(facts.partner)
    current: set[Triple] = set(store.get_graph(graph)) if store.has_graph(graph) else set()  # type: ignore[arg-type]
    previous = owned(current, facts.partner, facts.kind)
    description = set(describe(facts))
    node = upload_node(facts.partner, facts.kind)
    new_data = mapped.triples | tags(facts.partner, facts.kind, mapped.minted)
    old_data = {t for t in previous if t[0] != node}
    kept = current - previous
    result.added = sorted(new_data - current)
    result.removed = sorted(old_data - new_data - kept)
    if result.added or result.removed:
        result.content = sorted(kept | new_data | description)
    return result


def shape_errors(violation: ShapesViolation, origins: Origins) -> list[UploadError]:
    """SHACL violations of the produced RDF, placed at the row and column they came from."""
    found = []
    for problem in violation.outcome.violations:
        line, column = origins.place(problem.focus, problem.path)
        found.append(
            UploadError(
                "shape", line, column, {"message": problem.message}, {"fr": problem.message}
            )
        )
    for text in violation.inconsistencies:
        found.append(UploadError("shape", None, None, {"message": text}))
    return found


def commit(result: Plan, gate: WriteGate) -> Plan:
    """Write the planned graph through the gate; its refusals become the plan's errors."""
    if result.errors or result.unchanged:
        return result
    try:
        gate.put_graph(result.graph, result.content)
    except ShapesViolation as violation:
        result.errors = shape_errors(violation, result.origins)
        return result
    result.committed = True
    return result


def dry_run(result: Plan, store: Store) -> Plan:
    """The gate's verdict on the plan, written to a copy of the store only."""
    if result.errors or result.unchanged:
        return result
    scratch = WriteGate(OxigraphStore.copy_of(store))
    try:
        scratch.put_graph(result.graph, result.content)
    except ShapesViolation as violation:
        result.errors = shape_errors(violation, result.origins)
    return result


def count_rows(data: bytes, filename: str, media_type: str, kind: str) -> int:
    """Data rows of a spreadsheet (0 for RDF): the number the provenance records."""
    if is_rdf(filename, media_type):
        return 0
    try:
        return len(read_table(kind_named(kind), data, filename, media_type).rows)
    except CellError:
        return 0

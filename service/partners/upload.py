"""An upload from plan to commit: read, map, diff against the partner's graph, then write
through the gate (shapes, reasoning, all or nothing) or, for a dry run, ask the gate's checks
on the query engine's copy (nothing committed, no copy of the store).

A new upload of a kind replaces that partner's previous rows of that kind: the resources the
previous upload minted (each points at its upload node with ``dcterms:source``) lose the
triples only that upload gave them, and the new rows' triples come in. When the rows give
exactly the triples already there, nothing is written at all (re-importing the same file
changes nothing, not even the upload's date).

The data stays in engine terms (``ox.Triple``) from the mapping to the gate's commit. The
store is read where every request's reads run, in the query engine (:class:`UploadJob`);
only the parse of an RDF upload happens before, in the isolated parser process.

That read is outside the write lock, so the plan carries the digest of the partner's graph
as it read it, and its commit is conditional on it (checked by the gate under the lock): when
another write changed the graph in between (the same partner's upload of another kind), the
commit is refused with :class:`PlanOutdated` and the upload is planned again on what is now
committed, a bounded number of times (``REPLANS``), else answered 409. Replacing the whole
graph with a plan made on an older state would drop what that other write added.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.errors import (
    EsskgError,
    ParseMemoryExceeded,
    ParserCrashed,
    ParseTimeout,
    UnknownPartnerKind,
)
from service.formats import rdf_format_for_media_type, rdf_format_for_path
from service.graph.check import Reasoner
from service.graph.dry_run import replacing
from service.graph.gate import Precondition, ShapesViolation, WriteGate, parse_payload
from service.graph.validate import Validator
from service.namespaces import partner_graph
from service.parsing.bounded_call import call_bounded
from service.parsing.limits import ParseLimits
from service.partners.kinds import KINDS, Kind
from service.partners.lookup import Lookup
from service.partners.mapping import Mapped, Origins, map_table
from service.partners.messages import Lang, UploadError
from service.partners.provenance import UploadFacts, describe, tags, upload_node
from service.partners.table import Table, read_table
from service.partners.values import CellError
from service.partners.vocabulary import DCTERMS, ordered, shown
from service.settings import Settings
from service.store.base import Store, digest_lines

RDF_MEDIA_TYPES = frozenset(
    {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}
)
RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".rdf", ".owl")
#: Triples a summary lists (the counts are always whole).
SHOWN = 200
#: Plans of one upload, the first included, before concurrent writes make it give up (409).
REPLANS = 4


class PlanOutdated(EsskgError):
    """The partner's graph is no longer the one the plan read: plan again."""


@dataclass
class Plan:
    """What an upload would do: its errors, or the new graph and the difference."""

    partner: str
    kind: str
    rows: int
    errors: list[UploadError] = field(default_factory=list)
    content: list[ox.Triple] = field(default_factory=list)
    added: list[ox.Triple] = field(default_factory=list)
    removed: list[ox.Triple] = field(default_factory=list)
    origins: Origins = field(default_factory=Origins)
    committed: bool = False
    #: the digest of the partner's graph the plan was made on (None: it was empty)
    based_on: str | None = None

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
            "added_triples": [shown(t) for t in self.added[:SHOWN]],
            "removed_triples": [shown(t) for t in self.removed[:SHOWN]],
            "errors": [e.as_json(lang) for e in self.errors],
        }


@dataclass(frozen=True)
class Checks:
    """The gate's settings, so that a dry run checks exactly what the commit will."""

    reason: bool = True
    reasoner: Reasoner = "rules"
    validator: Validator = "sparql"

    @classmethod
    def from_settings(cls, settings: Settings) -> Checks:
        return cls(settings.infer_on_write, settings.reasoner, settings.validator)


def is_rdf(filename: str, media_type: str) -> bool:
    bare = media_type.split(";", 1)[0].strip().lower()
    return bare in RDF_MEDIA_TYPES or filename.lower().endswith(RDF_SUFFIXES)


def kind_named(slug: str) -> Kind:
    if slug not in KINDS:
        raise UnknownPartnerKind(f"unknown kind {slug!r}; choose one of {', '.join(KINDS)}")
    return KINDS[slug]


def parse_rdf(
    data: bytes, filename: str, media_type: str, limits: ParseLimits, client: str = ""
) -> tuple[ox.Triple, ...]:
    """An RDF upload's triples, parsed in the isolated parser process (never here), within
    the share of the parsers of ``client`` (the sender's address)."""
    try:
        fmt = rdf_format_for_media_type(media_type)
    except EsskgError:
        fmt = rdf_format_for_path(Path(filename))
    return tuple(parse_payload([(fmt, data)], None, limits=limits, client=client))


def read_upload_table(
    kind: str, data: bytes, filename: str, media_type: str, limits: ParseLimits, client: str = ""
) -> Table:
    """A spreadsheet's table, decoded in a bounded child process (``bounded_call``: the
    parser's memory, time and slots), never in the server: an XLSX is a zip that can expand
    without end. Raises :class:`CellError`, worded for the partner, when it cannot be read
    within those bounds."""
    try:
        return call_bounded(
            read_table, (kind_named(kind), data, filename, media_type), limits, client
        )
    except (ParseTimeout, ParseMemoryExceeded, ParserCrashed) as exc:
        raise CellError("xlsx_too_costly") from exc


def _rdf_mapped(triples: tuple[ox.Triple, ...]) -> Mapped:
    mapped = Mapped()
    for triple in triples:
        mapped.triples.add(triple)
        if isinstance(triple.subject, ox.NamedNode):
            mapped.minted.add(triple.subject)
    return mapped


def map_upload(
    facts: UploadFacts,
    store: Store,
    media_type: str,
    rdf: tuple[ox.Triple, ...] | None,
    own: frozenset[str] = frozenset(),
    table: Table | None = None,
) -> Mapped:
    """The upload's triples (or its errors), before any comparison with the graph;
    ``own``: what the partner's previous upload of the kind minted; ``table``: the
    spreadsheet already decoded (:func:`read_upload_table`), else it is read here."""
    kind = kind_named(facts.kind)
    if rdf is not None:
        return _rdf_mapped(rdf)
    if table is None:
        try:
            table = read_table(kind, facts.data, facts.filename, media_type)
        except CellError as problem:
            return Mapped(errors=[UploadError(problem.code, params=problem.params)])
    return map_table(kind, table, facts.partner, Lookup.for_table(store, table), own)


def owned(current: set[ox.Triple], partner: str, kind: str) -> set[ox.Triple]:
    """The triples of the partner's graph that the previous upload of ``kind`` gave."""
    node = upload_node(partner, kind)
    source = DCTERMS.source
    links = [t for t in current if t.predicate == source]
    mine = {t.subject for t in links if t.object == node}
    others = {t.subject for t in links if t.object != node and t.subject in mine}
    return {
        t
        for t in current
        if t.subject == node
        or (t.subject in mine and t.subject not in others)
        or (t.predicate == source and t.object == node)
    }


def plan(
    facts: UploadFacts,
    store: Store,
    media_type: str,
    rdf: tuple[ox.Triple, ...] | None = None,
    table: Table | None = None,
) -> Plan:
    """Map the upload and compare it with the partner's graph; nothing is written.
    ``rdf``: an RDF upload's triples, parsed beforehand by :func:`parse_rdf`; ``table``: a
    spreadsheet's, decoded beforehand by :func:`read_upload_table`."""
    graph = partner_graph(facts.partner)
    current = {quad.triple for quad in store.quads(graph)}
    previous = owned(current, facts.partner, facts.kind)
    node = upload_node(facts.partner, facts.kind)
    own = frozenset(
        t.subject.value
        for t in current
        if t.predicate == DCTERMS.source
        and t.object == node
        and isinstance(t.subject, ox.NamedNode)
    )
    mapped = map_upload(facts, store, media_type, rdf, own, table)
    result = Plan(
        facts.partner,
        facts.kind,
        facts.rows,
        errors=mapped.errors,
        origins=mapped.origins,
        based_on=digest_lines(str(t) for t in current),
    )
    if mapped.errors:
        return result
    new_data = mapped.triples | tags(facts.partner, facts.kind, mapped.minted)
    old_data = {t for t in previous if t.subject != node}
    kept = current - previous
    result.added = ordered(new_data - current)
    result.removed = ordered(old_data - new_data - kept)
    if result.added or result.removed:
        result.content = ordered(kept | new_data | set(describe(facts)))
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


def verdict(result: Plan, store: Store, checks: Checks) -> Plan:
    """The gate's checks on the plan's replacement of the partner's graph, on ``store``
    (the query engine's copy), nothing committed; refusals become the plan's errors."""
    if result.errors or result.unchanged:
        return result
    try:
        replacing(
            store,
            {result.graph: tuple(result.content)},
            reason=checks.reason,
            reasoner=checks.reasoner,
            validator=checks.validator,
        )
    except ShapesViolation as violation:
        result.errors = shape_errors(violation, result.origins)
    return result


def _still_read(result: Plan) -> Precondition:
    """The commit's condition: the partner's graph is, under the write lock, the one the
    plan read (same digest as :meth:`Store.graph_digest`, the GSP ETags' content)."""

    def check(store: Store) -> None:
        if store.graph_digest(result.graph) != result.based_on:
            raise PlanOutdated(f"<{result.graph}> changed since the upload was planned")

    return check


def commit(result: Plan, gate: WriteGate) -> Plan:
    """Write the planned graph through the gate, if the graph is still the one the plan
    read (else :class:`PlanOutdated`); the gate's refusals become the plan's errors."""
    if result.errors or result.unchanged:
        return result
    try:
        gate.put_graph(result.graph, result.content, _still_read(result))
    except ShapesViolation as violation:
        result.errors = shape_errors(violation, result.origins)
        return result
    result.committed = True
    return result


@dataclass(frozen=True)
class UploadJob:
    """The plan of an upload (and, for a dry run, the gate's verdict on it), as a job of
    the query engine: it reads the communes, SIRENs and the partner's graph where every
    request's reads run, under a query's limits (``service.sparql.execution.Job``)."""

    facts: UploadFacts
    media_type: str
    rdf: tuple[ox.Triple, ...] | None
    dry: bool
    checks: Checks
    client: str = ""
    table: Table | None = None  # a spreadsheet, decoded beforehand (never in the engine)

    @property
    def memo_key(self) -> Hashable:
        return ("partner-upload", self.facts.partner, self.facts.kind, self.facts.digest, self.dry)

    def answer(self, store: Store) -> Plan:
        found = plan(self.facts, store, self.media_type, self.rdf, self.table)
        return verdict(found, store, self.checks) if self.dry else found


def count_rows(data: bytes, filename: str, media_type: str, kind: str) -> int:
    """Data rows of a spreadsheet (0 for RDF): the number the provenance records."""
    if is_rdf(filename, media_type):
        return 0
    try:
        return len(read_table(kind_named(kind), data, filename, media_type).rows)
    except CellError:
        return 0

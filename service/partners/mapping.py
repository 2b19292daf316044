"""Rows become triples in the ontology's terms, each remembering its row and column.

IRIs are deterministic: an organisation with a SIREN is the resource that already carries
that SIREN, else ``id/organisation/siren-<SIREN>``; without one it is named from the partner
and the name; memberships, SPASERs, axes, targets, events, talks and charters are named from
what identifies them in the row. So the same file always gives the same triples.

Every triple's subject and predicate are noted with the line and the column header they
came from (:class:`Origins`), so that a SHACL violation of the produced RDF, which names a
focus node and a path, is reported at the cell a person can fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from service.french_names import fold
from service.namespaces import ID
from service.partners import values
from service.partners.kinds import Kind
from service.partners.lookup import Lookup
from service.partners.messages import UploadError
from service.partners.table import Row, Table
from service.partners.values import CellError
from service.partners.vocabulary import (
    ESS,
    FOAF,
    ORG,
    RDFS,
    SCHEMA,
    SKOS,
    TIME,
    TYPE,
    XSD_STRING,
    a_date,
    decimal,
    french,
    plain,
)

ROLES = ox.NamedNode(ID + "scheme/roles")
T = TypeVar("T")


def slug(text: str, limit: int = 60) -> str:
    """A readable IRI segment: folded words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:limit].strip("-") or "x"


@dataclass
class Origins:
    """Where each (subject, predicate) came from: line and column header, keyed by the
    IRIs as a SHACL result names them (focus node, path)."""

    cells: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    subjects: dict[str, int] = field(default_factory=dict)

    def place(self, focus: str, path: str | None) -> tuple[int | None, str | None]:
        if path is not None and (focus, path) in self.cells:
            return self.cells[(focus, path)]
        return self.subjects.get(focus), None


@dataclass
class Mapped:
    """The triples of an upload, the subjects it mints, where each came from, its errors."""

    triples: set[ox.Triple] = field(default_factory=set)
    minted: set[ox.NamedNode] = field(default_factory=set)
    origins: Origins = field(default_factory=Origins)
    errors: list[UploadError] = field(default_factory=list)


class Mapper:
    """Maps one table of one kind for one partner."""

    def __init__(
        self,
        kind: Kind,
        table: Table,
        partner: str,
        lookup: Lookup,
        own: frozenset[str] = frozenset(),
    ) -> None:
        """``own``: the resources this partner's previous upload of the kind minted. The
        lookup finds them in the graph too, but they are this upload's to state again (or
        to drop), not someone else's to point at."""
        self.kind, self.table, self.partner, self.lookup = kind, table, partner, lookup
        self.own = own
        self.out = Mapped()

    def found(self, iri: str | None) -> ox.NamedNode | None:
        """A resource the graph already holds from elsewhere (not from ``own``)."""
        return ox.NamedNode(iri) if iri is not None and iri not in self.own else None

    # -- helpers ---------------------------------------------------------------------------

    def header(self, key: str) -> str:
        return self.table.header(key, self.kind.column(key).fr)

    def add(
        self,
        row: Row,
        key: str | None,
        s: ox.NamedNode,
        p: ox.NamedNode,
        o: ox.NamedNode | ox.Literal,
    ) -> None:
        self.out.triples.add(ox.Triple(s, p, o))
        self.out.origins.subjects.setdefault(s.value, row.line)
        if key is not None:
            self.out.origins.cells.setdefault((s.value, p.value), (row.line, self.header(key)))

    def mint(
        self, row: Row, key: str | None, node: ox.NamedNode, cls: ox.NamedNode, label: str
    ) -> ox.NamedNode:
        self.out.minted.add(node)
        self.add(row, None, node, TYPE, cls)
        self.add(row, key, node, RDFS.label, french(label))
        return node

    def error(self, row: Row, key: str | None, problem: CellError) -> None:
        column = self.header(key) if key is not None else None
        self.out.errors.append(UploadError(problem.code, row.line, column, problem.params))

    def cell(self, row: Row, key: str, parse: Callable[[str], T]) -> T | None:
        """The parsed cell, None when empty (an error when required) or wrong (noted)."""
        text = row.get(key)
        if not text:
            if self.kind.column(key).required:
                self.error(row, key, CellError("required"))
            return None
        try:
            return parse(text)
        except CellError as problem:
            self.error(row, key, problem)
            return None

    def organisation(self, row: Row, key: str, name: str, siren: str | None) -> ox.NamedNode:
        """The resource an organisation named in a row stands for (found, else minted)."""
        if siren is not None and (known := self.found(self.lookup.sirens.get(siren))):
            return known
        if siren is None and (known := self.found(self.lookup.organisations.get(fold(name)))):
            return known
        local = f"siren-{siren}" if siren else f"{self.partner}-{slug(name)}"
        node = self.mint(
            row, key, ox.NamedNode(f"{ID}organisation/{local}"), ESS.ESSOrganisation, name
        )
        if siren is not None:
            self.add(row, "siren", node, ESS.siren, ox.Literal(siren, datatype=XSD_STRING))
        return node

    def network(self, row: Row, name: str) -> ox.NamedNode:
        known = self.found(self.lookup.organisations.get(fold(name)))
        if known is not None:
            return known
        return self.mint(
            row, "network", ox.NamedNode(f"{ID}organisation/{slug(name)}"), ESS.Network, name
        )

    def role(self, row: Row, text: str) -> ox.NamedNode:
        node = ox.NamedNode(f"{ID}concept/role-{slug(text)}")
        self.mint(row, "role", node, ORG.Role, text)
        self.add(row, None, node, TYPE, SKOS.Concept)
        self.add(row, None, node, SKOS.inScheme, ROLES)
        self.add(row, "role", node, SKOS.prefLabel, french(text))
        return node

    # -- the kinds -------------------------------------------------------------------------

    def run(self) -> Mapped:
        handler = {
            "organisations": self.organisation_row,
            "spasers": self.spaser_row,
            "events": self.event_row,
            "charters": self.charter_row,
        }[self.kind.slug]
        if not self.table.rows:
            self.out.errors.append(UploadError("no_rows"))
        for row in self.table.rows:
            handler(row)
        return self.out

    def organisation_row(self, row: Row) -> None:
        before = len(self.out.errors)
        name = self.cell(row, "name", str)
        siren = self.cell(row, "siren", values.siren)
        commune = self.cell(row, "commune", self.lookup.commune)
        since = self.cell(row, "since", values.a_date)
        if name is None or len(self.out.errors) > before:
            return
        member = self.organisation(row, "name", name, siren)
        if commune is not None and member in self.out.minted:
            self.add(row, "commune", member, ESS.basedIn, ox.NamedNode(commune.territory))
        network_name = row.get("network")
        if not network_name:
            return
        network = self.network(row, network_name)
        member_local = member.value.rsplit("/", 1)[-1]
        if not member_local.startswith(self.partner):
            member_local = f"{self.partner}-{member_local}"
        local = f"{member_local}--{slug(network_name)}"
        membership = ox.NamedNode(f"{ID}appartenance/{local}")
        self.mint(row, "name", membership, ORG.Membership, f"{name}, membre de {network_name}")
        self.add(row, "name", membership, ORG.member, member)
        self.add(row, "network", membership, ORG.organization, network)
        if row.get("role"):
            self.add(row, "role", membership, ORG.role, self.role(row, row.get("role")))
        if since is not None:
            period = ox.NamedNode(f"{membership.value}-periode")
            start = ox.NamedNode(f"{membership.value}-debut")
            self.out.minted.update({period, start})
            self.add(row, "since", membership, ORG.memberDuring, period)
            self.add(row, "since", period, TYPE, TIME.Interval)
            self.add(row, "since", period, TIME.hasBeginning, start)
            self.add(row, "since", start, TYPE, TIME.Instant)
            self.add(row, "since", start, TIME.inXSDDate, a_date(since))

    def spaser_row(self, row: Row) -> None:
        authority = self.cell(row, "authority", self.lookup.authority)
        adopted = self.cell(row, "adopted", values.date_or_year)
        axis_type = self.cell(
            row, "axis_type", lambda t: self.lookup.choice(self.lookup.axis_types, t)
        )
        target_value = self.cell(row, "target_value", values.number)
        unit = self.cell(row, "target_unit", lambda t: self.lookup.choice(self.lookup.units, t))
        target_year = self.cell(row, "target_year", values.year)
        title = self.cell(row, "title", str)  # the file's own words: a title is never invented
        if authority is None or title is None:
            return
        plan = ox.NamedNode(f"{ID}spaser/{self.partner}-{slug(authority.rsplit('/', 1)[-1])}")
        self.mint(row, "title", plan, ESS.SPASER, title)
        self.add(row, "authority", plan, ESS.adoptedBy, ox.NamedNode(authority))
        if adopted is not None:
            self.add(row, "adopted", plan, ESS.adoptionDate, a_date(adopted))
        axis_title = row.get("axis")
        if (target_value is not None or unit is not None) and not axis_title:
            self.error(row, "target_value", CellError("needs_axis", {"axis": self.header("axis")}))
            return
        if not axis_title:
            return
        axis = ox.NamedNode(f"{plan.value}-{slug(axis_title, 40)}".replace("/spaser/", "/axe/"))
        self.mint(row, "axis", axis, ESS.StrategicAxis, axis_title)
        self.add(row, "axis", plan, ESS.hasAxis, axis)
        if axis_type is not None:
            self.add(row, "axis_type", axis, ESS.axisType, ox.NamedNode(axis_type))
        if target_value is None and unit is None and target_year is None:
            return
        if target_value is None or unit is None:
            self.error(row, "target_value", CellError("target_incomplete"))
            return
        target = ox.NamedNode(axis.value.replace("/axe/", "/cible/"))
        self.mint(row, "target_value", target, ESS.Target, f"Cible : {axis_title}")
        self.add(row, "target_value", axis, ESS.hasTarget, target)
        self.add(row, "target_value", target, ESS.targetValue, decimal(target_value))
        self.add(row, "target_unit", target, ESS.unit, ox.NamedNode(unit))
        if target_year is not None:
            self.add(row, "target_year", target, ESS.targetYear, a_date(target_year))

    def event_row(self, row: Row) -> None:
        title = self.cell(row, "title", str)
        day = self.cell(row, "date", values.a_date)
        place = self.cell(row, "place", self.lookup.commune)
        if title is None or day is None:
            return
        event = ox.NamedNode(f"{ID}evenement/{self.partner}-{slug(title, 50)}-{day.isoformat()}")
        self.mint(row, "title", event, SCHEMA.Event, title)
        self.add(row, "date", event, SCHEMA.startDate, a_date(day))
        if place is not None:
            self.add(row, "place", event, SCHEMA.location, ox.NamedNode(place.territory))
        for organiser in values.several(row.get("organisers")):
            self.add(
                row,
                "organisers",
                event,
                SCHEMA.organizer,
                self.organisation(row, "organisers", organiser, None),
            )
        talk, speaker, affiliation = row.get("talk"), row.get("speaker"), row.get("affiliation")
        if not (talk or speaker or affiliation):
            return
        if not (speaker and affiliation):
            self.error(row, "speaker", CellError("speaker_incomplete"))
            return
        person = ox.NamedNode(f"{ID}personne/{self.partner}-{slug(speaker)}")
        self.mint(row, "speaker", person, FOAF.Person, speaker)
        self.add(row, "speaker", person, FOAF.name, plain(speaker))
        talk_title = talk or f"Intervention de {speaker}"
        node = ox.NamedNode(
            f"{event.value}-{slug(speaker, 30)}".replace("/evenement/", "/intervention/")
        )
        self.mint(row, "talk", node, ESS.Intervention, talk_title)
        self.add(row, "talk", event, ESS.hasIntervention, node)
        self.add(row, "speaker", node, ESS.speaker, person)
        org = self.organisation(row, "affiliation", affiliation, None)
        self.add(row, "affiliation", node, ESS.speakerAffiliation, org)

    def charter_row(self, row: Row) -> None:
        title = self.cell(row, "charter", str)
        signed = self.cell(row, "signed", values.date_or_year)
        name = self.cell(row, "signatory", str)
        siren = self.cell(row, "siren", values.siren)
        if title is None or name is None or signed is None:
            return
        charter = ox.NamedNode(f"{ID}charte/{self.partner}-{slug(title)}")
        self.mint(row, "charter", charter, ESS.Charter, title)
        self.add(row, "signed", charter, ESS.signedOn, a_date(signed))
        signatory = self.organisation(row, "signatory", name, siren)
        self.add(row, "signatory", charter, ESS.hasSignatory, signatory)


def map_table(
    kind: Kind, table: Table, partner: str, lookup: Lookup, own: frozenset[str] = frozenset()
) -> Mapped:
    return Mapper(kind, table, partner, lookup, own).run()

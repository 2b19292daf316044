"""The upload's own description: who sent which file, when, and how many rows it had.

One node per partner and kind, ``id/televersement/<partner>-<kind>``: a new upload of a kind
replaces the previous one, so its description is replaced with it. Each resource an upload
mints points at it with ``dcterms:source``; that link is also how the next upload of the
same kind finds the triples it replaces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from service.namespaces import ID
from service.partners.vocabulary import (
    DCTERMS,
    ESS,
    PROV,
    RDFS,
    SCHEMA,
    TYPE,
    XSD_DATETIME,
    english,
    french,
    integer,
    plain,
)


def upload_node(partner: str, kind: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}televersement/{partner}-{kind}")


def partner_agent(partner: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}partenaire/{partner}")


@dataclass(frozen=True)
class UploadFacts:
    """What is known of an upload before it is mapped."""

    partner: str
    kind: str
    filename: str
    data: bytes
    rows: int
    who: str
    at: datetime | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def describe(facts: UploadFacts) -> list[ox.Triple]:
    """The upload as a PROV activity associated with the partner."""
    node, agent = upload_node(facts.partner, facts.kind), partner_agent(facts.partner)
    when = (facts.at or datetime.now(UTC)).replace(microsecond=0)
    return [
        ox.Triple(node, TYPE, PROV.Activity),
        ox.Triple(node, RDFS.label, french(f"Téléversement « {facts.kind} » de {facts.partner}")),
        ox.Triple(node, RDFS.label, english(f'Upload "{facts.kind}" by {facts.partner}')),
        ox.Triple(node, PROV.wasAssociatedWith, agent),
        ox.Triple(node, PROV.endedAtTime, ox.Literal(when.isoformat(), datatype=XSD_DATETIME)),
        ox.Triple(node, DCTERMS.title, plain(facts.filename)),
        ox.Triple(node, SCHEMA.sha256, plain(facts.digest)),
        ox.Triple(node, ESS.rowCount, integer(facts.rows)),
        ox.Triple(node, ESS.contributionKind, plain(facts.kind)),
        ox.Triple(node, DCTERMS.creator, plain(facts.who)),
        ox.Triple(agent, TYPE, PROV.Agent),
        ox.Triple(agent, RDFS.label, plain(facts.partner)),
    ]


def tags(partner: str, kind: str, subjects: set[ox.NamedNode]) -> set[ox.Triple]:
    """Each minted resource points at its upload: how the next upload of the kind finds
    the triples it replaces."""
    node = upload_node(partner, kind)
    return {ox.Triple(s, DCTERMS.source, node) for s in subjects}
